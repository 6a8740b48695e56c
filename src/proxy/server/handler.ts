// One HTTP request: check, route on the table of the moment, run the middlewares, forward with
// retries, answer errors as Traefik words them. The table is read once: a reload mid-request
// changes nothing for it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseIp } from '../../net/index.ts';
import type { CompiledRouter, RequestFacts, Upstream } from '../types.ts';
import { hasBody, lazyBody } from './body.ts';
import type { AccessRecord, ServerContext } from './context.ts';
import { recordRequest } from './access.ts';
import { forwardOnce, statusForUpstreamError } from './forward.ts';
import { headerMap, requestIdFrom, setForwardedHeaders, stripHopByHop, toUndiciHeaders, type HeaderMap } from './headers.ts';
import { applyMiddlewares, idempotentMethods, requestUri, retryDelayMs, type RequestDraft } from './middlewares.ts';
import { checkRequest, clientAddress } from './request-check.ts';
import { sendError } from './responses.ts';

export interface Routed {
  readonly router: CompiledRouter;
  readonly draft: RequestDraft;
  readonly headers: HeaderMap;
}

/** Everything before forwarding, shared with WebSocket upgrades: a route, or the status to answer. */
export function routeRequest(context: ServerContext, req: IncomingMessage, tls: boolean, websocket: boolean, record: AccessRecord): Routed | { status: number; reason: string } {
  const check = checkRequest(req);
  if (!check.ok) return { status: check.status, reason: check.reason };
  record.host = check.hostHeader;
  record.path = check.path;
  const headers = headerMap(req.rawHeaders);
  record.requestId = requestIdFrom(headers);
  const facts: RequestFacts = { host: check.host, method: req.method ?? 'GET', path: check.path, rawQuery: check.rawQuery, headers: req.headers, clientIP: record.client };
  const router = context.table()?.route(facts, tls);
  if (router === undefined) return { status: 404, reason: 'no router matched' };
  record.router = router.name;
  record.service = router.service;
  headers.delete('host');
  const ip = parseIp(record.client);
  setForwardedHeaders(headers, { clientIP: record.client, trusted: ip !== undefined && context.trusted.has(ip), tls, websocket, host: check.hostHeader, serverName: context.serverName });
  stripHopByHop(headers, 'request');
  headers.delete('expect'); // answered here (100 Continue); undici does not send Expect
  headers.set('x-request-id', [record.requestId]);
  const draft: RequestDraft = { path: check.path, rawQuery: check.rawQuery, host: check.hostHeader, method: facts.method, headers, tls };
  return { router, draft, headers };
}

export function newRecord(req: IncomingMessage): AccessRecord {
  return { start: performance.now(), client: clientAddress(req.socket.remoteAddress), method: req.method ?? '', host: '', path: req.url ?? '', requestId: '', router: '', service: '', server: '', bytes: 0 };
}

export function upstreamHost(passHostHeader: boolean, draft: RequestDraft, upstream: Upstream): string {
  return passHostHeader ? draft.host : new URL(upstream.url).host;
}

export function createRequestHandler(context: ServerContext, tls: boolean): (req: IncomingMessage, res: ServerResponse, expectsContinue?: boolean) => void {
  return (req, res, expectsContinue = false) => {
    const record = newRecord(req);
    const clientGone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) clientGone.abort();
      // A response the client closed before it was complete counts as 499, as Traefik logs it.
      recordRequest(context, record, res.writableFinished ? res.statusCode : 499);
    });
    handle(context, req, res, tls, expectsContinue, record, clientGone.signal).catch((error: unknown) => {
      context.logger.error({ event: 'proxy_internal_error', err: error, request_id: record.requestId });
      if (!res.headersSent) record.bytes = sendError(res, 500, ['connection', 'close']);
      else res.destroy();
    });
  };
}

