// Connections and lifecycle: max_connections, read_timeout, a table swap that changes nothing for a
// request in flight or an idle keep-alive connection, and stop() draining requests until its deadline.
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteTable } from '../../src/proxy/types.ts';
import { closeServer, fakeUpstreams, literalTable, loadUndici, rawExchange, send, startProxy, startUpstream, statusOf, waitUntil, type Echo, type FakeUpstreams } from './proxy-server-fixture.ts';

let a: Awaited<ReturnType<typeof startUpstream>>;
let b: Awaited<ReturnType<typeof startUpstream>>;
let upstreams: FakeUpstreams;
const held: (() => void)[] = [];

beforeAll(async () => {
  a = await startUpstream('a', (req, res) => {
    if (req.url !== '/held') return false;
    held.push(() => res.end('released'));
    return true;
  });
  b = await startUpstream('b');
  upstreams = fakeUpstreams(await loadUndici());
  upstreams.setService('a', [a.url]);
  upstreams.setService('b', [b.url]);
});

afterAll(async () => {
  for (const release of held) release();
  await upstreams?.close();
  if (a !== undefined) await closeServer(a.server);
  if (b !== undefined) await closeServer(b.server);
});

describe('connections', () => {
  it('closes connections over max_connections at once', async () => {
    const proxy = await startProxy({ table: () => literalTable([{ name: 'a', host: 'a.test', service: 'a' }]), upstreams, settings: { max_connections: 2 } });
    const sockets = [connect(proxy.port, '127.0.0.1'), connect(proxy.port, '127.0.0.1')];
    try {
      await Promise.all(sockets.map((s) => new Promise((resolve) => s.once('connect', resolve))));
      await waitUntil(async () => (await proxy.metrics.openConnections.get()).values.find((v) => v.labels.protocol === 'http')?.value === 2, 'two open connections');
      const third = await rawExchange(proxy.port, 'GET / HTTP/1.1\r\nHost: a.test\r\n\r\n');
      expect(third).toBe('');
      expect((await proxy.metrics.rejected.get()).values.find((v) => v.labels.code === 'max_connections')?.value).toBe(1);
    } finally {
      for (const s of sockets) s.destroy();
      await proxy.proxy.stop(new Date(Date.now() + 1000));
    }
  });

  it('answers 408 to a client that does not send its whole body within read_timeout', async () => {
    const proxy = await startProxy({ table: () => literalTable([{ name: 'a', host: 'a.test', service: 'a' }]), upstreams, settings: { read_timeout: 1000, headers_timeout: 500 } });
    try {
      const reply = await rawExchange(proxy.port, 'POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 100\r\n\r\npartial', { timeoutMs: 15_000 });
      expect([0, 408]).toContain(statusOf(reply.slice(reply.lastIndexOf('HTTP/1.1'))));
      expect(reply).not.toContain('HTTP/1.1 200');
    } finally {
      await proxy.proxy.stop(new Date(Date.now() + 1000));
    }
  });
});

describe('idle_timeout', () => {
  it('closes an idle keep-alive connection after idle_timeout, not before its first answer', async () => {
    const proxy = await startProxy({ table: () => literalTable([{ name: 'a', host: 'a.test', service: 'a' }]), upstreams, settings: { idle_timeout: 1000 } });
    try {
      const socket = connect(proxy.port, '127.0.0.1');
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      const closed = new Promise((resolve) => socket.on('close', resolve));
      socket.write('GET / HTTP/1.1\r\nHost: a.test\r\n\r\n');
      const began = Date.now();
      await closed;
      expect(statusOf(text)).toBe(200);
      expect(text.toLowerCase()).toContain('keep-alive: timeout=1');
      expect(Date.now() - began).toBeGreaterThanOrEqual(900);
    } finally {
      await proxy.proxy.stop(new Date(Date.now() + 1000));
    }
  });
});

describe('reusePort', () => {
  it('lets two instances (workers) listen on one port and both serve', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const table = literalTable([{ name: 'a', host: 'a.test', service: 'a' }]);
    const settings = { listen: [`127.0.0.1:${port}`], workers: 1 };
    const one = await startProxy({ table: () => table, upstreams, settings });
    const two = await startProxy({ table: () => table, upstreams, settings });
    try {
      expect([one.port, two.port]).toEqual([port, port]);
      for (let i = 0; i < 4; i++) expect((await send(port, { host: 'a.test' })).status).toBe(200);
    } finally {
      await one.proxy.stop(new Date(Date.now() + 1000));
      await two.proxy.stop(new Date(Date.now() + 1000));
    }
  });
});

describe('table swaps and stop', () => {
  it('a request in flight finishes on its table; a kept-alive connection serves the new table', async () => {
    let table: RouteTable = literalTable([{ name: 'web', host: 'web.test', service: 'a' }]);
    const proxy = await startProxy({ table: () => table, upstreams });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: proxy.port, path, agent, headers: { host: 'web.test' } });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      const before = held.length;
      const inFlight = send(proxy.port, { path: '/held' });
      await waitUntil(() => held.length > before, 'the request to reach the upstream');
      expect((await get('/first')).body).toContain('"server":"a"');
      table = literalTable([{ name: 'web', host: 'web.test', service: 'b' }]);
      held.at(-1)?.();
      expect(await inFlight).toMatchObject({ status: 200, body: 'released' });
      const second = await get('/second');
      expect((JSON.parse(second.body) as Echo).server).toBe('b');
    } finally {
      agent.destroy();
      await proxy.proxy.stop(new Date(Date.now() + 1000));
    }
  });

  it('stop lets a request in flight finish, refuses new connections, and returns', async () => {
    const proxy = await startProxy({ table: () => literalTable([{ name: 'a', host: 'a.test', service: 'a' }]), upstreams });
    const before = held.length;
    const inFlight = send(proxy.port, { host: 'a.test', path: '/held' });
    await waitUntil(() => held.length > before, 'the request to reach the upstream');
    const stopped = proxy.proxy.stop(new Date(Date.now() + 20_000));
    await expect(rawExchange(proxy.port, 'GET / HTTP/1.1\r\nHost: a.test\r\n\r\n')).rejects.toThrow(/ECONNREFUSED/);
    held.at(-1)?.();
    expect(await inFlight).toMatchObject({ status: 200, body: 'released' });
    await stopped;
  });
});
