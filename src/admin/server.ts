// The admin API: HTTP on a unix socket (mode 0600 by default) and optionally on TCP. It serves
// health, readiness, metrics and status for the whole daemon (and the status page at /), plus the routes areas offer (the CNI
// plugin's DNS registration). It knows nothing of areas beyond the plain hooks daemon.ts gives it.
// The TCP listener is read-only (GET/HEAD): it has no authentication, so writes stay on the socket.
import { chmodSync, mkdirSync, rmSync, statSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import type { Registry } from 'prom-client';
import type { ApiRoute } from '../area.ts';
import { schema } from '../config/index.ts';
import { WeftError } from '../errors.ts';
import { silentLogger, type Logger } from '../log.ts';
import { BodyTooLarge, listen, readJsonBody, requestUrl, sendJson, sendText, socketAnswers } from './http.ts';
import { renderStatusPage, statusPageHeaders } from './status-page.ts';

// node:http by getBuiltinModule, never an ESM import (eslint.config.js: it costs Node's bundled undici).
const { createServer } = process.getBuiltinModule('node:http');

export interface Readiness {
  readonly ready: boolean;
  /** Per area: ready, or the reason it is not. */
  readonly areas: Readonly<Record<string, { ready: boolean; reason?: string }>>;
}

export interface AdminHooks {
  readiness(): Readiness;
  status(): unknown;
  /** Registries merged at scrape time (default process metrics + one per area). */
  registries(): readonly Registry[];
  routes(): readonly ApiRoute[];
}

export interface AdminOptions {
  readonly socket: string;
  readonly socketMode: number;
  /** `ADDRESS:PORT`, or '' for no TCP listener. */
  readonly listen: string;
  /** Per listener; further connections are closed at once. Default: admin.max_connections. */
  readonly maxConnections?: number;
  /** Milliseconds a client may take to send the request headers. Default: admin.headers_timeout. */
  readonly headersTimeoutMs?: number;
  /** Milliseconds a client may take to send the whole request. Default: admin.request_timeout. */
  readonly requestTimeoutMs?: number;
  readonly logger?: Logger;
}

const readOnlyMethods = new Set(['GET', 'HEAD']);
const dropLogIntervalMs = 10_000;

export class AdminServer {
  readonly #options: AdminOptions;
  readonly #hooks: AdminHooks;
  readonly #log: Logger;
  readonly #servers: Server[] = [];
  #tcpAddress: string | undefined;
  #lastDropLog = 0;

  constructor(options: AdminOptions, hooks: AdminHooks) {
    this.#options = options;
    this.#hooks = hooks;
    this.#log = options.logger ?? silentLogger;
  }

  /** The bound TCP address (useful with port 0), if a TCP listener runs. */
  get tcpAddress(): string | undefined {
    return this.#tcpAddress;
  }

  async start(): Promise<void> {
    if (this.#options.socket !== '') await this.#listenUnix(this.#options.socket);
    if (this.#options.listen !== '') await this.#listenTcp(this.#options.listen);
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.#servers.splice(0).map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
    if (this.#options.socket !== '') rmSync(this.#options.socket, { force: true });
  }

  async #listenUnix(path: string): Promise<void> {
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    if (await socketAnswers(path)) {
      throw new WeftError('WEFT_E_ADMIN_SOCKET', `admin socket ${path} is in use by a running process (another weft daemon?); stop it or set admin.socket to another path`);
    }
    // A socket file nobody answers on is left over from a crash: remove it, but never a regular file.
    try {
      if (!statSync(path).isSocket()) throw new WeftError('WEFT_E_ADMIN_SOCKET', `${path} exists and is not a socket; refusing to remove it (set admin.socket to another path)`);
      rmSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const server = this.#createServer(false);
    await listen(server, () => server.listen(path), `admin socket ${path}`, 'WEFT_E_ADMIN_SOCKET');
    chmodSync(path, this.#options.socketMode);
    this.#log.info({ event: 'admin_listening', socket: path, mode: this.#options.socketMode.toString(8) }, 'admin API on unix socket');
  }

  async #listenTcp(address: string): Promise<void> {
    const separator = address.lastIndexOf(':');
    const host = address.slice(0, separator).replace(/^\[|\]$/g, '');
    const port = Number(address.slice(separator + 1));
    const server = this.#createServer(true);
    await listen(server, () => server.listen(port, host === '' ? undefined : host), `admin listener ${address}`, 'WEFT_E_ADMIN_LISTEN');
    const bound = server.address();
    this.#tcpAddress = typeof bound === 'object' && bound !== null ? `${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}` : address;
    this.#log.info({ event: 'admin_listening', address: this.#tcpAddress }, 'admin API on TCP');
  }

  #createServer(readOnly: boolean): Server {
    const o = this.#options;
    const requestTimeout = o.requestTimeoutMs ?? schema.admin.request_timeout.default;
    // Node refuses a headers timeout above the request timeout; the smaller one wins anyway.
    const headersTimeout = Math.min(o.headersTimeoutMs ?? schema.admin.headers_timeout.default, requestTimeout);
    // Node checks both timeouts only every connectionsCheckingInterval (30 s by default).
    const options = { headersTimeout, requestTimeout, connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 2))) };
    const server = createServer(options, (request, response) => {
      this.#handle(request, response, readOnly).catch((error: unknown) => {
        this.#log.error({ event: 'admin_request_failed', err: (error as Error).message, url: request.url });
        if (!response.headersSent) sendJson(response, 500, { error: 'internal error', message: (error as Error).message });
        else response.destroy();
      });
    });
    server.maxConnections = o.maxConnections ?? schema.admin.max_connections.default;
    server.on('drop', () => {
      if (Date.now() - this.#lastDropLog < dropLogIntervalMs) return;
      this.#lastDropLog = Date.now();
      this.#log.warn({ event: 'admin_connection_dropped', maxConnections: server.maxConnections, tcp: readOnly }, 'admin API at admin.max_connections; closing new connections');
    });
    this.#servers.push(server);
    return server;
  }

  async #handle(request: IncomingMessage, response: ServerResponse, readOnly: boolean): Promise<void> {
    const method = request.method ?? 'GET';
    if (readOnly && !readOnlyMethods.has(method)) {
      const socket = this.#options.socket === '' ? 'the admin unix socket (admin.socket, now off)' : `the admin unix socket ${this.#options.socket}`;
      return sendJson(response, 405, { error: 'method not allowed', code: 'WEFT_E_ADMIN_READ_ONLY', message: `the admin TCP listener (admin.listen) is read-only; send ${method} requests to ${socket}` }, { allow: 'GET, HEAD' });
    }
    const url = requestUrl(request);
    if (url === undefined) return sendJson(response, 400, { error: 'bad request', code: 'WEFT_E_ADMIN_REQUEST', message: 'the request path is not valid percent-encoded UTF-8' });
    if (readOnlyMethods.has(method)) {
      switch (url.pathname) {
        case '/healthz':
          return sendText(response, 200, 'ok\n');
        case '/readyz': {
          const readiness = this.#hooks.readiness();
          if (url.searchParams.has('verbose') || request.headers.accept?.includes('application/json') === true) {
            return sendJson(response, readiness.ready ? 200 : 503, readiness);
          }
          const lines = Object.entries(readiness.areas).map(([name, a]) => `${a.ready ? '+' : '-'} ${name}${a.ready ? '' : `: ${a.reason ?? 'not ready'}`}`);
          return sendText(response, readiness.ready ? 200 : 503, `${[...lines, readiness.ready ? 'ready' : 'not ready'].join('\n')}\n`);
        }
        case '/metrics':
          return this.#sendMetrics(response);
        case '/v1/status':
          return sendJson(response, 200, this.#hooks.status());
        case '/': {
          const page = renderStatusPage(this.#hooks.status());
          response.writeHead(200, { ...statusPageHeaders, 'content-length': Buffer.byteLength(page) });
          return void response.end(page);
        }
      }
    }
    const route = this.#hooks.routes().find((r) => r.method === method && (r.path === url.pathname || (r.path.endsWith('/') && url.pathname.startsWith(r.path))));
    if (route === undefined) return sendJson(response, 404, { error: 'not found', path: url.pathname });
    const body = await readJsonBody(request);
    if (body instanceof Error) return sendJson(response, body instanceof BodyTooLarge ? 413 : 400, { error: body instanceof BodyTooLarge ? 'payload too large' : 'bad request', code: 'WEFT_E_ADMIN_REQUEST', message: body.message });
    const result = await route.handle({ method, path: url.pathname, query: url.searchParams, body });
    sendJson(response, result.status, result.body);
  }

  async #sendMetrics(response: ServerResponse): Promise<void> {
    const registries = this.#hooks.registries();
    const parts = await Promise.all(registries.map((r) => r.metrics()));
    response.writeHead(200, { 'content-type': registries[0]?.contentType ?? 'text/plain; version=0.0.4; charset=utf-8' });
    response.end(parts.filter((p) => p !== '').join('\n'));
  }
}