async function handle(context: ServerContext, req: IncomingMessage, res: ServerResponse, tls: boolean, expectsContinue: boolean, record: AccessRecord, clientGone: AbortSignal): Promise<void> {
  const { settings, upstreams, metrics } = context;
  // Answered without 100 Continue, the client never sends its body: the connection cannot be reused (as Go).
  const close = expectsContinue ? ['connection', 'close'] : [];
  // Go's server answers `OPTIONS *` itself (globalOptionsHandler), so Traefik never routes it.
  if (req.method === 'OPTIONS' && req.url === '*') {
    req.resume();
    res.writeHead(200, ['content-length', '0', ...close]).end();
    return;
  }
  const routed = routeRequest(context, req, tls, false, record);
  if ('status' in routed) {
    if (routed.status !== 404) metrics.rejected.inc({ code: String(routed.status) });
    record.bytes = sendError(res, routed.status, routed.status === 404 ? close : ['connection', 'close']);
    return;
  }
  const length = Number(req.headers['content-length'] ?? '0');
  if (settings.max_body_bytes > 0 && length > settings.max_body_bytes) {
    metrics.rejected.inc({ code: '413' });
    record.bytes = sendError(res, 413, ['connection', 'close']);
    return;
  }
  const { router, draft, headers } = routed;
  const outcome = applyMiddlewares(router.middlewares, draft);
  if (outcome.kind === 'redirect') {
    record.bytes = sendError(res, outcome.status, ['location', outcome.location, ...close]);
    return;
  }
  const picker = upstreams.picker(router.service);
  if (picker === undefined) {
    record.bytes = sendError(res, 404, close);
    return;
  }
  const attempts = outcome.retry !== undefined && idempotentMethods.has(draft.method) ? Math.max(1, outcome.retry.attempts) : 1;
  const tried = new Set<string>();
  const withBody = hasBody(req);
  let resent = false;
  for (let attempt = 1; ; attempt++) {
    const upstream = picker.pick(tried) ?? (tried.size > 0 ? picker.pick() : undefined);
    if (upstream === undefined) {
      record.bytes = sendError(res, 503, attempt === 1 ? close : []);
      return;
    }
    if (expectsContinue && attempt === 1) res.writeContinue();
    record.server = upstream.url;
    headers.set('host', [upstreamHost(picker.passHostHeader, draft, upstream)]);
    const body = withBody ? lazyBody(req, settings.max_body_bytes) : undefined;
    const result = await forwardOnce(
      {
        dispatcher: upstreams.dispatcher(upstream.origin), origin: upstream.origin, method: draft.method, path: requestUri(draft),
        headers: toUndiciHeaders(headers), body: body?.stream ?? null, headersTimeoutMs: settings.response_header_timeout,
        responseHeaders: outcome.responseHeaders, clientGone, counter: record,
      },
      res,
    );
    if (result.kind === 'answered') {
      upstreams.reportSuccess(upstream);
      await result.done;
      return;
    }
    if (clientGone.aborted) return;
    if (body?.tooLarge() === true) {
      metrics.rejected.inc({ code: '413' });
      record.bytes = sendError(res, 413, ['connection', 'close']);
      return;
    }
    upstreams.reportFailure(upstream, result.error);
    if (!resent && result.connected && !withBody && replayable(draft.method, headers) && closedByServer(result.error)) {
      // Go's http.Transport (so Traefik) sends such a request once more, on a new connection, when
      // the server closed the connection before any answer (a keep-alive connection it dropped, or
      // it died); nginx's default proxy_next_upstream does too. Not a retry middleware attempt.
      resent = true;
      attempt--;
      metrics.retries.inc({ service: router.service });
      continue;
    }
    const nothingSent = !result.connected && body?.started() !== true;
    if (attempt < attempts && nothingSent) {
      metrics.retries.inc({ service: router.service });
      tried.add(upstream.url);
      const delay = retryDelayMs(outcome.retry?.initialIntervalMs ?? 0, attempt);
      if (delay > 0) await sleep(delay);
      if (clientGone.aborted) return;
      continue;
    }
    context.logger.debug({ event: 'proxy_upstream_error', server: upstream.url, err: result.error, request_id: record.requestId });
    record.bytes = sendError(res, statusForUpstreamError(result.error));
    return;
  }
}

/** Go's isReplayable: no body, and GET/HEAD/OPTIONS/TRACE or an Idempotency-Key header. */
function replayable(method: string, headers: ReadonlyMap<string, readonly string[]>): boolean {
  return ['GET', 'HEAD', 'OPTIONS', 'TRACE'].includes(method) || headers.has('idempotency-key') || headers.has('x-idempotency-key');
}

/** The server closed or reset the connection (undici: "other side closed"), as opposed to a timeout or a bad response. */
function closedByServer(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE';
}
