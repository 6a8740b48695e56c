import { describe, expect, it } from 'vitest';
import { contains6, end6, firstUsable6, formatIp6, formatNet6, ip6ToBytes, isAligned6, overlaps6, parseCidr6, parseIp6, sameNet6, size6 } from './ip6.ts';

describe('IPv6 addresses and prefixes', () => {
  it.each([
    ['::', 0n],
    ['::1', 1n],
    ['fc00:0:0:ffff::', 0xfc0000000000ffffn << 64n],
    ['FD00::1', (0xfd00n << 112n) + 1n],
    ['::ffff:1.2.3.4', 0xffff01020304n],
    ['fe80::1%eth0', undefined],
    ['fd00::/64', undefined],
    ['1::2::3', undefined],
    ['1.2.3.4', undefined],
    ['00001::', undefined],
    ['', undefined],
  ])('parseIp6(%j) -> %s', (text, want) => {
    expect(parseIp6(text)).toBe(want);
  });

  it.each([
    ['fd00::1/64', 'fd00::/64'],
    ['fc00::/7', 'fc00::/7'],
    ['fd00::/0', '::/0'],
    ['fd00::1/128', 'fd00::1/128'],
    ['2001:db8:1:2::/056', '2001:db8:1::/56'],
  ])('parseCidr6(%j) -> %s', (text, want) => {
    expect(formatNet6(parseCidr6(text)!)).toBe(want);
  });

  it.each(['fd00::', 'fd00::/129', 'fd00::/-1', '10.0.0.0/8', 'fe80::%eth0/64', 'fd00::/'])('parseCidr6 rejects %j', (text) => {
    expect(parseCidr6(text)).toBeUndefined();
  });

  it('does the arithmetic on 128-bit integers', () => {
    const net = parseCidr6('fd00::/64')!;
    expect(size6(64)).toBe(1n << 64n);
    expect(size6(128)).toBe(1n);
    expect(contains6(net, parseIp6('fd00::ffff:ffff:ffff:ffff')!)).toBe(true);
    expect(contains6(net, parseIp6('fd00:0:0:1::')!)).toBe(false);
    expect(isAligned6(parseIp6('fd00:0:0:1::')!, 64)).toBe(true);
    expect(isAligned6(parseIp6('fd00::1')!, 64)).toBe(false);
    expect(formatIp6(parseIp6('2001:DB8:0:0:0:0:0:1')!)).toBe('2001:db8::1');
    expect(ip6ToBytes(parseIp6('2001:db8::1')!).toString('hex')).toBe('20010db8000000000000000000000001');
  });
});

// Go 1.19: net.ParseIP(text).To16() in hex (undefined where ParseIP returns nil).
const goV6: [string, string | undefined][] = [
  ['1:2:3:4:5:6:7::', '00010002000300040005000600070000'],
  ['::1:2:3:4:5:6:7', '00000001000200030004000500060007'],
  ['1:2:3:4:5:6:1.2.3.4', '00010002000300040005000601020304'],
  ['1::2:3:4:5:6:7:8', undefined],
  ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
  ['1:2:3:4:5:6:7:8:9', undefined],
  [':1::', undefined],
  ['1:::2', undefined],
  ['::ffff:1.2.3', undefined],
  ['1:2:3:4:5:6:7:1.2.3.4', undefined],
  ['::1.2.3.4:5', undefined],
  ['fe80::', 'fe800000000000000000000000000000'],
  ['FFFF:ffff:FFFF:ffff:FFFF:ffff:FFFF:ffff', 'ffffffffffffffffffffffffffffffff'],
  ['::0:0:0:0:0:0:0', '00000000000000000000000000000000'],
  ['1::1.2.3.4', '00010000000000000000000001020304'],
  ['0000:0000::0001', '00000000000000000000000000000001'],
  ['::ffff:255.255.255.255', '00000000000000000000ffffffffffff'],
  ['1:2:3:4:5::1.2.3.4', '00010002000300040005000001020304'],
  ['1:2:3:4:5:6::1.2.3.4', undefined],
];

describe('parseIp6 agrees with Go net.ParseIP', () => {
  it.each(goV6)('%j -> %s', (text, want) => {
    expect(parseIp6(text)?.toString(16).padStart(32, '0')).toBe(want);
  });

  it('ends, overlaps and first usable addresses as flannel writes them', () => {
    const a = parseCidr6('fc00:0:0:1::/64')!;
    const wide = parseCidr6('fc00::/48')!;
    const b = parseCidr6('fc00:0:0:2::/64')!;
    expect(formatIp6(end6(a))).toBe('fc00::1:ffff:ffff:ffff:ffff');
    expect(overlaps6(a, wide)).toBe(true);
    expect(overlaps6(a, b)).toBe(false);
    expect(sameNet6(a, parseCidr6('fc00:0:0:1::9/64')!)).toBe(true);
    // Go's net.IP.String(): RFC 5952, the longest run of zero groups compressed.
    expect(firstUsable6(a)).toBe('fc00:0:0:1::1/64');
  });
});
