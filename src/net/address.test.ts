import { describe, expect, it } from 'vitest';
import { canonicalIp, cidrContains, formatCidr, formatIpPort, hostCidr, ipBytes, ipFamily, NetworkSet, parseCidr, parseIp, parseIpPort, type Cidr } from './address.ts';

// Go 1.19: net.ParseIP(text).String() (undefined where ParseIP returns nil), and whether To4() != nil.
const goIps: [string, string | undefined, 0 | 4 | 6][] = [
  ['10.0.0.1', '10.0.0.1', 4],
  ['010.0.0.1', undefined, 0],
  ['1.2.3.04', undefined, 0],
  ['0.0.0.0', '0.0.0.0', 4],
  ['255.255.255.255', '255.255.255.255', 4],
  ['256.0.0.1', undefined, 0],
  ['1.2.3', undefined, 0],
  ['1.2.3.4.5', undefined, 0],
  ['::ffff:1.2.3.4', '1.2.3.4', 4],
  ['::FFFF:1.2.3.4', '1.2.3.4', 4],
  ['0:0:0:0:0:ffff:102:304', '1.2.3.4', 4],
  ['::ffff:102:304', '1.2.3.4', 4],
  ['::1', '::1', 6],
  ['fe80::1%eth0', undefined, 0],
  [' 1.2.3.4', undefined, 0],
  ['::ffff:01.2.3.4', undefined, 0],
  ['1.2.3.4/32', undefined, 0],
  ['', undefined, 0],
  ['::', '::', 6],
  ['2001:db8::1', '2001:db8::1', 6],
  ['2001:DB8::1', '2001:db8::1', 6],
  ['1::2::3', undefined, 0],
  ['::1.2.3.4', '::102:304', 6],
];

describe('parseIp agrees with Go net.ParseIP', () => {
  it.each(goIps)('%j -> %j (family %d)', (text, want, family) => {
    expect(canonicalIp(text)).toBe(want);
    expect(ipFamily(text)).toBe(family);
    expect(ipBytes(text)?.length).toBe(family === 0 ? undefined : family === 4 ? 4 : 16);
  });
});

// Go 1.19: net.ParseCIDR(text)'s network, String() (undefined where it errs).
const goCidrs: [string, string | undefined][] = [
  ['10.5.1.7/16', '10.5.0.0/16'],
  ['10.0.0.0/0', '0.0.0.0/0'],
  ['10.0.0.0/32', '10.0.0.0/32'],
  ['10.0.0.0/33', undefined],
  ['10.0.0.0/08', '10.0.0.0/8'],
  ['10.0.0.0/', undefined],
  ['10.0.0.0', undefined],
  ['010.0.0.0/8', undefined],
  ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
  ['fd00::1/64', 'fd00::/64'],
  ['fd00::/129', undefined],
  ['fd00::/0', '::/0'],
  ['10.0.0.0/-1', undefined],
  ['10.0.0.0/+8', undefined],
  ['10.0.0.0/ 8', undefined],
  ['fe80::%eth0/64', undefined],
];

describe('parseCidr agrees with Go net.ParseCIDR', () => {
  it.each(goCidrs)('%j -> %j', (text, want) => {
    const cidr = parseCidr(text);
    expect(cidr === undefined ? undefined : formatCidr(cidr)).toBe(want);
  });
});

describe('containment across families', () => {
  const cidrs = ['127.0.0.0/8', '::1/128', '10.5.0.0/16', 'fd00::/64'].map((t) => parseCidr(t)!);
  const set = new NetworkSet(cidrs);
  it.each([
    ['127.0.0.1', true],
    ['::ffff:127.0.0.1', true],
    ['::1', true],
    ['10.5.255.255', true],
    ['10.6.0.0', false],
    ['fd00::ffff', true],
    ['fd00:0:0:1::1', false],
    ['::ffff:10.5.0.1', true],
  ])('%s -> %s', (text, want) => {
    const ip = parseIp(text)!;
    expect(set.has(ip)).toBe(want);
    expect(cidrs.some((c) => cidrContains(c, ip))).toBe(want);
  });

  it('takes no addresses in an empty set, and every one of its family under /0', () => {
    expect(new NetworkSet([]).has(parseIp('10.0.0.1')!)).toBe(false);
    const all4 = new NetworkSet([parseCidr('0.0.0.0/0')!]);
    expect(all4.has(parseIp('255.255.255.255')!)).toBe(true);
    expect(all4.has(parseIp('::1')!)).toBe(false);
  });

  it('makes a host prefix of an address', () => {
    expect(formatCidr(hostCidr(parseIp('10.0.0.1')!))).toBe('10.0.0.1/32');
    expect(formatCidr(hostCidr(parseIp('fd00::1')!))).toBe('fd00::1/128');
    const host: Cidr = hostCidr(parseIp('10.0.0.1')!);
    expect(cidrContains(host, parseIp('10.0.0.2')!)).toBe(false);
  });
});

describe('ADDRESS[:PORT]', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4:53'],
    ['1.2.3.4:5353', '1.2.3.4:5353'],
    ['::1', '[::1]:53'],
    ['[::1]:5353', '[::1]:5353'],
    ['[fd00::1]', '[fd00::1]:53'],
    ['[::ffff:1.2.3.4]:53', '1.2.3.4:53'],
    ['1.2.3.4:65536', undefined],
    ['1.2.3.4:', undefined],
    ['example.com:53', undefined],
    ['[::1', undefined],
    ['010.0.0.1', undefined],
    ['', undefined],
  ])('%j -> %j', (text, want) => {
    const parsed = parseIpPort(text, 53);
    expect(parsed === undefined ? undefined : formatIpPort(parsed)).toBe(want);
  });
});
