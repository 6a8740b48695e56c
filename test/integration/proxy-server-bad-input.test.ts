// Bad input over raw sockets: each answered with the status Go's net/http (so Traefik) gives, or
// the connection closed; none of it reaches the upstream and the proxy keeps serving.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, fakeUpstreams, literalTable, loadUndici, rawExchange, send, startProxy, startUpstream, statusOf, type FakeUpstreams, type StartedProxy } from './proxy-server-fixture.ts';

let upstream: Awaited<ReturnType<typeof startUpstream>>;
let upstreams: FakeUpstreams;
let started: StartedProxy;

beforeAll(async () => {
  upstream = await startUpstream('a', (req, res) => {
    if (req.url !== '/slow') return false;
    setTimeout(() => res.end('late'), 300);
    return true;
  });
  upstreams = fakeUpstreams(await loadUndici());
  upstreams.setService('a', [upstream.url]);
  started = await startProxy({
    table: () => literalTable([{ name: 'a', host: 'a.test', service: 'a' }]),
    upstreams,
    settings: { max_header_bytes: 2048, max_body_bytes: 1000, headers_timeout: 1000, read_timeout: 30_000 },
  });
});

afterAll(async () => {
  await started?.proxy.stop(new Date(Date.now() + 1000));
  await upstreams?.close();
  if (upstream !== undefined) await closeServer(upstream.server);
});

const request = (lines: string[], body = ''): string => `${lines.join('\r\n')}\r\n\r\n${body}`;

const cases: { name: string; bytes: string; status: number }[] = [
  { name: 'two Host headers', bytes: request(['GET / HTTP/1.1', 'Host: a.test', 'Host: b.test']), status: 400 },
  { name: 'an invalid Host', bytes: request(['GET / HTTP/1.1', 'Host: a.test/evil']), status: 400 },
  { name: 'a Host with a space', bytes: request(['GET / HTTP/1.1', 'Host: a test']), status: 400 },
  { name: 'no Host on HTTP/1.1', bytes: request(['GET / HTTP/1.1']), status: 400 },
  { name: 'Content-Length with Transfer-Encoding', bytes: request(['POST / HTTP/1.1', 'Host: a.test', 'Content-Length: 3', 'Transfer-Encoding: chunked'], '0\r\n\r\n'), status: 400 },
  { name: 'Transfer-Encoding gzip', bytes: request(['POST / HTTP/1.1', 'Host: a.test', 'Transfer-Encoding: gzip']), status: 501 },
  { name: 'Transfer-Encoding gzip, chunked', bytes: request(['POST / HTTP/1.1', 'Host: a.test', 'Transfer-Encoding: gzip, chunked'], '0\r\n\r\n'), status: 501 },
  { name: 'obs-fold', bytes: request(['GET / HTTP/1.1', 'Host: a.test', 'X-Folded: one', ' two']), status: 400 },
  { name: 'headers over max_header_bytes', bytes: request(['GET / HTTP/1.1', 'Host: a.test', `X-Big: ${'x'.repeat(4000)}`]), status: 431 },
  { name: 'a request line over max_header_bytes', bytes: request([`GET /${'a'.repeat(4000)} HTTP/1.1`, 'Host: a.test']), status: 431 },
  { name: 'a Content-Length over max_body_bytes', bytes: request(['POST / HTTP/1.1', 'Host: a.test', 'Content-Length: 5000']), status: 413 },
  { name: 'a chunked body over max_body_bytes', bytes: request(['POST / HTTP/1.1', 'Host: a.test', 'Transfer-Encoding: chunked'], `7d0\r\n${'x'.repeat(2000)}\r\n0\r\n\r\n`), status: 413 },
  { name: 'a target that is not a path', bytes: request(['GET a.test/x HTTP/1.1', 'Host: a.test']), status: 400 },
  { name: 'a bad request line', bytes: 'GET / HTTP/1.1 extra\r\nHost: a.test\r\n\r\n', status: 400 },
  { name: 'a NUL in a header', bytes: request(['GET / HTTP/1.1', 'Host: a.test', 'X-A: a\0b']), status: 400 },
];

describe('bad input', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.status}, never forwarded`, async () => {
      const seen = upstream.received.length;
      const reply = await rawExchange(started.port, c.bytes);
      expect(statusOf(reply)).toBe(c.status);
      expect(upstream.received.length).toBe(seen);
    });
  }

  it('an absolute-form target is routed by its own host, as Go does', async () => {
    const reply = await rawExchange(started.port, request(['GET http://a.test/abs?x=1 HTTP/1.1', 'Host: other.test', 'Connection: close']));
    expect(statusOf(reply)).toBe(200);
    expect(upstream.received.at(-1)?.url).toBe('/abs?x=1');
  });

  it('Upgrade: h2c is not upgraded: the request is forwarded as HTTP/1.1 without it', async () => {
    const reply = await rawExchange(started.port, request(['GET /h2c HTTP/1.1', 'Host: a.test', 'Connection: Upgrade, HTTP2-Settings', 'Upgrade: h2c', 'HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA', 'Connection: close']));
    expect(statusOf(reply)).toBe(200);
    const echo = upstream.received.at(-1);
    expect(echo?.url).toBe('/h2c');
    expect(echo?.headers.upgrade).toBeUndefined();
    expect(echo?.headers['http2-settings']).toBeUndefined();
  });

  it('a client sending its headers a byte at a time is cut off by headers_timeout', async () => {
    const socket = connect(started.port, '127.0.0.1');
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.on('error', () => {});
    const closed = new Promise((resolve) => socket.on('close', resolve));
    const bytes = 'GET / HTTP/1.1\r\nHost: a.test\r\nX-Slow: ' + 'x'.repeat(200);
    let i = 0;
    const timer = setInterval(() => {
      if (!socket.destroyed && i < bytes.length) socket.write(bytes[i++] ?? '');
    }, 100);
    const started_ = Date.now();
    await closed;
    clearInterval(timer);
    // headers_timeout is 1s; Node checks it every 250ms here: closed well before all 200+ bytes went.
    expect(i).toBeLessThan(bytes.length);
    expect(Date.now() - started_).toBeLessThan(15_000);
    expect([0, 408]).toContain(statusOf(text));
  });

  it('clients that vanish mid-body, mid-wait or mid-response crash nothing', async () => {
    const vanish = async (bytes: string, afterMs: number): Promise<void> => {
      const socket = connect(started.port, '127.0.0.1');
      socket.on('error', () => {});
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(bytes);
      await new Promise((resolve) => setTimeout(resolve, afterMs));
      socket.resetAndDestroy();
    };
    await vanish('POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 100\r\n\r\nhalf', 50);
    await vanish('POST / HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel', 50);
    await vanish('GET /slow HTTP/1.1\r\nHost: a.test\r\n\r\n', 50);
    await vanish('GET /slow HTTP/1.1\r\nHost: a.test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n', 50);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await send(started.port, { host: 'a.test' })).status).toBe(200);
  });

  it('still serves after all of that', async () => {
    expect((await send(started.port, { host: 'a.test' })).status).toBe(200);
    const rejected = (await started.metrics.rejected.get()).values;
    expect(rejected.find((v) => v.labels.code === '400')?.value).toBeGreaterThan(0);
  });
});
