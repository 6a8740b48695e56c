// The answer table (test/dns/cases.ts) against the real server fed by a real etcd, asked with dig
// and with node's resolver; then truncation, EDNS and the front-door checks.
import dnsPacket from 'dns-packet';
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DnsArea } from '../../src/dns/index.ts';
import { answerCases, type AnswerCase } from '../dns/cases.ts';
import { dig, nodeResolver, startDns, tcpExchange, udpExchange } from '../dns/harness.ts';
import { recordItems } from '../dns/records.ts';
import { types } from '../dns/render.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { testClient } from '../harness/etcd-client.ts';

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

function lines(c: AnswerCase, type: string): string[] {
  return c.answer.filter((r) => r.split(' ')[2] === type).map((r) => r.split(' ').slice(3).join(' '));
}

const noDot = (name: string): string => name.replace(/\.$/, '');

async function viaNode(c: AnswerCase): Promise<{ got: unknown; expected: unknown }> {
  const r = nodeResolver(port);
  const sort = <T>(items: T[]): T[] => items.map((i) => JSON.stringify(i)).sort().map((s) => JSON.parse(s) as T);
  switch (c.type) {
    case 'A':
      return { got: (await r.resolve4(c.name)).sort(), expected: lines(c, 'A').sort() };
    case 'AAAA':
      return { got: (await r.resolve6(c.name)).sort(), expected: lines(c, 'AAAA').sort() };
    case 'SRV':
      return {
        got: sort((await r.resolveSrv(c.name)).map((s) => ({ priority: s.priority, weight: s.weight, port: s.port, name: s.name }))),
        expected: sort(lines(c, 'SRV').map((l) => {
          const [priority, weight, p, target = ''] = l.split(' ');
          return { priority: Number(priority), weight: Number(weight), port: Number(p), name: noDot(target) };
        })),
      };
    case 'TXT':
      return { got: await r.resolveTxt(c.name), expected: lines(c, 'TXT').map((l) => [l.replaceAll('"', '')]) };
    case 'MX':
      return {
        got: sort((await r.resolveMx(c.name)).map((m) => ({ priority: m.priority, exchange: m.exchange }))),
        expected: sort(lines(c, 'MX').map((l) => ({ priority: Number(l.split(' ')[0]), exchange: noDot(l.split(' ')[1] ?? '') }))),
      };
    case 'PTR':
      return { got: await r.resolvePtr(c.name), expected: lines(c, 'PTR').map(noDot) };
    case 'CNAME':
      return { got: await r.resolveCname(c.name), expected: lines(c, 'CNAME').map(noDot) };
    case 'NS':
      return { got: await r.resolveNs(c.name), expected: lines(c, 'NS').map(noDot) };
    default:
      throw new Error(`no node resolver call for ${c.type}`);
  }
}

