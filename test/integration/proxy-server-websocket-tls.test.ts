// WebSocket tunnels (echo through the proxy, surviving a table swap, closed at the stop deadline)
// and TLS listeners choosing among two certificates by SNI, with a reload of the certificate set.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { ProxyCertificates } from '../../src/proxy/server/index.ts';
import type { RouteTable } from '../../src/proxy/types.ts';
import { closeServer, fakeUpstreams, literalTable, loadUndici, startProxy, startUpstream, waitUntil, type Echo, type FakeUpstreams } from './proxy-server-fixture.ts';

let upstream: Awaited<ReturnType<typeof startUpstream>>;
let wss: WebSocketServer;
let upstreams: FakeUpstreams;
let dir: string;

beforeAll(async () => {
  upstream = await startUpstream('a');
  wss = new WebSocketServer({ server: upstream.server, verifyClient: (info: { req: IncomingMessage }) => info.req.url !== '/deny' });
  wss.on('connection', (socket, req) => {
    socket.on('message', (data: Buffer) => socket.send(`${data.toString()} (proto ${String(req.headers['x-forwarded-proto'])})`));
  });
  upstreams = fakeUpstreams(await loadUndici());
  upstreams.setService('a', [upstream.url]);
  dir = mkdtempSync(join(tmpdir(), 'weft-proxy-tls-'));
});

afterAll(async () => {
  wss?.close();
  await upstreams?.close();
  if (upstream !== undefined) await closeServer(upstream.server);
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function open(url: string, host: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { host } });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${String(res.statusCode)}`)));
  });
}

function echo(ws: WebSocket, text: string): Promise<string> {
  return new Promise((resolve) => {
    ws.once('message', (data: Buffer) => resolve(data.toString()));
    ws.send(text);
  });
}

describe('WebSocket', () => {
  it('tunnels after the 101, survives a table swap, and is counted as a websocket connection', async () => {
    let table: RouteTable = literalTable([{ name: 'ws', host: 'ws.test', service: 'a' }]);
    const proxy = await startProxy({ table: () => table, upstreams });
    try {
      const ws = await open(`ws://127.0.0.1:${proxy.port}/chat`, 'ws.test');
      expect(await echo(ws, 'hello')).toBe('hello (proto ws)');
      const gauge = async (): Promise<number> => (await proxy.metrics.openConnections.get()).values.find((v) => v.labels.protocol === 'websocket')?.value ?? 0;
      expect(await gauge()).toBe(1);
      table = literalTable([{ name: 'other', host: 'other.test', service: 'a' }]);
      expect(await echo(ws, 'still there')).toBe('still there (proto ws)');
      await expect(open(`ws://127.0.0.1:${proxy.port}/chat`, 'ws.test')).rejects.toThrow('status 404');
      ws.close();
      await waitUntil(async () => (await gauge()) === 0, 'the tunnel to be counted closed');
    } finally {
      await proxy.proxy.stop(new Date(Date.now() + 1000));
    }
  });

  it('relays a refused upgrade as a plain response', async () => {
    const proxy = await startProxy({ table: () => literalTable([{ name: 'ws', host: 'ws.test', service: 'a' }]), upstreams });
    try {
      await expect(open(`ws://127.0.0.1:${proxy.port}/deny`, 'ws.test')).rejects.toThrow('status 401');
    } finally {
      await proxy.proxy.stop(new Date(Date.now() + 1000));
    }
  });

  it('stop closes open tunnels at its deadline', async () => {
    const proxy = await startProxy({ table: () => literalTable([{ name: 'ws', host: 'ws.test', service: 'a' }]), upstreams });
    const ws = await open(`ws://127.0.0.1:${proxy.port}/chat`, 'ws.test');
    const closed = new Promise((resolve) => ws.once('close', resolve));
    const began = Date.now();
    await proxy.proxy.stop(new Date(Date.now() + 300));
    await closed;
    expect(Date.now() - began).toBeGreaterThanOrEqual(250);
  });
});

function makeCertificate(name: string, sans: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`, '-addext', `subjectAltName=${sans}`], { stdio: 'ignore' });
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

function peerName(port: number, servername?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...(servername === undefined ? {} : { servername }) }, () => {
      const cn = socket.getPeerCertificate().subject?.CN;
      socket.destroy();
      resolve(Array.isArray(cn) ? cn.join(',') : (cn ?? ''));
    });
    socket.on('error', reject);
  });
}

describe('TLS', () => {
  it('chooses the certificate by SNI (exact and wildcard), the default otherwise, and follows a reload', async () => {
    const first = makeCertificate('first.test', 'DNS:first.test,DNS:*.wild.test');
    const second = makeCertificate('second.test', 'DNS:second.test');
    let certificates: ProxyCertificates = { bySni: [first, second] };
    const proxy = await startProxy({
      table: () => literalTable([{ name: 'secure', host: 'second.test', service: 'a', tls: true }]),
      upstreams,
      settings: { listen: [], tls_listen: ['127.0.0.1:0'] },
      certificates: () => certificates,
    });
    const port = proxy.tlsPort ?? 0;
    try {
      expect(await peerName(port, 'first.test')).toBe('first.test');
      expect(await peerName(port, 'x.wild.test')).toBe('first.test');
      expect(await peerName(port, 'second.test')).toBe('second.test');
      expect(await peerName(port, 'unknown.test')).toBe('first.test');
      expect(await peerName(port)).toBe('first.test');
      const reply = await new Promise<Echo>((resolve, reject) => {
        const req = httpsRequest({ host: '127.0.0.1', port, servername: 'second.test', headers: { host: 'second.test' }, ca: second.cert, checkServerIdentity: () => undefined, agent: false });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(JSON.parse(body) as Echo));
        });
        req.on('error', reject);
        req.end();
      });
      expect(reply.headers).toMatchObject({ 'x-forwarded-proto': 'https', 'x-forwarded-port': '443' });
      certificates = { default: second, bySni: [second] };
      expect(await peerName(port, 'first.test')).toBe('second.test');
      expect(await peerName(port)).toBe('second.test');
    } finally {
      await proxy.proxy.stop(new Date(Date.now() + 1000));
    }
  });
});
