import { describe, expect, it } from 'vitest';
import { bytesToMac, isUnicastMac, macToBytes, normalizeMac } from './mac.ts';

describe('normalizeMac: the 48-bit colon and dash forms of Go net.ParseMAC', () => {
  it.each([
    ['aa:bb:cc:dd:ee:ff', 'aa:bb:cc:dd:ee:ff'],
    ['AA:BB:CC:DD:EE:FF', 'aa:bb:cc:dd:ee:ff'],
    ['aa-bb-cc-dd-ee-ff', 'aa:bb:cc:dd:ee:ff'],
    ['0A-1b-2C-3d-4E-5f', '0a:1b:2c:3d:4e:5f'],
    ['aa:bb-cc:dd:ee:ff', undefined],
    ['a:b:c:d:e:f', undefined],
    ['aabb.ccdd.eeff', undefined],
    ['aa:bb:cc:dd:ee', undefined],
    ['aa:bb:cc:dd:ee:ff:00:11', undefined],
    [' aa:bb:cc:dd:ee:ff', undefined],
    ['aa:bb:cc:dd:ee:ff\n', undefined],
    ['aa:bb:cc:dd:ee:fg', undefined],
    ['', undefined],
  ])('%j -> %j', (text, want) => {
    expect(normalizeMac(text)).toBe(want);
  });
});

describe('isUnicastMac', () => {
  it.each([
    ['02:00:00:00:00:01', true],
    ['7a:1b:2c:3d:4e:5f', true],
    ['01:00:5e:00:00:01', false],
    ['33:33:00:00:00:01', false],
    ['ff:ff:ff:ff:ff:ff', false],
    ['00:00:00:00:00:00', false],
  ])('%s -> %s', (mac, want) => {
    expect(isUnicastMac(mac)).toBe(want);
  });
});

it('round-trips MACs through bytes', () => {
  expect(bytesToMac(macToBytes('0a:1b:2c:3d:4e:5f'))).toBe('0a:1b:2c:3d:4e:5f');
  expect([...macToBytes('ff:00:10:01:aa:0f')]).toEqual([255, 0, 16, 1, 170, 15]);
});
