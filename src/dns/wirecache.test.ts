// The UDP fast path (wirecache.ts): answers by exact query bytes, patched with the ID and RA; what
// must miss (another spelling, flags, EDNS), its bounds, and that every zone or settings change
// empties it, through the real pipeline.
import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { defaults } from '../config/index.ts';
import { AnswerCache } from './cache.ts';
import { createDnsMetrics } from './metrics.ts';
import { createPipeline } from './pipeline.ts';
import { effectiveDns } from './skydns-config.ts';
import { maxKeyBytes, WireCache } from './wirecache.ts';
import { Zone } from './zone.ts';

type Q = { name?: string; type?: dnsPacket.RecordType; id?: number; flags?: number; edns?: number };
function query({ name = 'web.weft.internal', type = 'A', id = 1, flags = dnsPacket.RECURSION_DESIRED, edns }: Q = {}): Buffer {
  const additionals: dnsPacket.Answer[] = edns === undefined ? [] : [{ type: 'OPT', name: '.', udpPayloadSize: edns } as dnsPacket.Answer];
  return dnsPacket.encode({ type: 'query', id, flags, questions: [{ type, name }], additionals });
}

const unbounded = { maxBytes: Infinity, maxEntryBytes: Infinity };

describe('WireCache', () => {
  it('answers the same bytes under another ID, with that ID, and sets RA only when asked', () => {
    const cache = new WireCache(10, unbounded);
    const response = Buffer.from(query({ id: 7 }));
    response[2] = 0x85;
    response[3] = 0x80;
    cache.set(query({ id: 7 }), response, 'A|NOERROR');
    const entry = cache.get(query({ id: 0xbeef }));
    expect(entry?.metric).toBe('A|NOERROR');
    const plain = WireCache.answer(entry!, query({ id: 0xbeef }), false);
    expect(plain.readUInt16BE(0)).toBe(0xbeef);
    expect(plain[3]! & 0x80).toBe(0);
    expect(WireCache.answer(entry!, query({ id: 2 }), true)[3]! & 0x80).toBe(0x80);
    expect(plain.subarray(2, 3)).toEqual(response.subarray(2, 3));
    expect(entry!.response).not.toBe(plain);
  });

  it('misses another spelling, other flags, another EDNS size, and a malformed or oversized message', () => {
    const cache = new WireCache(10, unbounded);
    cache.set(query(), query(), 'A|NOERROR');
    expect(cache.get(query({ name: 'WEB.weft.internal' }))).toBeUndefined();
    expect(cache.get(query({ flags: 0 }))).toBeUndefined();
    expect(cache.get(query({ edns: 1232 }))).toBeUndefined();
    expect(cache.get(query({ type: 'AAAA' }))).toBeUndefined();
    expect(cache.get(query().subarray(0, 11))).toBeUndefined();
    const huge = Buffer.concat([query(), Buffer.alloc(maxKeyBytes)]);
    cache.set(huge, query(), 'A|NOERROR');
    expect(cache.size).toBe(1);
  });

  it('is bounded in entries (oldest first) and bytes', () => {
    const cache = new WireCache(3, unbounded);
    for (let i = 0; i < 5; i++) cache.set(query({ name: `n${i}.weft.internal` }), query(), 'A|NOERROR');
    expect(cache.size).toBe(3);
    expect(cache.get(query({ name: 'n0.weft.internal' }))).toBeUndefined();
    expect(cache.get(query({ name: 'n4.weft.internal' }))).toBeDefined();
    const small = new WireCache(1000, { maxBytes: 500, maxEntryBytes: 500 });
    for (let i = 0; i < 100; i++) small.set(query({ name: `n${i}.weft.internal` }), Buffer.alloc(100), 'A|NOERROR');
    expect(small.bytes).toBeLessThanOrEqual(500);
    expect(small.size).toBeGreaterThan(0);
  });

  it('is emptied with the answer cache that owns it, and counted in its bytes', () => {
    const answers = new AnswerCache({ maxEntries: 10, maxBytes: 10_000 });
    answers.wire.set(query(), Buffer.alloc(100), 'A|NOERROR');
    expect(answers.bytes).toBeGreaterThan(100);
    answers.clear();
    expect(answers.wire.get(query())).toBeUndefined();
    expect(answers.bytes).toBe(0);
  });
});

