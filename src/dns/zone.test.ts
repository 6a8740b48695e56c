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
  it.each(['{not json', '"a string"', '[1]', '{"host":"bad host name!"}'])('skips %s', (value) => {
    expect(parseService('/k', 'n', value)).toBeUndefined();
  });
  it('treats out-of-range numbers as unset', () => {
    expect(parseService('/k', 'n', '{"host":"a.b","port":70000,"ttl":-1}')).toMatchObject({ port: 0, ttl: 0, host: 'a.b' });
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
