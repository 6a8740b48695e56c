import { describe, expect, it } from 'vitest';
import {
  bytesToIp4, contains4, end4, firstUsable4, formatIp4, formatNet4, ip4ToBytes, isAligned4, mask4, overlaps4, parseCidr4, parseIfAddr4,
  parseIp4, sameNet4, size4, within4,
} from './ip4.ts';

const net = (text: string) => parseCidr4(text)!;

describe('parseIp4 (Go net.ParseIP(text).To4())', () => {
  it.each([
    ['0.0.0.0', 0],
    ['255.255.255.255', 0xffffffff],
    ['10.5.34.7', 0x0a052207],
    ['::ffff:10.5.34.7', 0x0a052207],
    ['192.168.001.1', undefined],
    ['010.0.0.1', undefined],
    ['256.1.1.1', undefined],
    ['1.2.3', undefined],
    ['1.2.3.4.5', undefined],
    [' 1.2.3.4', undefined],
    ['1.2.3.4/24', undefined],
    ['a.b.c.d', undefined],
    ['1..2.3', undefined],
    ['::1', undefined],
    ['::1.2.3.4', undefined],
    ['', undefined],
  ])('%j -> %s', (text, want) => {
    expect(parseIp4(text)).toBe(want);
  });

  it('formats what it parses', () => {
    for (const text of ['0.0.0.0', '255.255.255.255', '10.5.34.7', '1.2.3.4']) expect(formatIp4(parseIp4(text)!)).toBe(text);
  });
});

describe('parseCidr4 masks to the network, as flannel reads Network', () => {
  it.each([
    ['10.5.34.7/24', '10.5.34.0/24'],
    ['10.5.1.7/16', '10.5.0.0/16'],
    ['10.5.0.0/16', '10.5.0.0/16'],
    ['10.5.0.0/016', '10.5.0.0/16'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['255.255.255.255/0', '0.0.0.0/0'],
    ['10.5.34.9/32', '10.5.34.9/32'],
    ['::ffff:10.5.34.7/120', '10.5.34.0/24'],
  ])('%s -> %s', (text, want) => {
    expect(formatNet4(net(text))).toBe(want);
  });

  it.each(['10.5.34.0', '10.5.34.0/33', '10.5.34/24', 'fe80::/64', '::ffff:10.0.0.0/95', '10.5.34.0/24/1', '010.5.34.0/24', '10.5.34.0/', '10.5.34.0/1000', ''])('rejects %j', (text) => {
    expect(parseCidr4(text)).toBeUndefined();
  });

  it('keeps the host bits of an interface address', () => {
    expect(parseIfAddr4('10.5.34.1/24')).toEqual({ ip: 0x0a052201, prefixLen: 24 });
    expect(parseIfAddr4('10.5.34.1')).toBeUndefined();
  });
});

describe('prefix arithmetic', () => {
  it('masks, sizes and ends', () => {
    expect([mask4(0), mask4(8), mask4(31), mask4(32)]).toEqual([0, 0xff000000, 0xfffffffe, 0xffffffff]);
    expect([size4(0), size4(24), size4(32)]).toEqual([2 ** 32, 256, 1]);
    expect(formatIp4(end4(net('10.5.0.0/16')))).toBe('10.5.255.255');
    expect(formatIp4(end4(net('0.0.0.0/0')))).toBe('255.255.255.255');
  });

  it('tells alignment, containment, overlap and equality', () => {
    expect(isAligned4(parseIp4('10.5.34.0')!, 24)).toBe(true);
    expect(isAligned4(parseIp4('10.5.34.128')!, 24)).toBe(false);
    expect(isAligned4(parseIp4('255.255.255.255')!, 32)).toBe(true);
    const outer = net('10.5.0.0/16');
    expect(within4(net('10.5.7.0/24'), outer)).toBe(true);
    expect(within4(net('10.6.7.0/24'), outer)).toBe(false);
    expect(within4(net('10.0.0.0/8'), outer)).toBe(false);
    expect(within4(outer, net('0.0.0.0/0'))).toBe(true);
    expect(contains4(outer, parseIp4('10.5.255.255')!)).toBe(true);
    expect(contains4(outer, parseIp4('10.4.255.255')!)).toBe(false);
    expect(contains4(net('0.0.0.0/0'), parseIp4('200.1.1.1')!)).toBe(true);
    expect(overlaps4(net('10.5.0.0/16'), net('10.5.255.0/24'))).toBe(true);
    expect(overlaps4(net('10.5.0.0/16'), net('10.6.0.0/24'))).toBe(false);
    expect(sameNet4(net('10.5.1.7/16'), net('10.5.0.0/16'))).toBe(true);
    expect(sameNet4(net('10.5.0.0/16'), net('10.5.0.0/17'))).toBe(false);
  });

  it('writes the first usable address as FLANNEL_SUBNET does', () => {
    expect(firstUsable4(net('10.5.34.0/24'))).toBe('10.5.34.1/24');
  });

  it('round-trips addresses through bytes', () => {
    expect(bytesToIp4(ip4ToBytes(parseIp4('192.168.1.250')!))).toBe('192.168.1.250');
    expect([...ip4ToBytes(0xffffffff)]).toEqual([255, 255, 255, 255]);
    expect(bytesToIp4(Buffer.alloc(16))).toBeUndefined();
  });
});
