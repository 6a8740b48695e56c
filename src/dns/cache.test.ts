import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { AnswerCache, cacheKey, inspectResponse, TtlCache } from './cache.ts';
import { parseQuery, type Query } from './wire.ts';

function parsed(raw: Buffer): Query {
  const p = parseQuery(raw);
  if (!p.ok) throw new Error(p.reason);
  return p.query;
}

const soa = { type: 'SOA', name: 'org', ttl: 900, data: { mname: 'ns.org', rname: 'h.org', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 60 } } as dnsPacket.Answer;

function upstreamResponse(rcode: string, answers: dnsPacket.Answer[], authorities: dnsPacket.Answer[] = []): Buffer {
  const code = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN'].indexOf(rcode);
  return dnsPacket.encode({ type: 'response', id: 999, flags: dnsPacket.RECURSION_AVAILABLE | code, questions: [{ type: 'A', name: 'x.example.org' }], answers, authorities });
}

describe('response inspection', () => {
  it('a positive answer is cached for its smallest TTL', () => {
    const r = upstreamResponse('NOERROR', [{ type: 'A', name: 'x.example.org', ttl: 120, data: '1.2.3.4' }, { type: 'A', name: 'x.example.org', ttl: 80, data: '1.2.3.5' }]);
    expect(inspectResponse(r, 86400)).toMatchObject({ rcode: 0, answers: 2, cacheTtl: 80 });
  });
  it('NXDOMAIN and NODATA are cached for min(SOA TTL, SOA minimum) (RFC 2308)', () => {
    expect(inspectResponse(upstreamResponse('NXDOMAIN', [], [soa]), 86400)).toMatchObject({ rcode: 3, cacheTtl: 60 });
    expect(inspectResponse(upstreamResponse('NOERROR', [], [soa]), 86400)?.cacheTtl).toBe(60);
  });
  it('negative answers without any record are cached 5 s, as CoreDNS does (dnsutil.MinimalDefaultTTL)', () => {
    expect(inspectResponse(upstreamResponse('NXDOMAIN', []), 86400)?.cacheTtl).toBe(5);
    expect(inspectResponse(upstreamResponse('NOERROR', []), 86400)?.cacheTtl).toBe(5);
    expect(inspectResponse(upstreamResponse('NXDOMAIN', []), 3)?.cacheTtl).toBe(3);
  });
  it('negative answers with records but no SOA, SERVFAIL and truncated answers are not cached', () => {
    const ns = { type: 'NS', name: 'example.org', ttl: 300, data: 'ns.example.org' } as const;
    expect(inspectResponse(upstreamResponse('NXDOMAIN', [], [ns]), 86400)?.cacheTtl).toBe(0);
    expect(inspectResponse(upstreamResponse('SERVFAIL', [], [soa]), 86400)?.cacheTtl).toBe(0);
    const tc = upstreamResponse('NOERROR', [{ type: 'A', name: 'x.example.org', ttl: 120, data: '1.2.3.4' }]);
    tc[2] = (tc[2] ?? 0) | 0x02;
    expect(inspectResponse(tc, 86400)?.cacheTtl).toBe(0);
  });
  it('caps the TTL and rejects malformed responses', () => {
    expect(inspectResponse(upstreamResponse('NOERROR', [{ type: 'A', name: 'x', ttl: 999999, data: '1.2.3.4' }]), 3600)?.cacheTtl).toBe(3600);
    expect(inspectResponse(upstreamResponse('NOERROR', [{ type: 'A', name: 'x', ttl: 9, data: '1.2.3.4' }]).subarray(0, 40), 3600)).toBeUndefined();
  });
});

describe('TTL cache', () => {
  it('serves a copy with the client ID and question spelling, TTLs counted down, until it expires', () => {
    let now = 1_000_000;
    const cache = new TtlCache({ max: 10, maxTtl: 86400, now: () => now });
    const raw = dnsPacket.encode({ type: 'query', id: 4321, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: 'X.Example.org' }] });
    const query = parsed(raw);
    const key = cacheKey(query);
    expect(cache.store(key, upstreamResponse('NOERROR', [{ type: 'A', name: 'x.example.org', ttl: 100, data: '1.2.3.4' }]))).toBe(100);
    now += 30_500;
    const hit = cache.get(key, raw, query, true);
    expect(hit).toBeDefined();
    const decoded = dnsPacket.decode(hit as Buffer);
    expect(decoded.id).toBe(4321);
    expect(decoded.questions?.[0]?.name).toBe('X.Example.org');
    expect((decoded.answers?.[0] as { ttl: number }).ttl).toBe(70);
    now += 70_000;
    expect(cache.get(key, raw, query, true)).toBeUndefined();
    expect(cache.size).toBe(0);
  });
  it('evicts the oldest entry when full', () => {
    const cache = new TtlCache({ max: 2, maxTtl: 86400 });
    const r = upstreamResponse('NOERROR', [{ type: 'A', name: 'x.example.org', ttl: 100, data: '1.2.3.4' }]);
    cache.store('a', r);
    cache.store('b', r);
    cache.store('c', r);
    expect(cache.size).toBe(2);
  });
});

describe('byte bounds', () => {
  it('the answer cache refuses entries over the per-entry limit and evicts the oldest past the total', () => {
    const cache = new AnswerCache({ maxEntries: 1000, maxBytes: 10_000, maxEntryBytes: 4000 });
    expect(cache.set('huge', Buffer.alloc(4001))).toBe(false);
    expect(cache.get('huge')).toBeUndefined();
    for (let i = 0; i < 5; i++) cache.set(`k${i}`, Buffer.alloc(3000));
    expect(cache.bytes).toBeLessThanOrEqual(10_000);
    expect(cache.get('k0')).toBeUndefined();
    expect(cache.get('k4')).toBeDefined();
  });

  it('the forward cache is bounded in bytes the same way', () => {
    const big = upstreamResponse('NOERROR', Array.from({ length: 200 }, (_, i) => ({ type: 'A', name: 'x.example.org', ttl: 120, data: `1.2.${i}.4` })));
    const cache = new TtlCache({ max: 1000, maxTtl: 86400, maxBytes: 10_000, maxEntryBytes: big.length - 1 });
    expect(cache.store('big', big)).toBe(0);
    const small = upstreamResponse('NOERROR', [{ type: 'A', name: 'x.example.org', ttl: 120, data: '1.2.3.4' }]);
    for (let i = 0; i < 1000; i++) cache.store(`s${i}`, small);
    expect(cache.bytes).toBeLessThanOrEqual(10_000);
  });

  it('keys a question by its lower-cased name (0x20 spellings share an entry)', () => {
    const a = parsed(dnsPacket.encode({ type: 'query', id: 1, questions: [{ type: 'A', name: 'WwW.ExAmPlE.oRg' }] }));
    const b = parsed(dnsPacket.encode({ type: 'query', id: 2, questions: [{ type: 'A', name: 'www.example.org' }] }));
    expect(cacheKey(a)).toBe(cacheKey(b));
  });
});