function setup(forward = false) {
  const zone = new Zone('/skydns');
  zone.replaceAll([{ key: '/skydns/internal/weft/web', value: JSON.stringify({ host: '10.9.0.1' }) }], 1);
  const metrics = createDnsMetrics();
  const dns = { ...defaults().dns, forward };
  const pipeline = createPipeline({ dns, settings: effectiveDns(dns, undefined, [{ host: '127.0.0.1', port: 9 }]), allow: ['127.0.0.0/8'] }, zone, metrics, () => true);
  const ask = (raw: Buffer, client = '127.0.0.1', transport: 'udp' | 'tcp' = 'udp'): Buffer => {
    const out = pipeline.handler.handle(raw, client, transport);
    if (out === undefined || out instanceof Promise) throw new Error('expected a synchronous answer');
    return out;
  };
  const hits = async (): Promise<number> => (await metrics.cacheHits.get()).values.find((v) => v.labels.cache === 'answer')?.value ?? 0;
  const address = (raw: Buffer): unknown => (dnsPacket.decode(raw).answers?.[0] as { data?: unknown } | undefined)?.data;
  return { zone, pipeline, metrics, ask, hits, address };
}

describe('the fast path in the pipeline', () => {
  it('a repeated UDP query is answered byte for byte as the full path answers it, but for the ID', async () => {
    const { ask, hits } = setup();
    const first = ask(query({ id: 1 }));
    const again = ask(query({ id: 2 }));
    expect(again.readUInt16BE(0)).toBe(2);
    expect(again.subarray(2)).toEqual(first.subarray(2));
    const viaTcp = ask(query({ id: 2 }), '127.0.0.1', 'tcp');
    expect(viaTcp).toEqual(again);
    expect(await hits()).toBe(2);
  });

  it('a zone change is seen by the next query (put, delete, whole snapshot)', () => {
    const { zone, ask, address } = setup();
    expect(address(ask(query()))).toBe('10.9.0.1');
    expect(address(ask(query()))).toBe('10.9.0.1');
    zone.put({ key: '/skydns/internal/weft/web', value: JSON.stringify({ host: '10.9.0.2' }) }, 2);
    expect(address(ask(query()))).toBe('10.9.0.2');
    zone.delete('/skydns/internal/weft/web', 3);
    expect((dnsPacket.decode(ask(query())) as { rcode?: string }).rcode).toBe('NXDOMAIN');
    zone.replaceAll([{ key: '/skydns/internal/weft/web', value: JSON.stringify({ host: '10.9.0.3' }) }], 4);
    expect(address(ask(query()))).toBe('10.9.0.3');
  });

  it('new settings (SkyDNS settings key) are seen by the next query', () => {
    const { pipeline, ask } = setup();
    const ttl = (raw: Buffer): number | undefined => (dnsPacket.decode(raw).answers?.[0] as { ttl?: number } | undefined)?.ttl;
    const dns = { ...defaults().dns, forward: false };
    expect(ttl(ask(query()))).toBe(dns.ttl);
    pipeline.configure({ ...effectiveDns(dns, undefined, []), defaultTtl: 42 });
    expect(ttl(ask(query()))).toBe(42);
  });

  it('RA follows the client: one cached answer, set for a client that may recurse, clear for one that may not', () => {
    const { ask } = setup(true);
    expect(ask(query(), '127.0.0.1')[3]! & 0x80).toBe(0x80);
    expect(ask(query(), '192.0.2.1')[3]! & 0x80).toBe(0);
    expect(ask(query(), '127.0.0.1')[3]! & 0x80).toBe(0x80);
  });

  it('an answer truncated for a small EDNS size stays truncated only for that size', () => {
    const { zone, ask } = setup();
    const many = Array.from({ length: 60 }, (_, i) => ({ key: `/skydns/internal/weft/big/x${i}`, value: JSON.stringify({ host: `10.9.1.${i + 1}` }) }));
    zone.replaceAll(many, 5);
    const tc = (raw: Buffer): number => raw[2]! & 0x02;
    for (let i = 0; i < 2; i++) {
      expect(tc(ask(query({ name: 'big.weft.internal', edns: 512 })))).toBe(0x02);
      expect(tc(ask(query({ name: 'big.weft.internal', edns: 4096 })))).toBe(0);
    }
  });
});
