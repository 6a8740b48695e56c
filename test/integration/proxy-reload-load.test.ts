// Reload under load (issue 12's acceptance): a real `weft proxy` process, loopback backends, wrk at
// 64 keep-alive connections for 20 s while the route file is rewritten 100 times — half replaced by
// rename (as confd does), half written in place — with servers added and removed (the routed
// service always keeps at least one). Every non-2xx answer and every socket error counts as a
// failure; a WebSocket tunnel opened before the first rewrite must still echo after the last.
import { execFile } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, parseWrk } from '../../scripts/bench/proxy/setup.ts';
import { startBackends, startWebSocketEcho } from '../harness/proxy-backends.ts';
import { WeftProcess } from '../harness/weft-process.ts';

const run = promisify(execFile);
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const seconds = 20;
const rewrites = 100;

/** The route file for rewrite `n`: `web` gets a window of 1..3 of the backends, so servers come and go. */
function routeFile(n: number, web: readonly number[], ws: number): string {
  const size = 1 + (n % 3);
  const servers = Array.from({ length: size }, (_, i) => web[(n + i) % web.length]);
  return [
    '[http.routers.web]',
    'rule = "Host(`web.test`)"',
    'service = "web"',
    '',
    '[http.routers.ws]',
    'rule = "PathPrefix(`/ws`)"',
    'service = "ws"',
    '',
    '[http.services.web.loadBalancer]',
    ...servers.flatMap((port) => ['[[http.services.web.loadBalancer.servers]]', `url = "http://127.0.0.1:${port}"`]),
    '',
    '[http.services.ws.loadBalancer]',
    '[[http.services.ws.loadBalancer.servers]]',
    `url = "http://127.0.0.1:${ws}"`,
    `# rewrite ${n}`,
    '',
  ].join('\n');
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const begun = Date.now();
  while (!(await check())) {
    if (Date.now() - begun > timeoutMs) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One GET with a Host header (fetch may not set one): the status, 0 when nothing answered. */
function statusOf(port: number, host: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false, timeout: 2000 }, (res) => {
      res.resume().on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy()).on('error', () => resolve(0)).end();
  });
}

/** Sends `text` and waits for the echo. */
function roundTrip(socket: WebSocket, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no echo of ${text} within 10 s`)), 10_000);
    const onMessage = (event: MessageEvent): void => {
      if (event.data !== text) return;
      clearTimeout(timer);
      socket.removeEventListener('message', onMessage);
      resolve();
    };
    socket.addEventListener('message', onMessage);
    socket.send(text);
  });
}

describe('reload under load', () => {
  it(`${rewrites} rewrites of the route file during ${seconds} s at 64 connections: no failed request, the WebSocket stays open`, { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-proxy-load-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const backends = await startBackends(5);
    cleanups.push(() => backends.close());
    const wsEcho = await startWebSocketEcho();
    cleanups.push(() => wsEcho.close());
    const file = join(dir, 'routes.toml');
    writeFileSync(file, routeFile(0, backends.ports, wsEcho.port));
    const port = await freePort();
    const proxy = new WeftProcess(['proxy', '--routes', file, '--listen', `127.0.0.1:${port}`, '--no-proxy-access-log']);
    cleanups.push(() => proxy.kill('SIGKILL'));
    await until('the proxy answers for web.test', async () => (await statusOf(port, 'web.test')) === 200);

    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/echo`);
    let closed: string | undefined;
    socket.addEventListener('close', (event) => (closed = `closed with ${event.code} ${event.reason}`));
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve);
      socket.addEventListener('error', () => reject(new Error('the WebSocket did not open through the proxy')));
    });
    cleanups.push(() => socket.close());
    await roundTrip(socket, 'before');

    const load = run('wrk', ['-t1', '-c64', `-d${seconds}s`, '--timeout', '10s', '--latency', '-H', 'Host: web.test', `http://127.0.0.1:${port}/`], { timeout: (seconds + 60) * 1000 });
    // Spread the rewrites over the middle of the run: 1 s of load first, then one every 150 ms.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (let n = 1; n <= rewrites; n++) {
      const text = routeFile(n, backends.ports, wsEcho.port);
      if (n % 2 === 0) {
        writeFileSync(`${file}.tmp`, text);
        renameSync(`${file}.tmp`, file);
      } else writeFileSync(file, text);
      if (n % 10 === 0) await roundTrip(socket, `during ${n}`);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    const result = parseWrk((await load).stdout);
    await roundTrip(socket, 'after');

    const reloads = proxy.logEvents().filter((e) => e.event === 'proxy_routes_loaded').length;
    console.log(`reload under load: ${result.requests} requests, ${result.rps.toFixed(0)} req/s, p99 ${result.p99Ms.toFixed(1)} ms; backends served ${backends.hits.join('/')}; ${reloads} reloads`);
    expect({ non2xx: result.non2xx, socketErrors: result.errors }).toEqual({ non2xx: 0, socketErrors: 0 });
    expect(result.requests).toBeGreaterThan(1000);
    // Rewrites 150 ms apart are separate reloads (a few may coalesce on a busy machine).
    expect(reloads).toBeGreaterThan(rewrites / 2);
    expect(closed).toBeUndefined();
    expect(wsEcho.upgrades()).toBe(1);
    // Servers came and went: every backend served some of the load.
    expect(backends.hits.every((hits) => hits > 0)).toBe(true);
    expect(proxy.logEvents().filter((e) => e.event === 'proxy_reload_failed')).toEqual([]);
  });
});

