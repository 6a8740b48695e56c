import { describe, expect, it } from 'vitest';
import { DeadlineScheduler, penalizeSmooth, pickSmooth, smoothPeers } from './wrr.ts';

const always = (): boolean => true;

function smoothSequence(weights: readonly number[], picks: number, eligible: (i: number) => boolean = always): string {
  const peers = smoothPeers(weights);
  return Array.from({ length: picks }, () => 'abcdefgh'[pickSmooth(peers, eligible)] ?? '-').join('');
}

function deadlineSequence(weights: readonly number[], picks: number, eligible: (i: number) => boolean = always): string {
  const scheduler = new DeadlineScheduler(weights);
  return Array.from({ length: picks }, () => 'abcdefgh'[scheduler.pick(eligible)] ?? '-').join('');
}

function shares(pick: () => number, count: number, picks: number): number[] {
  const counts = new Array<number>(count).fill(0);
  for (let n = 0; n < picks; n++) counts[pick()]! += 1;
  return counts.map((c) => c / picks);
}

describe('smooth weighted round robin (nginx)', () => {
  it.each([
    { weights: [5, 1, 1], picks: 7, sequence: 'aabacaa' }, // nginx's own example in ngx_http_upstream_round_robin.c
    { weights: [5, 1, 1], picks: 14, sequence: 'aabacaaaabacaa' },
    { weights: [1, 1, 1], picks: 6, sequence: 'abcabc' },
    { weights: [2, 1], picks: 6, sequence: 'abaaba' },
    { weights: [3, 0, 1], picks: 8, sequence: 'aacaaaca' },
    { weights: [1], picks: 3, sequence: 'aaa' },
    { weights: [0, 0], picks: 2, sequence: '--' },
    { weights: [], picks: 1, sequence: '-' },
  ])('weights $weights pick $sequence', ({ weights, picks, sequence }) => {
    expect(smoothSequence(weights, picks)).toBe(sequence);
  });

  it('splits 10,000 picks within 1% of the weights', () => {
    const weights = [5, 3, 1, 1];
    const peers = smoothPeers(weights);
    const split = shares(() => pickSmooth(peers, always), weights.length, 10_000);
    split.forEach((share, i) => expect(Math.abs(share - weights[i]! / 10)).toBeLessThan(0.01));
  });

  it('skips excluded and down peers without advancing them', () => {
    expect(smoothSequence([5, 1, 1], 7, (i) => i !== 0)).toBe('bcbcbcb');
    const peers = smoothPeers([5, 1, 1]);
    pickSmooth(peers, (i) => i !== 0);
    expect(peers[0]!.current).toBe(0);
  });

  it('answers -1 when every peer is down', () => {
    expect(smoothSequence([5, 1, 1], 3, () => false)).toBe('---');
  });

  it('brings a failed peer back slowly, one weight point per pick (nginx effective_weight)', () => {
    const peers = smoothPeers([4, 4]);
    penalizeSmooth(peers[0]!);
    expect(peers[0]!.effective).toBe(0);
    const sequence = Array.from({ length: 8 }, () => 'ab'[pickSmooth(peers, always)]).join('');
    expect(sequence).toBe('bbababab');
    expect(peers[0]!.effective).toBe(4);
  });
});

describe('deadline weighted round robin (Traefik weighted services)', () => {
  it.each([
    { weights: [3, 1], picks: 4, sequence: 'aaba' }, // Traefik's TestBalancer: 3 first, 1 second
    { weights: [1, 1], picks: 4, sequence: 'abab' },
    // These ties were replayed through Go's container/heap with Traefik's pick loop: same order.
    { weights: [5, 1, 1], picks: 14, sequence: 'aaaacabaaaaabc' },
    { weights: [2, 3, 5, 1], picks: 22, sequence: 'cbcacbcbcadcbcacbcbcad' },
    { weights: [1, 1, 1, 1, 1], picks: 10, sequence: 'aebdcdceab' },
    { weights: [1, 0], picks: 3, sequence: 'aaa' }, // TestBalancerOneServerZeroWeight
    { weights: [0, 0], picks: 1, sequence: '-' }, // TestBalancerAllServersZeroWeight
  ])('weights $weights pick $sequence', ({ weights, picks, sequence }) => {
    expect(deadlineSequence(weights, picks)).toBe(sequence);
  });

  it('splits 10,000 picks within 1% of the weights', () => {
    const weights = [90, 10];
    const scheduler = new DeadlineScheduler(weights);
    const split = shares(() => scheduler.pick(always), weights.length, 10_000);
    split.forEach((share, i) => expect(Math.abs(share - weights[i]! / 100)).toBeLessThan(0.01));
  });

  it('stays cheap when a very heavy child is down', () => {
    expect(deadlineSequence([1e12, 1], 3, (i) => i === 1)).toBe('bbb');
    expect(deadlineSequence([Infinity, 1], 2)).toBe('bb');
  });

  it('gives a down child\'s share to the others and -1 when all are down', () => {
    expect(deadlineSequence([3, 1], 4, (i) => i === 1)).toBe('bbbb');
    expect(deadlineSequence([3, 1], 2, () => false)).toBe('--');
  });
});
