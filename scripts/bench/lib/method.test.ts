import { describe, expect, it } from 'vitest';
import { interleave, median, medians, percentile, ratio, type RoundRecord, type Subject } from './method.ts';

const record = (round: number, subject: string, figures: Record<string, number>): RoundRecord => ({ round, subject, load1: 0, figures });

describe('the bench method', () => {
  it('warms every subject up first, then runs them in the same order every round', async () => {
    const calls: string[] = [];
    const subject = (name: string): Subject => ({ name, measure: (round) => (calls.push(`${name}${round}`), Promise.resolve({ ms: round })) });
    const seen: string[] = [];
    const records = await interleave([subject('weft'), subject('nginx')], { rounds: 3, warmup: 2, onRound: (r) => seen.push(`${r.subject}${r.round}`) });
    expect(calls).toEqual(['weft0', 'weft0', 'nginx0', 'nginx0', 'weft1', 'nginx1', 'weft2', 'nginx2', 'weft3', 'nginx3']);
    expect(seen).toEqual(['weft1', 'nginx1', 'weft2', 'nginx2', 'weft3', 'nginx3']);
    expect(records.map((r) => [r.round, r.subject, r.figures.ms])).toEqual([[1, 'weft', 1], [1, 'nginx', 1], [2, 'weft', 2], [2, 'nginx', 2], [3, 'weft', 3], [3, 'nginx', 3]]);
    expect(records.every((r) => Number.isFinite(r.load1))).toBe(true);
  });

  it('warms up once by default', async () => {
    const calls: number[] = [];
    await interleave([{ name: 'a', measure: (round) => (calls.push(round), Promise.resolve({})) }], { rounds: 1 });
    expect(calls).toEqual([0, 1]);
  });

  it('median of odd and even samples, ignoring non-finite values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([5, NaN, 1])).toBe(3);
    expect(median([])).toBeNaN();
  });

  it('nearest-rank percentiles', () => {
    const xs = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    expect(percentile(xs, 50)).toBe(5);
    expect(percentile(xs, 90)).toBe(9);
    expect(percentile(xs, 99)).toBe(10);
    expect(percentile(xs, 0)).toBe(1);
    expect([percentile([NaN, 2, 1], 0), percentile([NaN, 2, 1], 100)]).toEqual([1, 2]);
    expect(percentile([], 50)).toBeNaN();
  });

  it('ratios round by round, then their median and range', () => {
    const records = [
      record(1, 'weft', { rps: 60 }), record(1, 'nginx', { rps: 100 }),
      record(2, 'weft', { rps: 90 }), record(2, 'nginx', { rps: 100 }),
      record(3, 'weft', { rps: 80 }), record(3, 'nginx', { rps: 100 }),
      record(4, 'weft', { rps: 50 }), // no nginx round 4: no ratio for it
      record(5, 'weft', { rps: 50 }), record(5, 'nginx', { rps: 0 }), // a zero peer: no ratio
    ];
    const r = ratio(records, 'rps', 'weft', 'nginx');
    expect(r).toEqual({ pair: 'weft/nginx', metric: 'rps', median: 0.8, min: 0.6, max: 0.9, perRound: [0.6, 0.9, 0.8] });
    expect(medians(records, 'rps')).toEqual({ weft: 60, nginx: 100 });
  });

  it('a metric only one side has gives no ratio, NaN rather than an infinite range', () => {
    const r = ratio([record(1, 'weft', { add: 2 }), record(1, 'node', {})], 'add', 'weft', 'node');
    expect(r.perRound).toEqual([]);
    expect([r.median, r.min, r.max]).toEqual([NaN, NaN, NaN]);
  });
});
