import { describe, expect, it } from 'vitest';
import { keyToName, nameToKey, parseService, Zone } from './zone.ts';

describe('SkyDNS key layout', () => {
  it.each([
    ['web.prod.weft.internal', '/skydns/internal/weft/prod/web'],
    ['WEB.weft.internal.', '/skydns/internal/weft/web'],
    ['2.1.5.10.in-addr.arpa', '/skydns/arpa/in-addr/10/5/1/2'],
  ])('%s ↔ %s', (name, key) => {
    expect(nameToKey(name, '/skydns')).toBe(key);
    expect(keyToName(key, '/skydns')).toBe(name.toLowerCase().replace(/\.$/, ''));
  });

  it('rejects keys outside the path or that are not names', () => {
    expect(keyToName('/other/internal/weft/web', '/skydns')).toBeUndefined();
    expect(keyToName('/skydns/internal//web', '/skydns')).toBeUndefined();
    expect(keyToName('/skydns/internal/we b', '/skydns')).toBeUndefined();
  });
});

describe('SkyDNS values', () => {
  it('reads the known fields and ignores the rest', () => {
    const s = parseService('/k', 'n', JSON.stringify({ host: '10.0.0.1', port: 80, priority: 5, weight: 7, text: 't', mail: true, ttl: 9, targetstrip: 1, group: 'g', other: 1 }));
    expect(s).toMatchObject({ host: '10.0.0.1', port: 80, priority: 5, weight: 7, text: 't', mail: true, ttl: 9, targetstrip: 1, group: 'g' });
  });
  it.each([
    ['{not json', /not JSON/],
    ['"a string"', /value must be a JSON object, got string/],
    ['[1]', /value must be a JSON object, got an array/],
    ['{"host":"bad host name!"}', /neither an IP address nor a domain name/],
  ])('skips %s, saying why', (value, why) => {
    expect(parseService('/k', 'n', value)).toMatch(why);
  });

  // CoreDNS decodes values with encoding/json into msg.Service: field names match in any casing.
  it.each([
    ['{"Host":"10.0.0.1","Port":80,"TTL":60}', { host: '10.0.0.1', port: 80, ttl: 60 }],
    ['{"HOST":"a.b","Priority":5,"Weight":7,"Mail":true,"TargetStrip":1,"Group":"g","Text":"t"}', { host: 'a.b', priority: 5, weight: 7, mail: true, targetstrip: 1, group: 'g', text: 't' }],
    ['{"host":"10.0.0.1","Host":"10.0.0.2"}', { host: '10.0.0.2' }],
    ['null', { host: '', port: 0 }],
  ])('reads %s as Go does', (value, want) => {
    expect(parseService('/k', 'n', value)).toMatchObject(want);
  });

  // A type CoreDNS cannot unmarshal is an error there (the key fails its lookups), never a silent 0.
  it.each([
    ['{"host":"10.0.0.1","port":"80"}', 'value.port must be a whole number, got string "80"'],
    ['{"host":"10.0.0.1","port":80.0}', 'value.port must be a whole number, got number 80.0'],
    ['{"host":"10.0.0.1","ttl":-1}', 'value.ttl must be between 0 and 4294967295, got -1'],
    ['{"host":"10.0.0.1","ttl":"60"}', 'value.ttl must be a whole number, got string "60"'],
    ['{"host":"10.0.0.1","mail":"yes"}', 'value.mail must be true or false, got string "yes"'],
    ['{"host":10}', 'value.host must be a string, got number 10'],
    ['{"host":"a.b","port":70000}', 'port 70000 is out of range (-1 to 65535)'],
    ['{"host":"a.b","priority":-5}', 'priority -5 is out of range (0 to 65535)'],
  ])('rejects %s', (value, why) => {
    expect(parseService('/k', 'n', value)).toBe(why);
  });
});

