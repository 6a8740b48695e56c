// Issue 12's acceptance, end to end through the real CLI: each middleware of the route file
// (stripPrefix, addPrefix, headers, retry, redirectScheme) and the load balancer's weights over
// 10,000 requests (a weighted loadBalancer and a weighted service, as for a canary).
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl, freePort, router, send, service, startBackend, startWeftProxy, until, type Backend, type RunningProxy } from './proxy-acceptance-fixture.ts';

const names = ['echo', 'retryGet', 'retryPost', 'heavy', 'light', 'stable', 'next'] as const;
const backends = {} as Record<(typeof names)[number], Backend>;
let proxy: RunningProxy;
let deadGet: number;
let deadPost: number;

beforeAll(async () => {
  for (const name of names) backends[name] = await startBackend(name);
  backends.echo.responseHeaders = { 'x-backend-secret': 'leak', 'x-backend-kept': 'kept' };
  deadGet = await freePort();
  deadPost = await freePort();
  const file = [
    router('strip', 'Host(`sp.test`)', 'echo', ['middlewares = ["strip"]']),
    router('add', 'Host(`ap.test`)', 'echo', ['middlewares = ["add"]']),
    router('headers', 'Host(`hd.test`)', 'echo', ['middlewares = ["hdr"]']),
    router('redirect', 'Host(`rd.test`)', 'echo', ['middlewares = ["toHttps"]']),
    router('retryGet', 'Host(`rg.test`)', 'retryGet', ['middlewares = ["retry"]']),
    router('retryPost', 'Host(`rp.test`)', 'retryPost', ['middlewares = ["retry"]']),
    router('weights', 'Host(`w.test`)', 'weights'),
    router('canary', 'Host(`canary.test`)', 'canary'),
    '[http.middlewares.strip.stripPrefix]',
    'prefixes = ["/api", "/other"]',
    '[http.middlewares.add.addPrefix]',
    'prefix = "/v1"',
    '[http.middlewares.hdr.headers.customRequestHeaders]',
    'X-Custom-Req = "from-proxy"',
    'X-Client-Secret = ""',
    '[http.middlewares.hdr.headers.customResponseHeaders]',
    'X-Custom-Resp = "to-client"',
    'X-Backend-Secret = ""',
    '[http.middlewares.toHttps.redirectScheme]',
    'scheme = "https"',
    'port = "8443"',
    'permanent = true',
    '[http.middlewares.retry.retry]',
    'attempts = 3',
    '',
    service('echo', [backends.echo.url]),
    // The refusing server is listed first: smooth WRR picks it first on a tie.
    service('retryGet', [`http://127.0.0.1:${deadGet}`, backends.retryGet.url]),
    service('retryPost', [`http://127.0.0.1:${deadPost}`, backends.retryPost.url]),
    service('weights', [{ url: backends.heavy.url, weight: 3 }, { url: backends.light.url, weight: 1 }]),
    service('stable', [backends.stable.url]),
    service('next', [backends.next.url]),
    '[http.services.canary.weighted]',
    '[[http.services.canary.weighted.services]]',
    'name = "stable"',
    'weight = 9',
    '[[http.services.canary.weighted.services]]',
    'name = "next"',
    'weight = 1',
    '',
  ].join('\n');
  proxy = await startWeftProxy(file, ['--log-level', 'debug']);
});

afterAll(async () => {
  await proxy?.stop();
  await Promise.all(Object.values(backends).map((b) => b.kill()));
});

