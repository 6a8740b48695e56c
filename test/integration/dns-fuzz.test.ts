// A seeded storm of random and malformed packets (random bytes, mutated valid queries, hostile
// structure: pointer loops, huge counts, bad EDNS) over UDP and TCP. Every reply must be a
// well-formed DNS response, and afterwards the server must still answer correctly.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import dnsPacket from 'dns-packet';
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DnsArea } from '../../src/dns/index.ts';
import { answerCases } from '../dns/cases.ts';
import { dig, startDns } from '../dns/harness.ts';
import { recordItems } from '../dns/records.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { testClient } from '../harness/etcd-client.ts';

const seed = Number(process.env.WEFT_FUZZ_SEED ?? 20240605);
// `npm run chaos` sends the 1,000,000 (WEFT_FUZZ_PACKETS); `npm test` 100,000.
const udpPackets = Number(process.env.WEFT_FUZZ_PACKETS ?? 100_000);
const tcpConnections = 300;

let etcd: EtcdCluster;
let client: Etcd3;
let area: DnsArea;
let port: number;

beforeAll(async () => {
  etcd = await startEtcd();
  client = testClient(etcd.endpoints);
  for (const { key, value } of recordItems('/skydns')) await client.put(key).value(value).exec();
  ({ area, port } = await startDns(client));
});

afterAll(async () => {
  await area?.stop();
  client?.close();
  await etcd?.destroy();
});

/** mulberry32: small, fast, and the same sequence for the same seed. */
function prng(s: number): () => number {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const names = ['web.weft.internal', 'WeB.weft.internal', 'big.weft.internal', '_http._tcp.svc.weft.internal', 'weft.internal', 'nothere.weft.internal', 'app.east.*.weft.internal', '2.1.5.10.in-addr.arpa', 'example.org', ''];
const qtypes = ['A', 'AAAA', 'SRV', 'TXT', 'MX', 'PTR', 'NS', 'SOA', 'CNAME', 'ANY', 'CAA', 'AXFR'] as const;

function generator(random: () => number): () => Buffer {
  const int = (n: number): number => Math.floor(random() * n);
  const validQuery = (): Buffer => {
    const opt = random() < 0.5 ? [{ type: 'OPT', name: '.', udpPayloadSize: int(65536), flags: int(2) ? dnsPacket.DNSSEC_OK : 0 } as dnsPacket.Answer] : [];
    return dnsPacket.encode({ type: 'query', id: int(65536), flags: int(65536) & 0x7fff, questions: [{ type: (qtypes[int(qtypes.length)] ?? 'A') as dnsPacket.RecordType, name: names[int(names.length)] ?? '' }], additionals: opt });
  };
  return () => {
    const kind = int(6);
    if (kind === 0) return Buffer.from(Array.from({ length: int(600) }, () => int(256)));
    const q = validQuery();
    if (kind === 1) {
      for (let i = int(8) + 1; i > 0; i--) q[int(q.length)] = int(256);
      return q;
    }
    if (kind === 2) return q.subarray(0, int(q.length + 1));
    if (kind === 3) {
      // hostile counts (QR clear so it is read as a query)
      q.writeUInt16BE(int(65536), 4 + 2 * int(4));
      q[2] = q[2]! & 0x7f;
      return q;
    }
    if (kind === 4) {
      // compression pointers everywhere: loops, forward and self references
      const body = Array.from({ length: int(40) + 4 }, () => (int(3) === 0 ? 0xc0 : int(3) === 0 ? 12 + int(30) : int(64)));
      return Buffer.concat([q.subarray(0, 12), Buffer.from(body)]);
    }
    const extra = Buffer.from(Array.from({ length: int(64) }, () => int(256)));
    return Buffer.concat([q, extra]);
  };
}

function checkReply(reply: Buffer): string | undefined {
  if ((reply[2]! & 0x80) === 0) return 'QR not set';
  try {
    dnsPacket.decode(reply);
  } catch (error) {
    return `undecodable reply: ${(error as Error).message}`;
  }
  return undefined;
}

describe('fuzz', () => {
  it(`survives ${udpPackets} seeded random and malformed UDP packets, answering only with well-formed responses`, async () => {
    const next = generator(prng(seed));
    const socket = createSocket('udp4');
    let replies = 0;
    const bad: string[] = [];
    socket.on('message', (reply) => {
      replies++;
      const problem = checkReply(reply);
      if (problem !== undefined && bad.length < 5) bad.push(`${problem}: ${reply.toString('hex')}`);
    });
    await new Promise<void>((resolve) => socket.bind({ address: '127.0.0.1', port: 0 }, resolve));
    let deserving = 0;
    for (let sent = 0; sent < udpPackets; ) {
      const batch: Promise<void>[] = [];
      for (let i = 0; i < 100 && sent < udpPackets; i++, sent++) {
        const packet = next();
        if (packet.length >= 12 && (packet[2]! & 0x80) === 0) deserving++;
        batch.push(new Promise((resolve) => socket.send(packet, port, '127.0.0.1', () => resolve())));
      }
      await Promise.all(batch);
      // Pace by replies outstanding: libuv reads ~32 datagrams per turn, so a flood would only
      // measure the kernel dropping packets from a full socket buffer, not the server.
      for (let waited = 0; deserving - replies > 200 && waited < 200; waited++) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.close();
    expect(bad).toEqual([]);
    // Every query deserves an answer (FORMERR at least); only runts and "responses" are dropped.
    console.log(`fuzz: seed ${seed}, ${udpPackets} packets, ${deserving} queries, ${replies} replies`);
    expect(replies).toBeGreaterThan(deserving * 0.95);
    const dropped = (await area.dnsMetrics.dropped.get()).values;
    expect(dropped.filter((v) => v.labels.reason === 'error' || v.labels.reason === 'send')).toEqual([]);
  });

  it(`survives ${tcpConnections} TCP connections with garbage, half frames and lying lengths`, async () => {
    const random = prng(seed + 1);
    const next = generator(random);
    for (let c = 0; c < tcpConnections; c++) {
      await new Promise<void>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port });
        socket.on('error', () => resolve());
        socket.on('data', () => undefined);
        socket.on('close', () => resolve());
        socket.on('connect', () => {
          const frames: Buffer[] = [];
          for (let i = Math.floor(random() * 5); i >= 0; i--) {
            const packet = next();
            const length = random() < 0.2 ? Math.floor(random() * 65536) : packet.length;
            frames.push(Buffer.from([length >> 8, length & 0xff]), packet);
          }
          socket.end(Buffer.concat(frames));
          setTimeout(() => socket.destroy(), 50);
        });
      });
    }
  });

  it('still answers the whole table correctly afterwards', async () => {
    for (const c of answerCases) {
      const got = await dig(c.name, c.type, { port });
      expect(got.rcode, `${c.name} ${c.type}`).toBe(c.rcode);
      expect(got.answer, `${c.name} ${c.type}`).toEqual([...c.answer].sort());
    }
    const tcp = await dig('big.weft.internal', 'A', { port, args: ['+tcp'] });
    expect(tcp.answer).toHaveLength(30);
  });
});