describe('answers from the etcd zone', () => {
  it('holds the whole record set (one value is not JSON, one has a field of the wrong type)', () => {
    expect(area.zone.size).toBe(recordItems().length - 2);
    expect([...area.zone.invalid].sort()).toEqual(['/skydns/internal/weft/broken', '/skydns/internal/weft/gotype/bad']);
  });

  it.each(answerCases)('dig: $title ($name $type)', async (c) => {
    const got = await dig(c.name, c.type, { port });
    expect(got.rcode).toBe(c.rcode);
    expect(got.flags.aa).toBe(true);
    expect(got.flags.ra).toBe(false);
    expect(got.answer).toEqual([...c.answer].sort());
    expect(types(got.authority)).toEqual(c.authority ?? []);
    if (c.additional !== undefined) expect(got.additional).toEqual([...c.additional].sort());
  });

  it.each(answerCases.filter((c) => c.node === true))('node resolver: $title ($name $type)', async (c) => {
    const { got, expected } = await viaNode(c);
    expect(got).toEqual(expected);
  });

  it('node resolver: NXDOMAIN is ENOTFOUND and NODATA is ENODATA', async () => {
    const r = nodeResolver(port);
    await expect(r.resolve4('nothere.weft.internal')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(r.resolve6('web.weft.internal')).rejects.toMatchObject({ code: 'ENODATA' });
  });
});

describe('truncation and EDNS', () => {
  it('30 A records over UDP without EDNS: TC set, no answers', async () => {
    const got = await dig('big.weft.internal', 'A', { port, args: ['+noedns', '+ignore'] });
    expect(got.flags.tc).toBe(true);
    expect(got.answer).toEqual([]);
  });

  it('the same over TCP: all 30', async () => {
    const got = await dig('big.weft.internal', 'A', { port, args: ['+tcp'] });
    expect(got.flags.tc).toBe(false);
    expect(got.answer).toHaveLength(30);
    expect(new Set(got.answer.map((l) => l.split(' ')[3])).size).toBe(30);
  });

  it('with EDNS (buffer 1232) all 30 fit in one UDP answer, and we advertise 1232', async () => {
    const got = await dig('big.weft.internal', 'A', { port, args: ['+bufsize=4096', '+ignore'] });
    expect(got.flags.tc).toBe(false);
    expect(got.answer).toHaveLength(30);
    expect(got.raw).toMatch(/EDNS: version: 0, flags:; udp: 1232/);
  });

  it('a client buffer smaller than the answer gets TC, and dig retries over TCP by itself', async () => {
    const query = dnsPacket.encode({ type: 'query', id: 9, questions: [{ type: 'A', name: 'big.weft.internal' }] });
    const reply = await udpExchange(port, query);
    expect(dnsPacket.decode(reply as Buffer).flags! & dnsPacket.TRUNCATED_RESPONSE).toBeTruthy();
    const retried = await dig('big.weft.internal', 'A', { port, args: ['+noedns'] });
    expect(retried.answer).toHaveLength(30);
  });

  it('node resolver gets all 30 (it retries over TCP on TC)', async () => {
    expect(await nodeResolver(port).resolve4('big.weft.internal')).toHaveLength(30);
  });

  it('EDNS version 1 gets BADVERS', async () => {
    const got = await dig('web.weft.internal', 'A', { port, args: ['+edns=1', '+noednsneg'] });
    expect(got.rcode).toBe('BADVERS');
  });
});

describe('front door', () => {
  const header = (id: number, flags: number, qd: number): Buffer => {
    const b = Buffer.alloc(12);
    b.writeUInt16BE(id, 0);
    b.writeUInt16BE(flags, 2);
    b.writeUInt16BE(qd, 4);
    return b;
  };

  it('a query without a question gets FORMERR with its ID', async () => {
    const reply = (await udpExchange(port, header(77, 0x0100, 0))) as Buffer;
    expect(reply.readUInt16BE(0)).toBe(77);
    expect(reply[3]! & 0x0f).toBe(1);
  });

  it('a truncated question gets FORMERR', async () => {
    const raw = Buffer.concat([header(78, 0, 1), Buffer.from([3, 0x77, 0x65])]);
    expect(((await udpExchange(port, raw)) as Buffer)[3]! & 0x0f).toBe(1);
  });

  it('an opcode other than QUERY gets NOTIMP', async () => {
    const raw = dnsPacket.encode({ type: 'query', id: 79, questions: [{ type: 'A', name: 'web.weft.internal' }] });
    raw.writeUInt16BE(2 << 11, 2);
    expect(((await udpExchange(port, raw)) as Buffer)[3]! & 0x0f).toBe(4);
  });

  it('responses and runt packets are dropped, not answered', async () => {
    const response = dnsPacket.encode({ type: 'response', id: 80, questions: [{ type: 'A', name: 'web.weft.internal' }] });
    expect(await udpExchange(port, response, { timeoutMs: 300 })).toBeUndefined();
    expect(await udpExchange(port, Buffer.from([1, 2, 3]), { timeoutMs: 300 })).toBeUndefined();
  });

  it('class CH gets REFUSED', async () => {
    expect((await dig('version.bind', 'TXT', { port, args: ['-c', 'CH'] })).rcode).toBe('REFUSED');
  });

  it('a name outside our zones gets REFUSED when forwarding is off', async () => {
    const got = await dig('example.org', 'A', { port });
    expect(got.rcode).toBe('REFUSED');
    expect(got.flags.ra).toBe(false);
  });

  it('zone transfers are refused', async () => {
    const reply = await tcpExchange(port, dnsPacket.encode({ type: 'query', id: 81, questions: [{ type: 'AXFR', name: 'weft.internal' }] }));
    expect(reply[3]! & 0x0f).toBe(5);
  });

  it('several pipelined queries on one TCP connection are all answered', async () => {
    const { connect } = await import('node:net');
    const socket = connect({ host: '127.0.0.1', port });
    const frames = [1, 2, 3].map((id) => {
      const q = dnsPacket.encode({ type: 'query', id, questions: [{ type: 'A', name: 'web.weft.internal' }] });
      return Buffer.concat([Buffer.from([q.length >> 8, q.length & 0xff]), q]);
    });
    const ids = await new Promise<number[]>((resolve, reject) => {
      let buffered = Buffer.alloc(0);
      const seen: number[] = [];
      socket.on('error', reject);
      socket.on('data', (chunk) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 2 && buffered.length >= buffered.readUInt16BE(0) + 2) {
          seen.push(buffered.readUInt16BE(2));
          buffered = buffered.subarray(buffered.readUInt16BE(0) + 2);
        }
        if (seen.length === 3) resolve(seen);
      });
      socket.write(Buffer.concat(frames));
    });
    socket.destroy();
    expect(ids.sort()).toEqual([1, 2, 3]);
  });
});
