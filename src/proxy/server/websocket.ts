// WebSocket upgrades: routed like requests, sent upstream through the origin's undici pool, and
// tunnelled only once the upstream answers 101; any other answer is relayed and the socket closed.
// Tunnels belong to no table: a reload never closes one; stop() closes them at its deadline.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { ServerContext } from './context.ts';
import { statusForUpstreamError } from './forward.ts';
import { recordRequest } from './access.ts';
import { routeRequest, newRecord, upstreamHost } from './handler.ts';
import { applyCustomHeaders, objectToMap, stripHopByHop, toFlat, toUndiciHeaders, type HeaderMap } from './headers.ts';
import { applyMiddlewares, requestUri } from './middlewares.ts';
import { errorBody, writeRawAndClose } from './responses.ts';

// node:http by getBuiltinModule, never an ESM import (eslint.config.js: it costs Node's bundled undici).
const { STATUS_CODES } = process.getBuiltinModule('node:http');

/** Only `Upgrade: websocket` on GET is upgraded; anything else (h2c) is served as a plain request. */
export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return req.method === 'GET' && (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

export interface Tunnels {
  readonly open: Set<Duplex>;
  onTunnel(client: Duplex, protocol: string): void;
}

function head(status: number, statusText: string, headers: HeaderMap): string {
  const lines = [`HTTP/1.1 ${status} ${statusText}`];
  const flat = toFlat(headers);
  for (let i = 0; i + 1 < flat.length; i += 2) lines.push(`${flat[i]}: ${flat[i + 1]}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export function createUpgradeHandler(context: ServerContext, tls: boolean, tunnels: Tunnels): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, client, firstBytes) => {
    const record = newRecord(req);
    client.on('error', () => client.destroy());
    const routed = routeRequest(context, req, tls, true, record);
    if ('status' in routed) {
      if (routed.status !== 404) context.metrics.rejected.inc({ code: String(routed.status) });
      client.end(plainAnswer(routed.status, new Map()));
      recordRequest(context, record, routed.status);
      return;
    }
    const { router, draft, headers } = routed;
    const outcome = applyMiddlewares(router.middlewares, draft);
    if (outcome.kind === 'redirect') {
      client.end(plainAnswer(outcome.status, new Map([['location', [outcome.location]]])));
      recordRequest(context, record, outcome.status);
      return;
    }
    const picker = context.upstreams.picker(router.service);
    const upstream = picker?.pick();
    if (picker === undefined || upstream === undefined) {
      const status = picker === undefined ? 404 : 503;
      client.end(plainAnswer(status, new Map()));
      recordRequest(context, record, status);
      return;
    }
    headers.set('host', [upstreamHost(picker.passHostHeader, draft, upstream)]);
    record.server = upstream.url;
    let answered = false;
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart() {},
      onRequestUpgrade(_controller, statusCode, rawHeaders, upstreamSocket) {
        answered = true;
        context.upstreams.reportSuccess(upstream);
        const responseHeaders = objectToMap(rawHeaders);
        for (const custom of outcome.responseHeaders) applyCustomHeaders(responseHeaders, custom);
        if (!client.writable) {
          upstreamSocket.destroy();
          return;
        }
        client.write(head(statusCode, 'Switching Protocols', responseHeaders));
        recordRequest(context, record, statusCode);
        if (firstBytes.length > 0) upstreamSocket.write(firstBytes);
        const close = (): void => {
          client.destroy();
          upstreamSocket.destroy();
        };
        upstreamSocket.on('error', close).on('close', close);
        client.on('close', close);
        client.pipe(upstreamSocket);
        upstreamSocket.pipe(client);
        tunnels.onTunnel(client, tls ? 'https' : 'http');
      },
      onResponseStart(controller, statusCode, rawHeaders, statusMessage) {
        if (statusCode < 200) return;
        answered = true;
        context.upstreams.reportSuccess(upstream);
        const responseHeaders = objectToMap(rawHeaders);
        stripHopByHop(responseHeaders, 'response');
        for (const custom of outcome.responseHeaders) applyCustomHeaders(responseHeaders, custom);
        // Not upgraded: the body is relayed as is and the connection closed, which delimits it.
        responseHeaders.delete('content-length');
        responseHeaders.set('connection', ['close']);
        client.write(head(statusCode, statusMessage ?? STATUS_CODES[statusCode] ?? '', responseHeaders));
        recordRequest(context, record, statusCode);
        client.on('drain', () => controller.resume());
      },
      onResponseData(controller, chunk) {
        if (!client.write(chunk)) controller.pause();
      },
      onResponseEnd() {
        client.end();
      },
      onResponseError(_controller, error) {
        if (answered) {
          client.destroy();
          return;
        }
        context.upstreams.reportFailure(upstream, error);
        const status = statusForUpstreamError(error);
        client.end(plainAnswer(status, new Map()));
        recordRequest(context, record, status);
      },
    };
    try {
      context.upstreams.dispatcher(upstream.origin).dispatch(
        { origin: upstream.origin, path: requestUri(draft), method: 'GET', headers: toUndiciHeaders(headers), upgrade: 'websocket', headersTimeout: context.settings.response_header_timeout },
        handler,
      );
    } catch (error) {
      context.logger.warn({ event: 'proxy_upgrade_error', err: error, server: upstream.url });
      writeRawAndClose(client, 502);
      recordRequest(context, record, 502);
    }
  };
}

/** A short answer on a connection that is then closed (the client asked to upgrade it). */
function plainAnswer(status: number, headers: HeaderMap): string {
  const body = errorBody(status);
  headers.set('content-type', ['text/plain; charset=utf-8']);
  headers.set('content-length', [String(Buffer.byteLength(body))]);
  headers.set('connection', ['close']);
  return head(status, STATUS_CODES[status] ?? 'Error', headers) + body;
}
