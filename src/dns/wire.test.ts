import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { parseQuery, Rcode, typeName, Writer } from './wire.ts';

function query(name: string, extra: Partial<dnsPacket.Packet> = {}): Buffer {
  return dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }], ...extra });
}

describe('query parser', () => {
  it('reads the question, lower-cases the name and keeps the exact spelling for the cache', () => {
    const parsed = parseQuery(query('WeB.weft.internal'));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.query).toMatchObject({ id: 7, name: 'web.weft.internal', type: 1, class: 1, edns: undefined });
    expect(parsed.query.caseKey).not.toBe(parsed.query.nameKey);
    expect(parseQuery(query('web.weft.internal'))).toMatchObject({ query: { caseKey: parsed.query.nameKey } });
  });

  it('reads EDNS: buffer size (at least 512), version and DO', () => {
    const raw = query('a.b', { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096, flags: dnsPacket.DNSSEC_OK } as dnsPacket.Answer] });
    expect(parseQuery(raw)).toMatchObject({ ok: true, query: { edns: { udpSize: 4096, version: 0, dnssecOk: true } } });
    const small = query('a.b', { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 100 } as dnsPacket.Answer] });
    expect(parseQuery(small)).toMatchObject({ ok: true, query: { edns: { udpSize: 512 } } });
  });

  it.each([
    ['no question', (() => { const b = query('a.b'); b.writeUInt16BE(0, 4); return b; })(), Rcode.FORMERR],
    ['two questions', (() => { const b = query('a.b'); b.writeUInt16BE(2, 4); return b; })(), Rcode.FORMERR],
    ['a truncated name', query('abc.def').subarray(0, 15), Rcode.FORMERR],
    ['a compression pointer in the question', Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1]), Rcode.FORMERR],
    ['a missing type', query('a.b').subarray(0, 19), Rcode.FORMERR],
    ['an additional record running past the end', (() => { const b = query('a.b'); b.writeUInt16BE(1, 10); return b; })(), Rcode.FORMERR],
    ['opcode NOTIFY', (() => { const b = query('a.b'); b.writeUInt16BE(4 << 11, 2); return b; })(), Rcode.NOTIMP],
  ])('rejects %s', (_title, raw, rcode) => {
    expect(parseQuery(raw)).toMatchObject({ ok: false, rcode });
  });

  it('rejects two OPT records', () => {
    const opt = { type: 'OPT', name: '.', udpPayloadSize: 1232 } as dnsPacket.Answer;
    expect(parseQuery(query('a.b', { additionals: [opt, opt] }))).toMatchObject({ ok: false, rcode: Rcode.FORMERR });
  });
});

describe('writer', () => {
  it('compresses a repeated suffix onto its first occurrence', () => {
    const w = new Writer(4);
    w.name('web.weft.internal');
    const first = w.pos;
    w.name('db.weft.internal');
    expect(first).toBe(19);
    expect(w.pos - first).toBe(1 + 2 + 2); // "db" then a pointer
    expect(w.finish().readUInt16BE(first + 3)).toBe(0xc000 | 4); // → "weft.internal" at offset 4
  });
  it('does not compress onto a differently spelled suffix', () => {
    const w = new Writer();
    w.name('web.WEFT.internal');
    const first = w.pos;
    w.name('db.weft.internal');
    expect(w.pos - first).toBe(3 + 5 + 2); // "db", "weft" again, then a pointer to "internal"
  });
  it('writes uncompressed names when asked (SRV targets)', () => {
    const w = new Writer();
    w.name('a.b');
    const first = w.pos;
    w.name('a.b', false);
    expect(w.pos - first).toBe(5);
  });
});

describe('query type metric labels', () => {
  it('names the types CoreDNS monitors and folds every other type into "other" (a bounded label set)', () => {
    const labels = new Set(Array.from({ length: 65536 }, (_, type) => typeName(type)));
    expect(labels.size).toBeLessThanOrEqual(20);
    expect([typeName(1), typeName(28), typeName(65), typeName(255), typeName(65280), typeName(99)]).toEqual(['A', 'AAAA', 'HTTPS', 'ANY', 'other', 'other']);
  });
});
