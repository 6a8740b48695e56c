import { describe, expect, it } from 'vitest';
import { answerTtl, clampLeaseTtl } from './ttl.ts';

const coredns = { min: 30, max: 86_400 };

describe('lease TTL clamped as CoreDNS clamps it', () => {
  it.each([
    [undefined, 0],
    [-1, 0],
    [0, 0],
    [5, 30],
    [30, 30],
    [100, 100],
    [86_400, 86_400],
    [200_000, 86_400],
  ])('remaining %s → %s', (remaining, want) => {
    expect(clampLeaseTtl(remaining, coredns)).toBe(want);
  });

  it('uses configured bounds', () => {
    expect(clampLeaseTtl(100, { min: 60, max: 3600 })).toBe(100);
    expect(clampLeaseTtl(10, { min: 60, max: 3600 })).toBe(60);
    expect(clampLeaseTtl(7200, { min: 60, max: 3600 })).toBe(3600);
  });
});

describe('answer TTL as CoreDNS Etcd.TTL', () => {
  it.each([
    ['neither set: the default', 0, 0, 300],
    ['value only', 60, 0, 60],
    ['lease only', 0, 45, 45],
    ['lease shorter', 300, 45, 45],
    ['value shorter', 20, 45, 20],
  ])('%s', (_title, value, lease, want) => {
    expect(answerTtl(value, lease, 300)).toBe(want);
  });
});
