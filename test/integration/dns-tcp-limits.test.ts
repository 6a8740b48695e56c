// DNS over TCP under abuse, against the real server fed by a real etcd: a client trickling bytes
// is cut by the per-frame and idle deadlines, a client that pipelines without reading is paused
// (bounded answers in flight), and one client address cannot take every connection.
import { connect, type Socket } from 'node:net';
import dnsPacket from 'dns-packet';
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/index.ts';
import type { DnsArea } from '../../src/dns/index.ts';
import { startDns, waitFor } from '../dns/harness.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { testClient } from '../harness/etcd-client.ts';

let etcd: EtcdCluster;
let client: Etcd3;
const areas: DnsArea[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
  client = testClient(etcd.endpoints);
  await client.put('/skydns/internal/weft/web').value('{"host":"10.5.1.2"}').exec();
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  for (const a of areas) await a.stop();
  client?.close();
  await etcd?.destroy();
});

async function server(dns: Partial<Config['dns']>): Promise<{ area: DnsArea; port: number }> {
  const started = await startDns(client, dns);
  areas.push(started.area);
  return started;
}

function frame(id: number, name = 'web.weft.internal'): Buffer {
  const message = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] });
  const length = Buffer.alloc(2);
  length.writeUInt16BE(message.length);
  return Buffer.concat([length, message]);
}

function open(port: number, localAddress = '127.0.0.1'): Promise<Socket & { gone: () => boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    sockets.push(socket);
    let closed = false;
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve(Object.assign(socket, { gone: () => closed })));
    socket.once('error', reject);
  });
}

async function answered(area: DnsArea): Promise<number> {
  return Number(/weft_dns_queries_total\{type="A",rcode="NOERROR"\} (\d+)/.exec(await area.metrics.metrics())?.[1] ?? 0);
}

describe('DNS over TCP limits', () => {
  it('closes a connection that trickles a byte at a time, though bytes keep coming', async () => {
    const { port } = await server({ tcp_idle_timeout: 1500, tcp_frame_timeout: 1000 });
    const socket = await open(port);
    const bytes = frame(1);
    let sent = 0;
    const started = Date.now();
    const timer = setInterval(() => {
      if (!socket.gone() && sent < bytes.length - 1) socket.write(bytes.subarray(sent, ++sent));
    }, 250);
    try {
      await waitFor(async () => socket.gone(), 10_000, 50);
    } finally {
      clearInterval(timer);
    }
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a client that pipelines 200k queries and never reads gets only a bounded number answered', async () => {
    const { area, port } = await server({ tcp_idle_timeout: 20_000, tcp_write_buffer: 16_384, tcp_max_pending: 16 });
    const socket = await open(port);
    socket.pause(); // never read: the answers pile up in the kernel, then at the server
    const one = frame(7);
    const batch = Buffer.concat(Array.from({ length: 1000 }, () => one));
    for (let i = 0; i < 200; i++) socket.write(batch);
    // Wait until the server stops answering (no progress for a second), then count.
    let last = -1;
    await waitFor(async () => {
      const now = await answered(area);
      const settled = now === last && now > 0;
      last = now;
      return settled;
    }, 30_000, 1000);
    const held = (area.status() as { tcp: { connections: number; bufferedBytes: number } }).tcp;
    process.stdout.write(`dns tcp: ${last} of 200000 pipelined queries answered to a client that never reads; ${held.bufferedBytes} bytes held by the server\n`);
    // What is answered beyond the server's own buffer sits in the kernel's socket buffers (up to
    // tcp_rmem + tcp_wmem, several MB on loopback), not in the server's memory.
    expect(last).toBeLessThan(200_000);
    expect(held.connections).toBe(1);
    expect(held.bufferedBytes).toBeLessThan(16_384 + 2 * 65_536);
  });

  it('answers every pipelined query, in order, to a client that reads (pausing and resuming)', async () => {
    const { port } = await server({ tcp_write_buffer: 2048, tcp_max_pending: 4 });
    const socket = await open(port);
    const count = 3000;
    const ids: number[] = [];
    let buffered = Buffer.alloc(0);
    const done = new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 2 && buffered.length >= buffered.readUInt16BE(0) + 2) {
          ids.push(buffered.readUInt16BE(2));
          buffered = buffered.subarray(buffered.readUInt16BE(0) + 2);
        }
        if (ids.length >= count) resolve();
      });
    });
    socket.write(Buffer.concat(Array.from({ length: count }, (_, i) => frame(i + 1))));
    await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${ids.length} answers`)), 20_000))]);
    expect(ids).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  });

  it('limits connections per client address; other clients still get in', async () => {
    const { port } = await server({ tcp_max_connections_per_client: 3 });
    const held = [await open(port), await open(port), await open(port)];
    const extra = await open(port);
    await waitFor(async () => extra.gone(), 5000);
    expect(held.some((s) => s.gone())).toBe(false);
    const other = await open(port, '127.0.0.2');
    other.destroy();
    for (const s of held) s.destroy();
    // Slots come back when connections close.
    await waitFor(async () => {
      const socket = await open(port);
      socket.write(frame(9));
      const answered = await new Promise<boolean>((resolve) => {
        socket.once('data', () => resolve(true));
        socket.once('close', () => resolve(false));
      });
      socket.destroy();
      return answered;
    }, 5000, 100);
  });
});
