// The admin API's two listeners with the real DNS registration routes and real etcd: the TCP
// listener (no authentication) serves reads only, writes stay on the unix socket; both bound their
// connections and how long a client may take to send a request; malformed requests are 400s.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Etcd3 } from 'etcd3';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest } from '../../src/admin/client.ts';
import { AdminServer, type AdminOptions } from '../../src/admin/index.ts';
import type { DnsArea } from '../../src/dns/index.ts';
import { HostLease } from '../../src/etcd/index.ts';
import { startDns, waitFor } from '../dns/harness.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { testClient } from '../harness/etcd-client.ts';

const run = promisify(execFile);
let etcd: EtcdCluster;
let client: Etcd3;
let hostLease: HostLease;
let dns: DnsArea;
let dir: string;
const servers: AdminServer[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
  client = testClient(etcd.endpoints);
  hostLease = new HostLease(client, { ttl: 10_000 });
  await hostLease.start();
  // 10.7.0.0/16 plays the cluster network: registration accepts only addresses inside it.
  dns = (await startDns(client, { register_allow: ['10.7.0.0/16'] }, { hostLease })).area;
  dir = mkdtempSync(join(tmpdir(), 'weft-admin-'));
});

afterAll(async () => {
  for (const server of servers) await server.stop();
  await dns?.stop();
  await hostLease?.stop({ revoke: true });
  client?.close();
  await etcd?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function startAdmin(name: string, options: Partial<AdminOptions> = {}): Promise<{ server: AdminServer; socket: string; base: string }> {
  const socket = join(dir, `${name}.sock`);
  const server = new AdminServer({ socket, socketMode: 0o600, listen: '127.0.0.1:0', ...options }, {
    readiness: () => ({ ready: true, areas: { dns: { ready: true } } }),
    status: () => ({ ok: true }),
    registries: () => [new Registry()],
    routes: () => dns.routes,
  });
  servers.push(server);
  await server.start();
  return { server, socket, base: `http://${server.tcpAddress ?? ''}` };
}

async function curl(args: string[]): Promise<{ status: number; headers: string; body: string }> {
  const { stdout } = await run('curl', ['-sS', '--max-time', '10', '-D', '-', ...args]);
  const [headers = '', body = ''] = stdout.split('\r\n\r\n');
  return { status: Number(/^HTTP\/[\d.]+ (\d+)/.exec(headers)?.[1] ?? 0), headers, body };
}

/** Resolves when the server closes the connection (after `data` was written), with what it answered. */
function closedAfter(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(text));
  });
}

function open(address: string): Promise<Socket> {
  const [host = '', port = ''] = address.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), host, () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('TCP listener is read-only', () => {
  it('answers every write with 405 naming the unix socket and writes nothing; reads work', async () => {
    const { base, socket } = await startAdmin('ro');
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const path = method === 'DELETE' ? '/v1/dns/records/tcp.weft.internal' : '/v1/dns/records';
      const reply = await curl(['-X', method, '-H', 'content-type: application/json', '--data', '{"name":"tcp","ip":"10.7.0.77"}', `${base}${path}`]);
      expect(reply.status, method).toBe(405);
      expect(reply.headers.toLowerCase()).toContain('allow: get, head');
      expect(JSON.parse(reply.body)).toMatchObject({ code: 'WEFT_E_ADMIN_READ_ONLY', message: expect.stringContaining(socket) as string });
    }
    expect((await client.getAll().prefix('/skydns/internal/weft/tcp').keys()).length).toBe(0);
    for (const path of ['/healthz', '/readyz', '/metrics', '/v1/status']) expect((await curl([`${base}${path}`])).status, path).toBe(200);
    expect((await curl(['-I', `${base}/healthz`])).status).toBe(200);
    // The same write over the unix socket is served (and removed again).
    expect((await adminRequest(socket, 'POST', '/v1/dns/records', { name: 'unix', ip: '10.7.0.78' })).status).toBe(201);
    expect((await client.getAll().prefix('/skydns/internal/weft/unix').keys()).length).toBe(1);
    expect((await adminRequest(socket, 'DELETE', '/v1/dns/records/unix.weft.internal')).status).toBeLessThan(300);
  });

  it('serves the status page at / on both listeners (GET and HEAD), refusing writes to it on TCP', async () => {
    const { base, socket } = await startAdmin('page');
    for (const args of [[`${base}/`], ['--unix-socket', socket, 'http://weft/']]) {
      const page = await curl(args);
      expect(page.status, args.join(' ')).toBe(200);
      expect(page.headers.toLowerCase()).toContain('content-type: text/html; charset=utf-8');
      expect(page.headers).toMatch(/content-security-policy: default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+'; connect-src 'self'/i);
      // This server's status hook gives `{ ok: true }`: no area in it, so each section says so.
      expect(page.body).toMatch(/^<!doctype html>[\s\S]*<section id="readiness">[\s\S]*The dns area is not enabled on this host\./);
      const head = await curl(['-I', ...args]);
      expect(head.status).toBe(200);
      expect(head.headers.toLowerCase()).toMatch(/content-length: [1-9]\d*/);
    }
    expect((await curl(['-X', 'POST', `${base}/`])).status).toBe(405);
  });
});