describe('zone index', () => {
  it('follows snapshot, put and delete, and reports every change', () => {
    const zone = new Zone('/skydns');
    let changes = 0;
    zone.onChange(() => changes++);
    zone.replaceAll([{ key: '/skydns/internal/weft/a', value: '{"host":"10.0.0.1"}' }, { key: '/skydns/internal/weft/b/x', value: '{"host":"10.0.0.2"}' }], 5);
    expect(zone.size).toBe(2);
    expect(zone.has('b.weft.internal')).toBe(true);
    expect(zone.below('weft.internal').map((s) => s.host)).toEqual(['10.0.0.1', '10.0.0.2']);
    zone.put({ key: '/skydns/internal/weft/a', value: '{"host":"10.0.0.9"}' }, 6);
    expect(zone.exact('a.weft.internal').map((s) => s.host)).toEqual(['10.0.0.9']);
    zone.delete('/skydns/internal/weft/b/x', 7);
    expect(zone.has('b.weft.internal')).toBe(false);
    expect(zone.has('x.b.weft.internal')).toBe(false);
    expect(zone.revision).toBe(7);
    expect(changes).toBe(3);
  });
  it('first(n) is the first n values in key order, as all() would sort them', () => {
    const zone = new Zone('/skydns');
    const keys = Array.from({ length: 40 }, (_, i) => `/skydns/internal/weft/h${(i * 7919) % 97}`);
    zone.replaceAll(keys.map((key, i) => ({ key, value: `{"host":"10.0.0.${i}"}` })), 1);
    expect(zone.first(5)).toEqual(zone.all().slice(0, 5));
    expect(zone.first(100)).toEqual(zone.all());
    expect(zone.first(0)).toEqual([]);
  });
  it('a put with a bad value removes the old one and lists the key as invalid', () => {
    const zone = new Zone('/skydns/');
    zone.replaceAll([{ key: '/skydns/internal/weft/a', value: '{"host":"10.0.0.1"}' }], 1);
    zone.put({ key: '/skydns/internal/weft/a', value: 'garbage' }, 2);
    expect(zone.size).toBe(0);
    expect(zone.invalid).toEqual(['/skydns/internal/weft/a']);
  });
});

describe('bounded values', () => {
  it('a TXT value larger than a DNS message can hold is an invalid record, not an answer', () => {
    const zone = new Zone('/skydns');
    zone.replaceAll([
      { key: '/skydns/internal/weft/big', value: JSON.stringify({ text: 'x'.repeat(70_000) }) },
      { key: '/skydns/internal/weft/ok', value: JSON.stringify({ text: 'x'.repeat(2000) }) },
    ], 1);
    expect(zone.invalid).toEqual(['/skydns/internal/weft/big']);
    expect(zone.exact('big.weft.internal')).toEqual([]);
    expect(zone.exact('ok.weft.internal')).toHaveLength(1);
  });
});

describe('lease TTLs', () => {
  it('lists the leases in use and re-encodes answers only when a lease TTL changes an answer TTL', () => {
    const zone = new Zone('/skydns');
    zone.replaceAll([
      { key: '/skydns/internal/weft/reg', value: '{"host":"10.0.0.1","ttl":30}', lease: '7' },
      { key: '/skydns/internal/weft/plain', value: '{"host":"10.0.0.2"}', lease: '8' },
      { key: '/skydns/internal/weft/none', value: '{"host":"10.0.0.3"}' },
    ], 1);
    expect([...zone.leases()].sort()).toEqual(['7', '8']);
    let changes = 0;
    zone.onChange(() => changes++);
    zone.setLeaseTtls(new Map([['7', 45], ['8', 50]]));
    expect(changes).toBe(1);
    expect([zone.leaseTtl('7'), zone.leaseTtl('8'), zone.leaseTtl('9')]).toEqual([45, 50, 0]);
    zone.setLeaseTtls(new Map([['7', 40], ['8', 50]])); // reg still answers 30: nothing to re-encode
    expect(changes).toBe(1);
    zone.setLeaseTtls(new Map([['7', 40], ['8', 35]]));
    expect(changes).toBe(2);
  });
});
