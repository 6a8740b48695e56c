// The proxy's server layer against real upstream node:http servers through real undici Pools:
// forwarding and its headers, every middleware, 404/502/503/504, retries, HEAD/204/304, trailers,
// 100-continue, streaming, the access log and metrics.
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import {
  closeServer, fakeUpstreams, literalTable, loadUndici, rawExchange, send, startProxy, startUpstream, statusOf, waitUntil,
  type Echo, type FakeUpstreams, type StartedProxy,
} from './proxy-server-fixture.ts';

let a: Awaited<ReturnType<typeof startUpstream>>;
let b: Awaited<ReturnType<typeof startUpstream>>;
let deadUrl: string;
let upstreams: FakeUpstreams;
let started: StartedProxy;
let trustingProxy: StartedProxy;
const logLines: Record<string, unknown>[] = [];
let releaseStream: () => void = () => {};
let streamWaiting = false;

const table = literalTable([
  { name: 'web', host: 'web.test', service: 'web' },
  { name: 'strip', host: 'strip.test', service: 'a', middlewares: [{ kind: 'stripPrefix', prefixes: ['/nope', '/api'] }] },
  { name: 'add', host: 'add.test', service: 'a', middlewares: [{ kind: 'addPrefix', prefix: '/v1' }] },
  {
    name: 'hdr', host: 'hdr.test', service: 'a',
    middlewares: [{ kind: 'headers', customRequestHeaders: { 'X-Added': 'yes', 'User-Agent': '' }, customResponseHeaders: { 'X-Resp': 'r', 'X-Upstream': '' } }],
  },
  { name: 'redir', host: 'redir.test', service: 'a', middlewares: [{ kind: 'redirectScheme', scheme: 'https', permanent: true }] },
  { name: 'redir-temp', host: 'redir-temp.test', service: 'a', middlewares: [{ kind: 'redirectScheme', scheme: 'https', port: '8443', permanent: false }] },
  { name: 'retry', host: 'retry.test', service: 'retry', middlewares: [{ kind: 'retry', attempts: 3, initialIntervalMs: 10 }] },
  { name: 'dead', host: 'dead.test', service: 'dead' },
  { name: 'down', host: 'down.test', service: 'down' },
  { name: 'nohost', host: 'nohost.test', service: 'nohost' },
  { name: 'a', host: 'a.test', service: 'a' },
]);

beforeAll(async () => {
  const undici = await loadUndici();
  a = await startUpstream('a', (req, res) => {
    if (req.url === '/head') res.writeHead(200, { 'content-length': '42' }).end();
    else if (req.url === '/status/204') res.writeHead(204, { 'x-kind': 'empty' }).end();
    else if (req.url === '/status/304') res.writeHead(304, { etag: '"v1"' }).end();
    else if (req.url === '/trailers') {
      res.writeHead(200, { trailer: 'x-checksum', 'content-type': 'text/plain' });
      res.write('part one,');
      res.addTrailers({ 'x-checksum': 'abc123' });
      res.end('part two');
    } else if (req.url === '/slow') setTimeout(() => res.end('late'), 3000);
    else if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first;');
      releaseStream = () => res.end('second');
      streamWaiting = true;
    } else return false;
    return true;
  });
  b = await startUpstream('b');
  const dead: Server = createServer();
  await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
  const address = dead.address();
  deadUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  await new Promise<void>((resolve) => dead.close(() => resolve()));
  upstreams = fakeUpstreams(undici);
  upstreams.setService('web', [a.url, b.url]);
  upstreams.setService('a', [a.url]);
  upstreams.setService('dead', [deadUrl]);
  upstreams.setService('down', [a.url]);
  upstreams.setService('nohost', [a.url], false);
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line !== '') logLines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  started = await startProxy({ table: () => table, upstreams, settings: { access_log: true, response_header_timeout: 500 }, logger: createLogger('info', sink) });
  trustingProxy = await startProxy({ table: () => table, upstreams, settings: { trusted_ips: ['127.0.0.0/8'] } });
});

