// `proxy.workers`: extra threads on the same port (SO_REUSEPORT), run as an operator would
// (`weft proxy --proxy-workers 2`, and the daemon with its admin socket). New connections spread
// over the threads (the access log's `thread`), a route file change and SIGHUP reach every thread,
// the main thread's health checks reach every thread, /metrics adds the threads up, SIGTERM drains.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adminRequest } from '../../src/admin/client.ts';
import { freePort } from '../harness/etcd.ts';
import { WeftProcess } from '../harness/weft-process.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-proxy-workers-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function start(args: string[]): WeftProcess {
  const child = new WeftProcess(args);
  cleanups.push(() => child.kill('SIGKILL'));
  return child;
}


/** A backend answering `name` (and /health with whatever `health.status` says, counting the checks). */
async function backend(name: string, health = { status: 200, checks: 0 }): Promise<{ url: string; health: { status: number; checks: number } }> {
  const server: Server = createServer((req, res) => {
    if (req.url !== '/health') return void res.end(name);
    health.checks++;
    res.writeHead(health.status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, health };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const begun = Date.now();
  while (!(await check())) {
    if (Date.now() - begun > timeoutMs) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** One GET on a connection of its own (no keep-alive: each lands on whichever socket the kernel picks). */
function fresh(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host: 'web.test' }, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end();
  });
}

/** `count` requests, each on a new connection, 8 at a time. */
async function many(port: number, count: number): Promise<{ status: number; body: string }[]> {
  const answers: { status: number; body: string }[] = [];
  for (let i = 0; i < count; i += 8) answers.push(...(await Promise.all(Array.from({ length: Math.min(8, count - i) }, () => fresh(port)))));
  return answers;
}

const routes = (server: string, healthCheck = false): string =>
  [
    '[http.routers.web]', 'rule = "Host(`web.test`)"', 'service = "web"', '',
    '[http.services.web.loadBalancer]', '[[http.services.web.loadBalancer.servers]]', `url = "${server}"`,
    ...(healthCheck ? ['[http.services.web.loadBalancer.healthCheck]', 'path = "/health"', 'interval = "100ms"', 'timeout = "2s"'] : []),
    '',
  ].join('\n');

function byRename(file: string, text: string): void {
  writeFileSync(`${file}.new`, text);
  renameSync(`${file}.new`, file);
}

const events = (p: WeftProcess, name: string): Record<string, unknown>[] => p.logEvents().filter((e) => e.event === name);
const threadsOf = (lines: Record<string, unknown>[]): Set<unknown> => new Set(lines.map((e) => e.thread));

describe('weft proxy --proxy-workers 2', () => {
  it('spreads new connections over the threads, a change and SIGHUP reach every thread, SIGTERM drains them all', async () => {
    const dir = workDir();
    const file = join(dir, 'routes.toml');
    const [a, b] = [await backend('a'), await backend('b')];
    writeFileSync(file, routes(a.url));
    const port = await freePort();
    const proxy = start(['proxy', '--routes', file, '--listen', `127.0.0.1:${port}`, '--proxy-workers', '2', '--daemon-shutdown-timeout', '5s']);
    await until('listening with its threads', () => events(proxy, 'proxy_listening').length === 1);
    expect(events(proxy, 'proxy_listening')[0]).toMatchObject({ workers: 2, loaded: true });
    expect(events(proxy, 'proxy_worker_routes_loaded').map((e) => e.version)).toEqual([1, 1]);

    const first = await many(port, 90);
    expect(first.every((r) => r.status === 200 && r.body === 'a')).toBe(true);
    await until('90 access log lines', () => events(proxy, 'proxy_access').length === 90);
    const served = threadsOf(events(proxy, 'proxy_access'));
    console.log(`90 new connections answered by threads ${[...served].join(', ')}`);
    expect(served.size).toBeGreaterThan(1);

    // The change, by rename: every thread serves b, measured from the write to the last answer from a.
    const written = performance.now();
    byRename(file, routes(b.url));
    let lastA = written;
    let inARow = 0;
    await until('every thread serving the new table', async () => {
      for (const answer of await many(port, 8)) {
        if (answer.body === 'b') inARow++;
        else {
          lastA = performance.now();
          inARow = 0;
        }
      }
      return inARow >= 60;
    });
    console.log(`route file change -> served by every thread: last old answer ${(lastA - written).toFixed(0)} ms after the write (goal 200 ms)`);
    const after = events(proxy, 'proxy_access').filter((e) => e.server === b.url);
    expect(threadsOf(after).size).toBeGreaterThan(1);
    expect(events(proxy, 'proxy_worker_routes_loaded').filter((e) => e.version === 2)).toHaveLength(2);

    // SIGHUP re-reads the unchanged file and sends it to every thread.
    proxy.kill('SIGHUP');
    await until('SIGHUP reached both threads', () => events(proxy, 'proxy_worker_routes_loaded').filter((e) => e.version === 3).length === 2);

    proxy.kill('SIGTERM');
    const run = await proxy.exited;
    expect(run.code).toBe(0);
    expect(events(proxy, 'proxy_worker_stopped').map((e) => e.terminated)).toEqual([false, false]);
    expect(events(proxy, 'proxy_stopped')).toHaveLength(1);
  });
});

describe('the proxy area with workers in weft daemon', () => {
  it('is ready when every thread is, adds the threads up in /metrics, and every thread follows the health checks', async () => {
    const dir = workDir();
    const socket = join(dir, 'weft.sock');
    const file = join(dir, 'routes.toml');
    const a = await backend('a');
    writeFileSync(file, routes(a.url, true));
    const port = await freePort();
    const daemon = start(['daemon', '--no-subnet-enabled', '--no-overlay-enabled', '--admin-socket', socket, '--daemon-state-dir', join(dir, 'state'), '--proxy-enabled', '--no-proxy-services', '--proxy-listen', `127.0.0.1:${port}`, '--proxy-route-file', file, '--proxy-workers', '2']);
    await until('ready', async () => (await adminRequest(socket, 'GET', '/readyz').catch(() => undefined))?.status === 200);
    const status = await adminRequest(socket, 'GET', '/v1/status');
    expect(JSON.stringify(status.body)).toMatch(/"workers":\{"count":2,"routesVersion":1,"threads":\[\{"thread":\d+,"listening":true,"routesVersion":1\},\{"thread":\d+,"listening":true,"routesVersion":1\}\]\}/);

    expect((await many(port, 45)).every((r) => r.body === 'a')).toBe(true);
    await until('45 access log lines', () => events(daemon, 'proxy_access').length === 45);
    expect(threadsOf(events(daemon, 'proxy_access')).size).toBeGreaterThan(1);
    const metrics = (await adminRequest(socket, 'GET', '/metrics')).text;
    expect(metrics).toMatch(/^weft_proxy_requests_total\{router="web",service="web",code="200",method="GET"\} 45$/m);
    expect(metrics).toMatch(/^weft_proxy_request_duration_seconds_count\{router="web",service="web",code="200",method="GET"\} 45$/m);
    expect(metrics).toMatch(new RegExp(`^weft_proxy_server_up\\{service="web",url="${a.url}"\\} 1$`, 'm'));
    expect(metrics).toMatch(/^weft_proxy_reloads_total 1$/m);

    // Only the main thread checks; its verdict takes the server out in every thread (503 everywhere).
    a.health.status = 500;
    await until('the server out of rotation in every thread', async () => (await many(port, 24)).every((r) => r.status === 503));
    const down = events(daemon, 'proxy_access').filter((e) => e.status === 503);
    expect(threadsOf(down).size).toBeGreaterThan(1);
    expect((await adminRequest(socket, 'GET', '/metrics')).text).toMatch(new RegExp(`^weft_proxy_server_up\\{service="web",url="${a.url}"\\} 0$`, 'm'));
    // One thread checks: at most one check per interval (three checking threads would make ~3).
    const [checks, since] = [a.health.checks, performance.now()];
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const perInterval = (a.health.checks - checks) / ((performance.now() - since) / 100);
    console.log(`health checks per 100 ms interval with 2 worker threads: ${perInterval.toFixed(2)}`);
    expect(perInterval).toBeLessThan(1.5);
    a.health.status = 200;
    await until('back in rotation in every thread', async () => (await many(port, 24)).every((r) => r.status === 200));

    daemon.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    expect(events(daemon, 'proxy_worker_stopped')).toHaveLength(2);
  });
});
