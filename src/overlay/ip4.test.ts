import { describe, expect, it } from 'vitest';
import { bytesToIp4, bytesToMac, contains4, formatCidr4, ip4ToBytes, isUnicastMac, macToBytes, normalizeMac, parseCidr4, parseIp4, parseIp4Reference, within4 } from './ip4.ts';

describe('overlay IPv4 and MAC helpers', () => {
  it.each([
    ['10.5.34.7/24', '10.5.34.0/24'],
    ['10.5.0.0/16', '10.5.0.0/16'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['10.5.34.0/32', '10.5.34.0/32'],
  ])('parses %s as the network %s', (text, want) => {
    expect(formatCidr4(parseCidr4(text)!)).toBe(want);
  });

  it.each(['10.5.34.0', '10.5.34.0/33', '10.5.34/24', 'fe80::/64', '10.5.34.0/24/1', '010.5.34.0/24', ''])('rejects %j', (text) => {
    expect(parseCidr4(text)).toBeUndefined();
  });

  it('tells containment of prefixes and addresses', () => {
    const net = parseCidr4('10.5.0.0/16')!;
    expect(within4(parseCidr4('10.5.7.0/24')!, net)).toBe(true);
    expect(within4(parseCidr4('10.6.7.0/24')!, net)).toBe(false);
    expect(within4(parseCidr4('10.0.0.0/8')!, net)).toBe(false);
    expect(contains4(net, parseIp4('10.5.255.255')!)).toBe(true);
    expect(contains4(net, parseIp4('10.4.255.255')!)).toBe(false);
  });

  it('round-trips addresses and MACs through bytes', () => {
    expect(bytesToIp4(ip4ToBytes(parseIp4('192.168.1.250')!))).toBe('192.168.1.250');
    expect(bytesToIp4(Buffer.alloc(16))).toBeUndefined();
    expect(bytesToMac(macToBytes('0a:1b:2c:3d:4e:5f'))).toBe('0a:1b:2c:3d:4e:5f');
  });

  it('normalizes MACs and knows unicast from multicast', () => {
    expect(normalizeMac('0A-1B-2C-3D-4E-5F')).toBe('0a:1b:2c:3d:4e:5f');
    expect(normalizeMac('a:b:c:d:e:f')).toBe('0a:0b:0c:0d:0e:0f');
    expect(normalizeMac('0a:1b:2c:3d:4e')).toBeUndefined();
    expect(isUnicastMac('02:00:00:00:00:01')).toBe(true);
    expect(isUnicastMac('01:00:5e:00:00:01')).toBe(false);
    expect(isUnicastMac('00:00:00:00:00:00')).toBe(false);
  });
});

describe('parseIp4 agrees with ip-address', () => {
  it.each(['0.0.0.0', '255.255.255.255', '10.5.34.7', '1.2.3.4', '192.168.001.1', '256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', ' 1.2.3.4', '1.2.3.4/24', 'a.b.c.d', '', '1..2.3'])('%j', (text) => {
    expect(parseIp4(text)).toBe(parseIp4Reference(text));
  });
});
