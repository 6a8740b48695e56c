// Shared parts of the proxy server tests: a literal RouteTable, a small Upstreams over real undici
// Pools, upstream node:http servers that echo what they got, and a raw-socket client.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { Dispatcher } from 'undici';
import { defaults } from '../../src/config/index.ts';
import { silentLogger, type Logger } from '../../src/log.ts';
import { createProxyMetrics, type ProxyMetrics } from '../../src/proxy/metrics.ts';
import { createProxyServer, type ProxyCertificates, type ProxyServer, type ProxySettings, type Upstreams } from '../../src/proxy/server/index.ts';
import type { CompiledRouter, MiddlewareSpec, RequestFacts, RouteTable, Upstream, UpstreamPicker } from '../../src/proxy/types.ts';

type Undici = typeof import('undici');

export async function loadUndici(): Promise<Undici> {
  return import('undici');
}

export interface TestRouter {
  readonly name: string;
  readonly host: string;
  readonly pathPrefix?: string;
  readonly service: string;
  readonly middlewares?: readonly MiddlewareSpec[];
  readonly tls?: boolean;
}

export function literalTable(routers: readonly TestRouter[]): RouteTable {
  const compiled: CompiledRouter[] = routers.map((r) => ({
    name: r.name,
    priority: 0,
    service: r.service,
    middlewares: r.middlewares ?? [],
    tls: r.tls ?? false,
    matches: (facts: RequestFacts) => facts.host === r.host && facts.path.startsWith(r.pathPrefix ?? '/'),
  }));
  return {
    config: { routers: {}, services: {}, middlewares: {}, certificates: [] },
    routers: compiled,
    route: (facts, tls) => compiled.find((r) => r.tls === tls && r.matches(facts)),
  };
}

export interface FakeUpstreams extends Upstreams {
  readonly down: Set<string>;
  readonly failures: string[];
  setService(name: string, urls: readonly string[], passHostHeader?: boolean): void;
  close(): Promise<void>;
}

/** Round robin over the servers not down; the pools are real undici Pools. */
export function fakeUpstreams(undici: Undici, poolOptions: { headersTimeout?: number } = {}): FakeUpstreams {
  const services = new Map<string, { urls: readonly string[]; passHostHeader: boolean; next: number }>();
  const pools = new Map<string, Dispatcher>();
  const down = new Set<string>();
  const failures: string[] = [];
  return {
    down,
    failures,
    setService(name, urls, passHostHeader = true) {
      services.set(name, { urls, passHostHeader, next: 0 });
    },
    picker(service): UpstreamPicker | undefined {
      const s = services.get(service);
      if (s === undefined) return undefined;
      return {
        passHostHeader: s.passHostHeader,
        pick(exclude) {
          for (let i = 0; i < s.urls.length; i++) {
            const url = s.urls[(s.next + i) % s.urls.length] ?? '';
            if (down.has(url) || exclude?.has(url) === true) continue;
            s.next = (s.next + i + 1) % s.urls.length;
            const upstream: Upstream = { service, url, origin: new URL(url).origin };
            return upstream;
          }
          return undefined;
        },
        allDown: () => s.urls.length > 0 && s.urls.every((u) => down.has(u)),
      };
    },
    dispatcher(origin) {
      let pool = pools.get(origin);
      if (pool === undefined) {
        pool = new undici.Pool(origin, { connectTimeout: 2000, ...poolOptions });
        pools.set(origin, pool);
      }
      return pool;
    },
    reportFailure(u) {
      failures.push(u.url);
    },
    reportSuccess() {},
    async close() {
      await Promise.all([...pools.values()].map((p) => p.destroy()));
    },
  };
}

export function testSettings(overrides: Partial<ProxySettings> = {}): ProxySettings {
  return { ...defaults().proxy, listen: ['127.0.0.1:0'], tls_listen: [], access_log: false, ...overrides };
}

export interface StartedProxy {
  readonly proxy: ProxyServer;
  readonly metrics: ProxyMetrics;
  readonly port: number;
  readonly tlsPort: number | undefined;
}

export async function startProxy(options: {
  settings?: Partial<ProxySettings>;
  table: () => RouteTable | undefined;
  upstreams: Upstreams;
  certificates?: () => ProxyCertificates;
  logger?: Logger;
}): Promise<StartedProxy> {
  const metrics = createProxyMetrics();
  const proxy = createProxyServer({
    settings: testSettings(options.settings),
    table: options.table,
    upstreams: options.upstreams,
    metrics,
    logger: options.logger ?? silentLogger,
    certificates: options.certificates ?? (() => ({ bySni: [] })),
  });
  await proxy.start();
  const addresses = proxy.addresses();
  const port = addresses.find((a) => a.protocol === 'http')?.port ?? 0;
  return { proxy, metrics, port, tlsPort: addresses.find((a) => a.protocol === 'https')?.port };
}

export interface Echo {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly rawHeaders: string[];
  readonly body: string;
  readonly server: string;
}

/** An upstream answering with what it received (JSON), plus a few special paths. */
export async function startUpstream(name: string, special?: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<{ server: Server; url: string; received: Echo[] }> {
  const received: Echo[] = [];
  const server = createServer((req, res) => {
    if (special?.(req, res) === true) return;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const echo: Echo = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString(), server: name };
      received.push(echo);
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name });
      res.end(JSON.stringify(echo));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { server, url: `http://127.0.0.1:${port}`, received };
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Writes raw bytes, returns everything the proxy sent until it closed the socket (or the deadline). */
export function rawExchange(port: number, bytes: string | Buffer, options: { timeoutMs?: number; keepOpenMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    }, options.timeoutMs ?? 10_000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (error) => {
      clearTimeout(timer);
      if (chunks.length > 0) resolve(Buffer.concat(chunks).toString('latin1'));
      else reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(bytes);
  });
}

export function statusOf(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
}

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly trailers: Record<string, string | undefined>;
}

/** One request over a fresh connection with node:http (it lets a test set Host and any header). */
export function send(port: number, options: { method?: string; path?: string; host?: string; headers?: Record<string, string>; body?: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: options.method ?? 'GET',
      path: options.path ?? '/',
      agent: false,
      headers: { host: options.host ?? 'web.test', ...options.headers },
      timeout: 30_000,
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), trailers: res.trailers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(options.body);
  });
}

export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