afterAll(async () => {
  await started?.proxy.stop(new Date(Date.now() + 1000));
  await trustingProxy?.proxy.stop(new Date(Date.now() + 1000));
  await upstreams?.close();
  if (a !== undefined) await closeServer(a.server);
  if (b !== undefined) await closeServer(b.server);
});

beforeEach(() => {
  upstreams.setService('retry', [deadUrl, a.url]);
  upstreams.down.clear();
});

const echoOf = (body: string): Echo => JSON.parse(body) as Echo;

describe('forwarding', () => {
  it('balances over the servers and streams the request body', async () => {
    const first = echoOf((await send(started.port, { method: 'POST', path: '/x?q=1', body: 'hello' })).body);
    const second = echoOf((await send(started.port, { method: 'POST', path: '/x?q=1', body: 'hello' })).body);
    expect(new Set([first.server, second.server])).toEqual(new Set(['a', 'b']));
    expect(first).toMatchObject({ method: 'POST', url: '/x?q=1', body: 'hello' });
    expect(first.headers.host).toBe('web.test');
  });

  it('sets X-Forwarded-* from the connection and drops those of an untrusted client', async () => {
    const reply = await send(started.port, {
      host: 'a.test',
      headers: { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https', 'x-real-ip': '6.6.6.6', x_forwarded_host: 'evil', 'x-request-id': 'req-42' },
    });
    const h = echoOf(reply.body).headers;
    expect(h).toMatchObject({ 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http', 'x-real-ip': '127.0.0.1', 'x-forwarded-host': 'a.test', 'x-forwarded-port': '80', 'x-request-id': 'req-42' });
    expect(h.x_forwarded_host).toBeUndefined();
    expect(typeof h['x-forwarded-server']).toBe('string');
  });

  it('keeps X-Forwarded-* from trusted_ips and appends to X-Forwarded-For', async () => {
    const reply = await send(trustingProxy.port, { host: 'a.test:8080', headers: { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https' } });
    const h = echoOf(reply.body).headers;
    expect(h).toMatchObject({ 'x-forwarded-for': '6.6.6.6, 127.0.0.1', 'x-forwarded-proto': 'https', 'x-forwarded-port': '8080', 'x-forwarded-host': 'a.test:8080' });
    expect(h['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('strips hop-by-hop headers and those named in Connection, but never X-Forwarded-* by that route', async () => {
    const reply = await send(trustingProxy.port, {
      host: 'a.test',
      headers: { connection: 'x-secret, x-forwarded-for', 'x-secret': 's', 'keep-alive': 'timeout=5', 'proxy-authorization': 'Basic x', te: 'trailers', 'x-forwarded-for': '10.0.0.1', 'x-kept': 'k' },
    });
    const h = echoOf(reply.body).headers;
    expect(h['x-secret']).toBeUndefined();
    expect(h['keep-alive']).toBeUndefined();
    expect(h['proxy-authorization']).toBeUndefined();
    expect(h.te).toBeUndefined();
    expect(h['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1');
    expect(h['x-kept']).toBe('k');
  });

  it('sends the upstream host when passHostHeader is false', async () => {
    const reply = await send(started.port, { host: 'nohost.test' });
    expect(echoOf(reply.body).headers.host).toBe(new URL(a.url).host);
  });

  it('relays HEAD, 204 and 304 without bodies', async () => {
    const head = await send(started.port, { method: 'HEAD', host: 'a.test', path: '/head' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe('42');
    const empty = await send(started.port, { host: 'a.test', path: '/status/204' });
    expect([empty.status, empty.body, empty.headers['x-kind']]).toEqual([204, '', 'empty']);
    const notModified = await send(started.port, { host: 'a.test', path: '/status/304' });
    expect([notModified.status, notModified.body, notModified.headers.etag]).toEqual([304, '', '"v1"']);
  });

  it('forwards response trailers', async () => {
    const reply = await send(started.port, { host: 'a.test', path: '/trailers' });
    expect(reply.body).toBe('part one,part two');
    expect(reply.trailers['x-checksum']).toBe('abc123');
  });

  it('streams the response: the first bytes reach the client before the upstream has finished', async () => {
    const socket = connect(started.port, '127.0.0.1');
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.write('GET /stream HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n');
    await waitUntil(() => text.includes('first;'), 'the first chunk through the proxy');
    expect(streamWaiting).toBe(true);
    expect(text).not.toContain('second');
    releaseStream();
    await closed;
    expect(text).toContain('second');
  });

  it('answers Expect: 100-continue and then streams the body', async () => {
    const full = await new Promise<string>((resolve) => {
      const socket = connect(started.port, '127.0.0.1');
      let text = '';
      let sent = false;
      socket.on('data', (c: Buffer) => {
        text += c.toString();
        // The body goes only after the 100: without it the request would hang until the timeout.
        if (!sent && text.startsWith('HTTP/1.1 100 Continue\r\n')) {
          sent = true;
          socket.write('body');
        }
      });
      socket.on('close', () => resolve(text));
      socket.write('POST /c HTTP/1.1\r\nHost: a.test\r\nExpect: 100-continue\r\nContent-Length: 4\r\nConnection: close\r\n\r\n');
    });
    expect(full).toMatch(/HTTP\/1\.1 200 OK/);
    expect(full).toContain('"body":"body"');
    const refused = await rawExchange(started.port, 'POST / HTTP/1.1\r\nHost: nowhere.test\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n', { timeoutMs: 3000 });
    expect(statusOf(refused)).toBe(404);
    expect(refused).not.toContain('100 Continue');
    expect(refused.toLowerCase()).toContain('connection: close');
  });
});

describe('middlewares', () => {
  it('stripPrefix cuts the first matching prefix and names it in X-Forwarded-Prefix', async () => {
    const echo = echoOf((await send(started.port, { host: 'strip.test', path: '/api/users?id=1' })).body);
    expect(echo.url).toBe('/users?id=1');
    expect(echo.headers['x-forwarded-prefix']).toBe('/api');
    expect(echoOf((await send(started.port, { host: 'strip.test', path: '/api' })).body).url).toBe('/');
  });

  it('addPrefix puts its prefix in front of the path', async () => {
    expect(echoOf((await send(started.port, { host: 'add.test', path: '/users' })).body).url).toBe('/v1/users');
  });

  it('headers sets and removes request and response headers', async () => {
    const reply = await send(started.port, { host: 'hdr.test', headers: { 'user-agent': 'curl/8' } });
    const h = echoOf(reply.body).headers;
    expect(h['x-added']).toBe('yes');
    expect(h['user-agent']).toBeUndefined();
    expect(reply.headers['x-resp']).toBe('r');
    expect(reply.headers['x-upstream']).toBeUndefined();
  });

  it('redirectScheme answers 301 to GET and 308 to POST when permanent, 302/307 otherwise', async () => {
    const get = await send(started.port, { host: 'redir.test:8080', path: '/p?q=1' });
    expect([get.status, get.headers.location, get.body]).toEqual([301, 'https://redir.test/p?q=1', 'Moved Permanently']);
    expect((await send(started.port, { method: 'POST', host: 'redir.test', body: 'x' })).status).toBe(308);
    const temp = await send(started.port, { host: 'redir-temp.test', path: '/a' });
    expect([temp.status, temp.headers.location]).toEqual([302, 'https://redir-temp.test:8443/a']);
    expect((await send(started.port, { method: 'PUT', host: 'redir-temp.test', body: 'x' })).status).toBe(307);
    expect(a.received.some((e) => e.headers.host?.toString().startsWith('redir'))).toBe(false);
  });

  it('retry sends a GET that met a refused connection to another server and counts it', async () => {
    const before = (await started.metrics.retries.get()).values.find((v) => v.labels.service === 'retry')?.value ?? 0;
    const reply = await send(started.port, { host: 'retry.test', path: '/again' });
    expect(reply.status).toBe(200);
    expect(echoOf(reply.body).server).toBe('a');
    const after = (await started.metrics.retries.get()).values.find((v) => v.labels.service === 'retry')?.value ?? 0;
    expect(after - before).toBe(1);
    expect(upstreams.failures).toContain(deadUrl);
  });

  it('retry never sends a POST again', async () => {
    const seen = a.received.length;
    const reply = await send(started.port, { method: 'POST', host: 'retry.test', path: '/once', body: 'pay' });
    expect(reply.status).toBe(502);
    expect(reply.body).toBe('Bad Gateway');
    expect(a.received.slice(seen).some((e) => e.url === '/once')).toBe(false);
  });
});

describe('a connection the server closes before answering', () => {
  // A server that reads each request and closes the connection without a word (a keep-alive
  // connection it dropped, or a server dying mid-request).
  async function dropper(): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
    const { createServer: createTcpServer } = await import('node:net');
    let requests = 0;
    const server = createTcpServer((socket) => {
      let head = '';
      socket.on('data', (chunk) => {
        head += chunk.toString('latin1');
        if (head.includes('\r\n\r\n')) {
          requests++;
          socket.destroy();
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    return { url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`, requests: () => requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  it('sends a GET once more (as Go\'s transport and nginx do), and not a POST', async () => {
    const drop = await dropper();
    try {
      upstreams.setService('web', [drop.url, a.url]);
      const got = await send(started.port, { host: 'web.test', path: '/resent' });
      expect(got.status).toBe(200);
      expect(echoOf(got.body).server).toBe('a');
      const seen = drop.requests();
      upstreams.setService('web', [drop.url]);
      const posted = await send(started.port, { method: 'POST', host: 'web.test', path: '/once', body: 'pay' });
      expect(posted.status).toBe(502);
      expect(drop.requests() - seen).toBe(1);
      const only = await send(started.port, { host: 'web.test', path: '/twice' });
      expect(only.status).toBe(502);
      expect(drop.requests() - seen).toBe(3);
    } finally {
      upstreams.setService('web', [a.url, b.url]);
      await drop.close();
    }
  });
});

describe('errors', () => {
  it('404 when no router matches, 502 when nothing answers, 503 when every server is down, 504 on a slow upstream', async () => {
    const none = await send(started.port, { host: 'nowhere.test' });
    expect([none.status, none.body]).toEqual([404, '404 page not found\n']);
    expect((await send(started.port, { host: 'dead.test' })).status).toBe(502);
    upstreams.down.add(a.url);
    const down = await send(started.port, { host: 'down.test' });
    expect([down.status, down.body]).toEqual([503, 'no available server\n']);
    upstreams.down.clear();
    const slow = await send(started.port, { host: 'a.test', path: '/slow' });
    expect([slow.status, slow.body]).toEqual([504, 'Gateway Timeout']);
  });

  it('404 before the first table exists', async () => {
    const empty = await startProxy({ table: () => undefined, upstreams });
    try {
      expect((await send(empty.port, { host: 'web.test' })).status).toBe(404);
    } finally {
      await empty.proxy.stop(new Date(Date.now() + 1000));
    }
  });
});

describe('observability', () => {
  it('writes one proxy_access line per request and counts it by router, service, code and method', async () => {
    await send(started.port, { host: 'a.test', path: '/logged', headers: { 'x-request-id': 'log-1' } });
    await waitUntil(() => logLines.some((l) => l.request_id === 'log-1'), 'the access log line');
    const line = logLines.find((l) => l.request_id === 'log-1');
    expect(line).toMatchObject({ event: 'proxy_access', client: '127.0.0.1', method: 'GET', host: 'a.test', path: '/logged', status: 200, router: 'a', service: 'a', server: a.url });
    expect(typeof line?.duration_ms).toBe('number');
    expect(line?.bytes).toBeGreaterThan(0);
    const counted = (await started.metrics.requests.get()).values.find((v) => v.labels.router === 'a' && v.labels.code === '200' && v.labels.method === 'GET');
    expect(counted?.value).toBeGreaterThan(0);
  });
});
