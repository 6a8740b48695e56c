// The admin API: HTTP on a unix socket (mode 0600 by default) and optionally on TCP. It serves
// health, readiness, metrics and status for the whole daemon, plus the routes areas offer (the CNI
// plugin's DNS registration). It knows nothing of areas beyond the plain hooks daemon.ts gives it.
import { chmodSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import type { Registry } from 'prom-client';
import type { ApiRoute } from '../area.ts';
import { WeftError } from '../errors.ts';
import { silentLogger, type Logger } from '../log.ts';

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
  readonly logger?: Logger;
}

const maxBodyBytes = 64 * 1024;

export class AdminServer {
  readonly #options: AdminOptions;
  readonly #hooks: AdminHooks;
  readonly #log: Logger;
  readonly #servers: Server[] = [];
  #tcpAddress: string | undefined;

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
    const server = this.#createServer();
    await listen(server, () => server.listen(path), `admin socket ${path}`, 'WEFT_E_ADMIN_SOCKET');
    chmodSync(path, this.#options.socketMode);
    this.#log.info({ event: 'admin_listening', socket: path, mode: this.#options.socketMode.toString(8) }, 'admin API on unix socket');
  }

  async #listenTcp(address: string): Promise<void> {
    const separator = address.lastIndexOf(':');
    const host = address.slice(0, separator).replace(/^\[|\]$/g, '');
    const port = Number(address.slice(separator + 1));
    const server = this.#createServer();
    await listen(server, () => server.listen(port, host === '' ? undefined : host), `admin listener ${address}`, 'WEFT_E_ADMIN_LISTEN');
    const bound = server.address();
    this.#tcpAddress = typeof bound === 'object' && bound !== null ? `${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}` : address;
    this.#log.info({ event: 'admin_listening', address: this.#tcpAddress }, 'admin API on TCP');
  }

  #createServer(): Server {
    const server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        this.#log.error({ event: 'admin_request_failed', err: (error as Error).message, url: request.url });
        if (!response.headersSent) sendJson(response, 500, { error: 'internal error', message: (error as Error).message });
        else response.destroy();
      });
    });
    this.#servers.push(server);
    return server;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://weft');
    const method = request.method ?? 'GET';
    if (method === 'GET' || method === 'HEAD') {
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
      }
    }
    const route = this.#hooks.routes().find((r) => r.method === method && (r.path === url.pathname || (r.path.endsWith('/') && url.pathname.startsWith(r.path))));
    if (route === undefined) return sendJson(response, 404, { error: 'not found', path: url.pathname });
    const body = await readJsonBody(request);
    if (body instanceof Error) return sendJson(response, 400, { error: 'bad request', message: body.message });
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

function listen(server: Server, start: () => void, what: string, code: 'WEFT_E_ADMIN_SOCKET' | 'WEFT_E_ADMIN_LISTEN'): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new WeftError(code, `cannot open ${what}: ${error.message}`, { cause: error })));
    server.once('listening', () => resolve());
    start();
  });
}

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) return new Error(`body larger than ${maxBodyBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    return new Error(`body is not JSON: ${(error as Error).message}`);
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