describe('malformed requests', () => {
  it('an undecodable path in a DELETE is a 400, not a 500', async () => {
    const { socket } = await startAdmin('path');
    const reply = await adminRequest(socket, 'DELETE', '/v1/dns/records/%E0%A4%A');
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: 'WEFT_E_ADMIN_REQUEST' });
  });

  it('a body over 64 KiB is refused with 413', async () => {
    const { socket } = await startAdmin('big');
    const reply = await adminRequest(socket, 'POST', '/v1/dns/records', { name: 'x'.repeat(70_000), ip: '10.7.0.1' });
    expect(reply.status).toBe(413);
    expect(reply.body).toMatchObject({ code: 'WEFT_E_ADMIN_REQUEST' });
  });
});

describe('connection limits and timeouts (both listeners)', () => {
  it('closes connections beyond max_connections, and serves again when one goes', async () => {
    const { server, base } = await startAdmin('max', { maxConnections: 2 });
    const held = [await open(server.tcpAddress ?? ''), await open(server.tcpAddress ?? '')];
    const extra = await open(server.tcpAddress ?? '');
    const closed = closedAfter(extra);
    extra.write('GET /healthz HTTP/1.1\r\nhost: weft\r\n\r\n');
    expect(await closed).toBe('');
    held[0]?.destroy();
    await waitFor(async () => (await curl([`${base}/healthz`]).catch(() => ({ status: 0 }))).status === 200, 10_000, 100);
    held[1]?.destroy();
  });

  it('closes a client that sends its headers too slowly (headers_timeout), on TCP and on the socket', async () => {
    const { server, socket } = await startAdmin('slow', { headersTimeoutMs: 300, requestTimeoutMs: 60_000 });
    for (const connection of [await open(server.tcpAddress ?? ''), connect(socket)]) {
      const closed = closedAfter(connection);
      connection.write('GET /healthz HTTP/1.1\r\nhost: weft\r\n');
      const started = Date.now();
      const answer = await Promise.race([closed, new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 15_000))]);
      connection.destroy();
      expect(answer).toMatch(/^(HTTP\/1\.1 408|$)/);
      expect(Date.now() - started).toBeLessThan(15_000);
    }
  });

  it('closes a client that sends its body too slowly (request_timeout)', async () => {
    const { socket } = await startAdmin('slowbody', { headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const connection = connect(socket);
    const closed = closedAfter(connection);
    connection.write('POST /v1/dns/records HTTP/1.1\r\nhost: weft\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"name":');
    const answer = await Promise.race([closed, new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 15_000))]);
    connection.destroy();
    expect(answer).toMatch(/^(HTTP\/1\.1 408|$)/);
  });
});
