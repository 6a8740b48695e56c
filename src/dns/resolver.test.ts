import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { answerCases, apexSoa } from '../../test/dns/cases.ts';
import { recordItems } from '../../test/dns/records.ts';
import { renderPacket, types } from '../../test/dns/render.ts';
import { encodeResponse } from './message.ts';
import { group, Resolver, srvWeights } from './resolver.ts';
import { parseQuery } from './wire.ts';
import { Zone, type Service } from './zone.ts';

function loadedZone(): Zone {
  const zone = new Zone('/skydns');
  zone.replaceAll(recordItems('/skydns'), 42);
  return zone;
}

function ask(resolver: Resolver, name: string, type: string, edns = false): Buffer {
  const raw = dnsPacket.encode({
    type: 'query',
    id: 4242,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: type as dnsPacket.RecordType, name }],
    ...(edns ? { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as dnsPacket.Answer] } : {}),
  });
  const parsed = parseQuery(raw);
  if (!parsed.ok) throw new Error(parsed.reason);
  const resolution = resolver.resolve(parsed.query.name, parsed.query.type);
  if (resolution.kind !== 'answer') throw new Error(`${name} was not answered from the zone`);
  return encodeResponse(raw, parsed.query, resolution.response, { recursionAvailable: false, ednsBuffer: 1232 });
}

describe('resolver over the SkyDNS record set', () => {
  const resolver = new Resolver(loadedZone(), { zones: ['weft.internal.'], defaultTtl: 300, minTtl: 30 });

  it.each(answerCases)('$title ($name $type)', (c) => {
    const got = renderPacket(ask(resolver, c.name, c.type));
    expect(got.rcode).toBe(c.rcode);
    expect(got.flags.aa).toBe(true);
    expect(got.answer).toEqual([...c.answer].sort());
    expect(types(got.authority)).toEqual(c.authority ?? []);
    if (c.additional !== undefined) expect(got.additional).toEqual([...c.additional].sort());
  });

  it('SOA at the apex names ns.dns and hostmaster and carries the etcd revision as serial', () => {
    const got = renderPacket(ask(resolver, apexSoa.name, 'SOA'));
    expect(got.answer).toEqual([`weft.internal. 30 SOA ${apexSoa.mname} ${apexSoa.rname} 42 7200 1800 86400 ${apexSoa.minimum}`]);
  });

  it('the negative answer carries the SOA with TTL = minimum (RFC 2308)', () => {
    const got = renderPacket(ask(resolver, 'nothere.weft.internal', 'A'));
    expect(got.authority).toEqual([`weft.internal. 30 SOA ${apexSoa.mname} ${apexSoa.rname} 42 7200 1800 86400 30`]);
  });

  it('sends names outside our zones to the forwarder', () => {
    expect(resolver.resolve('example.org', 1).kind).toBe('forward');
    expect(resolver.resolve('9.9.9.10.in-addr.arpa', 12).kind).toBe('forward');
  });

  it('compresses names: 30 A records for one name fit in 515 bytes', () => {
    const bytes = ask(resolver, 'big.weft.internal', 'A');
    expect(renderPacket(bytes).answer).toHaveLength(30);
    expect(bytes.length).toBe(12 + 19 + 4 + 30 * 16);
  });
});

describe('SRV weights (CoreDNS: share of 100 per priority)', () => {
  it.each([
    [[{ priority: 10, weight: 30 }, { priority: 10, weight: 10 }], [75, 25]],
    [[{ priority: 10, weight: 0 }, { priority: 10, weight: 0 }], [50, 50]],
    [[{ priority: 10, weight: 1 }, { priority: 10, weight: 1000 }], [1, 99]],
    [[{ priority: 10, weight: 5 }, { priority: 20, weight: 5 }], [100, 100]],
  ])('%j → %j', (input, expected) => {
    expect(srvWeights(input)).toEqual(expected);
  });
});

describe('groups (CoreDNS msg.Group)', () => {
  const service = (key: string, groupName: string): Service => ({
    host: '10.0.0.1', port: 0, priority: 0, weight: 0, text: '', mail: false, ttl: 0, targetstrip: 0, group: groupName, key, name: '', lease: '0',
  });
  it('keeps everything when no group is set', () => {
    const sx = [service('/s/a', ''), service('/s/b', '')];
    expect(group(sx)).toEqual(sx);
  });
  it('keeps the group of the shortest key and the ungrouped values', () => {
    const sx = [service('/s/a', 'g'), service('/s/x/b', 'h'), service('/s/x/c', '')];
    expect(group(sx).map((s) => s.key)).toEqual(['/s/a', '/s/x/c']);
  });
  it('gives up grouping when values on the shortest level disagree', () => {
    const sx = [service('/s/a', 'g'), service('/s/b', 'h')];
    expect(group(sx)).toHaveLength(2);
  });
});
