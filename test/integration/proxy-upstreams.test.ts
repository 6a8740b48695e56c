// The proxy's upstream layer against real HTTP servers on loopback: active checks take a killed
// server out and bring it back, a refused connection takes a server out (passive), pools survive
// update() for origins that stay (one TCP connection), removed origins drain, close honours its deadline.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Pool, request } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { createProxyMetrics } from '../../src/proxy/metrics.ts';
import type { HealthCheckSpec, RouteConfig, ServiceSpec } from '../../src/proxy/types.ts';
import { createUpstreams, type Upstreams, type UpstreamSettings } from '../../src/proxy/upstreams/index.ts';
import { freePort } from '../harness/etcd.ts';

interface Backend {
  readonly url: string;
  readonly port: number;
  readonly connections: Socket[];
  readonly closedSockets: Socket[];
  readonly seen: { method: string; path: string; host: string; check: string | undefined }[];
  stop(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const ok: Handler = (_req, res) => res.end('ok');

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function backend(handler: Handler = ok, port = 0): Promise<Backend> {
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', host: req.headers.host ?? '', check: req.headers['x-check'] as string | undefined });
    handler(req, res);
  });
  const connections: Socket[] = [];
  const closedSockets: Socket[] = [];
  const seen: Backend['seen'] = [];
  server.on('connection', (socket) => {
    connections.push(socket);
    socket.on('close', () => closedSockets.push(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  const stop = async (): Promise<void> => {
    if (!server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  };
  cleanups.push(stop);
  return { url: `http://127.0.0.1:${bound}`, port: bound, connections, closedSockets, seen, stop };
}

const settings: UpstreamSettings = { dial_timeout: 2_000, upstream_idle_timeout: 60_000, response_header_timeout: 30_000, drain_timeout: 30_000 };

function upstreams(overrides: Partial<UpstreamSettings> = {}, passiveCooldownMs?: number): { layer: Upstreams; metrics: ReturnType<typeof createProxyMetrics> } {
  const metrics = createProxyMetrics();
  const layer = createUpstreams({ settings: { ...settings, ...overrides }, metrics, logger: silentLogger, ...(passiveCooldownMs === undefined ? {} : { passiveCooldownMs }) });
  cleanups.push(() => layer.close(new Date(Date.now() + 2_000)));
  return { layer, metrics };
}

const lb = (urls: string[], healthCheck?: HealthCheckSpec): ServiceSpec => ({
  kind: 'loadBalancer',
  servers: urls.map((url) => ({ url, weight: 1 })),
  passHostHeader: true,
  ...(healthCheck === undefined ? {} : { healthCheck }),
});
const routes = (services: Record<string, ServiceSpec>): RouteConfig => ({ routers: {}, services, middlewares: {}, certificates: [] });

async function get(layer: Upstreams, service: string, path = '/'): Promise<{ status: number; body: string; url: string }> {
  const upstream = layer.picker(service)!.pick()!;
  const response = await request(`${upstream.url}${path}`, { dispatcher: layer.dispatcher(upstream.origin) });
  const body = await response.body.text();
  // undici frees the connection a tick after the body ends; a request sent sooner opens a second one.
  await new Promise((resolve) => setImmediate(resolve));
  return { status: response.statusCode, body, url: upstream.url };
}

const check: HealthCheckSpec = { path: '/healthz', intervalMs: 500, timeoutMs: 400, method: 'GET', headers: { 'x-check': 'weft' }, hostname: 'health.example.test' };

describe('proxy upstreams against real servers', () => {
  it('takes a killed server out within one interval of checks and brings it back when it returns', async () => {
    const a = await backend();
    const b = await backend();
    const { layer, metrics } = upstreams();
    layer.update(routes({ web: lb([a.url, b.url], check) }));
    await vi.waitFor(() => expect(a.seen.some((r) => r.path === '/healthz')).toBe(true), { timeout: 10_000, interval: 50 });
    expect(a.seen.find((r) => r.path === '/healthz')).toMatchObject({ method: 'GET', host: 'health.example.test', check: 'weft' });

    await a.stop();
    const killedAt = Date.now();
    await vi.waitFor(() => expect(layer.health().find((h) => h.url === a.url)?.up).toBe(false), { timeout: 10_000, interval: 20 });
    // One interval plus the check's timeout, with room for a loaded machine.
    expect(Date.now() - killedAt).toBeLessThan(check.intervalMs + check.timeoutMs + 3_000);
    const picked = new Set(Array.from({ length: 6 }, () => layer.picker('web')!.pick()!.url));
    expect([...picked]).toEqual([b.url]);
    expect((await metrics.serverUp.get()).values.find((v) => v.labels.url === a.url)?.value).toBe(0);

    await backend(ok, a.port);
    await vi.waitFor(() => expect(layer.health().find((h) => h.url === a.url)?.up).toBe(true), { timeout: 10_000, interval: 20 });
    expect(new Set(Array.from({ length: 6 }, () => layer.picker('web')!.pick()!.url)).size).toBe(2);
  });

  it('counts a server down when its check answers an unexpected status', async () => {
    const a = await backend((req, res) => { res.statusCode = req.url === '/healthz' ? 500 : 200; res.end(); });
    const { layer } = upstreams();
    layer.update(routes({ web: lb([a.url], check) }));
    await vi.waitFor(() => expect(layer.picker('web')!.allDown()).toBe(true), { timeout: 10_000, interval: 20 });
    expect(layer.health()[0]).toMatchObject({ up: false, reason: 'health check answered 500, expected 2xx or 3xx' });
  });

  it('sends the check to the healthCheck port when one is set', async () => {
    const traffic = await backend();
    const healthPort = await backend((_req, res) => { res.statusCode = 503; res.end(); });
    const { layer } = upstreams();
    layer.update(routes({ web: lb([traffic.url], { ...check, port: healthPort.port }) }));
    await vi.waitFor(() => expect(layer.picker('web')!.allDown()).toBe(true), { timeout: 10_000, interval: 20 });
    expect(healthPort.seen[0]).toMatchObject({ path: '/healthz', host: 'health.example.test' });
    expect(traffic.seen).toHaveLength(0);
  });

  it('takes a server that refuses connections out of rotation for the cool-down (passive)', async () => {
    const live = await backend();
    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    const { layer, metrics } = upstreams({}, 1_000);
    layer.update(routes({ web: lb([deadUrl, live.url]) }));
    const dead = layer.picker('web')!.pick()!;
    expect(dead.url).toBe(deadUrl);
    const error = await request(deadUrl, { dispatcher: layer.dispatcher(dead.origin) }).then(() => undefined, (e: unknown) => e);
    expect(layer.reportFailure(dead, error)).toBe(true);
    expect(layer.health().find((h) => h.url === deadUrl)).toMatchObject({ up: false, reason: expect.stringContaining('ECONNREFUSED') as string });
    expect((await metrics.serverUp.get()).values.find((v) => v.labels.url === deadUrl)?.value).toBe(0);
    expect(new Set(Array.from({ length: 4 }, () => layer.picker('web')!.pick()!.url))).toEqual(new Set([live.url]));
    await vi.waitFor(() => expect(layer.health().find((h) => h.url === deadUrl)?.up).toBe(true), { timeout: 10_000, interval: 50 });
  });

  it('keeps the pool of an origin that stays across update(): one connection serves both tables', async () => {
    const a = await backend();
    const other = await backend();
    const { layer } = upstreams();
    layer.update(routes({ web: lb([a.url]) }));
    const pool = layer.dispatcher(layer.picker('web')!.pick()!.origin);
    expect((await get(layer, 'web')).body).toBe('ok');
    layer.update(routes({ web: lb([a.url, other.url]), api: lb([a.url]) }));
    expect(layer.dispatcher(`${a.url}`)).toBe(pool);
    expect((await get(layer, 'api')).body).toBe('ok');
    expect(a.connections).toHaveLength(1);
  });

  it('drains a removed origin: the in-flight request completes, then the connection closes', async () => {
    let release: () => void = () => undefined;
    const slow = await backend((_req, res) => { release = () => res.end('slow answer'); });
    const { layer } = upstreams({ drain_timeout: 30_000 });
    layer.update(routes({ web: lb([slow.url]) }));
    const upstream = layer.picker('web')!.pick()!;
    const pool = layer.dispatcher(upstream.origin);
    const inFlight = request(slow.url, { dispatcher: pool });
    await vi.waitFor(() => expect(slow.seen).toHaveLength(1), { timeout: 10_000, interval: 20 });
    layer.update(routes({}));
    expect(layer.picker('web')).toBeUndefined();
    expect(slow.closedSockets).toHaveLength(0);
    release();
    const response = await inFlight;
    expect(await response.body.text()).toBe('slow answer');
    await vi.waitFor(() => expect(slow.closedSockets).toHaveLength(1), { timeout: 10_000, interval: 20 });
    expect(pool).toBeInstanceOf(Pool);
    await vi.waitFor(() => expect((pool as Pool).destroyed).toBe(true), { timeout: 10_000, interval: 20 });
    // Asked again (a request still on the old table), the origin gets a fresh pool.
    expect(layer.dispatcher(upstream.origin)).not.toBe(pool);
  });

  it('close(deadline) destroys what is still in flight at the deadline, not at drain_timeout', async () => {
    const hanging = await backend(() => undefined);
    const { layer } = upstreams({ drain_timeout: 60_000 });
    layer.update(routes({ web: lb([hanging.url]) }));
    const upstream = layer.picker('web')!.pick()!;
    const inFlight = request(hanging.url, { dispatcher: layer.dispatcher(upstream.origin) }).then(() => 'answered', () => 'destroyed');
    await vi.waitFor(() => expect(hanging.seen).toHaveLength(1), { timeout: 10_000, interval: 20 });
    const started = Date.now();
    await layer.close(new Date(started + 500));
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(10_000);
    expect(await inFlight).toBe('destroyed');
    await vi.waitFor(() => expect(hanging.closedSockets).toHaveLength(1), { timeout: 10_000, interval: 20 });
  });
});