describe('middlewares', () => {
  it('stripPrefix removes the first matching prefix and sets X-Forwarded-Prefix', async () => {
    const a = await send(proxy.port, 'sp.test', '/api/users?x=1');
    expect(a.seen).toMatchObject({ url: '/users?x=1', headers: { 'x-forwarded-prefix': '/api' } });
    const b = await send(proxy.port, 'sp.test', '/other');
    expect(b.seen).toMatchObject({ url: '/', headers: { 'x-forwarded-prefix': '/other' } });
    const c = await send(proxy.port, 'sp.test', '/untouched');
    expect(c.seen?.url).toBe('/untouched');
    expect(c.seen?.headers['x-forwarded-prefix']).toBeUndefined();
  });

  it('addPrefix puts its prefix in front of the path', async () => {
    expect((await send(proxy.port, 'ap.test', '/users?y=2')).seen?.url).toBe('/v1/users?y=2');
  });

  it('headers: custom request headers reach the backend, custom response headers the client, empty values remove', async () => {
    const run = await curl(['-i', '-H', 'Host: hd.test', '-H', 'X-Client-Secret: s3cret', `http://127.0.0.1:${proxy.port}/`]);
    expect(run.code).toBe(0);
    const [head = '', body = ''] = run.stdout.split('\r\n\r\n');
    const seen = JSON.parse(body) as { headers: Record<string, string> };
    expect(seen.headers['x-custom-req']).toBe('from-proxy');
    expect(seen.headers['x-client-secret']).toBeUndefined();
    expect(head).toMatch(/^x-custom-resp: to-client$/im);
    expect(head).toMatch(/^x-backend-kept: kept$/im);
    expect(head).not.toMatch(/x-backend-secret/i);
  });

  it('retry: a GET refused by the first server is answered by the other one', async () => {
    const before = backends.retryGet.hits;
    const answer = await send(proxy.port, 'rg.test', '/first');
    expect(answer.status).toBe(200);
    expect(answer.seen?.name).toBe('retryGet');
    expect(backends.retryGet.hits).toBe(before + 1);
    // The first attempt went to the refusing server (its passive failure is logged), the answer came
    // from the second (log lines may trail the answer).
    await until('the refused attempt logged', () => proxy.events('upstream_down').some((e) => e.url === `http://127.0.0.1:${deadGet}`));
    await until('the access line', () => proxy.events('proxy_access').some((e) => e.host === 'rg.test'));
    expect(proxy.events('proxy_access').find((e) => e.host === 'rg.test' && e.path === '/first')).toMatchObject({ status: 200, server: backends.retryGet.url });
  });

  it('retry: a POST is never retried: 502, and the second server saw nothing', async () => {
    const answer = await send(proxy.port, 'rp.test', '/order', { method: 'POST', body: 'one order', headers: { 'content-type': 'text/plain' } });
    expect(answer.status).toBe(502);
    expect(backends.retryPost.hits).toBe(0);
    await until('the refused POST logged', () => proxy.events('proxy_upstream_error').some((e) => e.server === `http://127.0.0.1:${deadPost}`));
    expect(backends.retryPost.hits).toBe(0);
  });

  it('redirectScheme: 301 for GET and 308 for POST, Location with the scheme and port', async () => {
    const get = await curl(['-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', '-H', 'Host: rd.test', `http://127.0.0.1:${proxy.port}/path?q=1`]);
    expect(get.stdout).toBe('301 https://rd.test:8443/path?q=1');
    const post = await send(proxy.port, 'rd.test:8080', '/form', { method: 'POST', body: 'x' });
    expect(post.status).toBe(308);
    expect(post.headers.location).toBe('https://rd.test:8443/form');
    expect(backends.echo.hits).toBeGreaterThan(0);
  });
});

/** `count` GETs with `Host: host`, 32 at a time over keep-alive connections; the statuses seen. */
async function load(host: string, count: number): Promise<Map<number, number>> {
  const pool = new Pool(`http://127.0.0.1:${proxy.port}`, { connections: 32, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      const res = await pool.request({ method: 'GET', path: '/', headers: { host } }).catch(() => undefined);
      const status = res?.statusCode ?? 0;
      await res?.body.dump();
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  try {
    await Promise.all(Array.from({ length: 32 }, worker));
  } finally {
    await pool.close();
  }
  return statuses;
}

/** Each share within 5% of its expected share. */
function expectShares(hits: readonly number[], weights: readonly number[]): void {
  const total = hits.reduce((a, b) => a + b, 0);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  hits.forEach((h, i) => {
    const expected = (weights[i] ?? 0) / weightSum;
    expect(Math.abs(h / total - expected), `server ${i}: ${h} of ${total}, expected share ${expected}`).toBeLessThanOrEqual(0.05 * expected);
  });
}

describe('weights over 10,000 requests', () => {
  it('a loadBalancer with weights 3:1', { timeout: 180_000 }, async () => {
    const statuses = await load('w.test', 10_000);
    expect(Object.fromEntries(statuses)).toEqual({ 200: 10_000 });
    console.log(`weights 3:1: ${backends.heavy.hits}/${backends.light.hits}`);
    expectShares([backends.heavy.hits, backends.light.hits], [3, 1]);
  });

  it('a weighted service (canary 9:1)', { timeout: 180_000 }, async () => {
    const statuses = await load('canary.test', 10_000);
    expect(Object.fromEntries(statuses)).toEqual({ 200: 10_000 });
    console.log(`canary 9:1: ${backends.stable.hits}/${backends.next.hits}`);
    expectShares([backends.stable.hits, backends.next.hits], [9, 1]);
  });
});
