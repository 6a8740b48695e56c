import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RoundRecord } from './method.ts';
import { fmt, writeResult } from './result.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

const rounds: RoundRecord[] = [
  { round: 1, subject: 'weft', load1: 0.5, figures: { ms: 2 } },
  { round: 1, subject: 'etcd', load1: 0.5, figures: { ms: 1 } },
  { round: 2, subject: 'weft', load1: 0.7, figures: { ms: 3 } },
  { round: 2, subject: 'etcd', load1: 0.6, figures: { ms: 2 } },
];

describe('writeResult', () => {
  it('writes bench-results/<name>.json with medians, per-round ratios and goals', () => {
    vi.spyOn(process.stdout, 'write').mockReturnValue(true);
    const dir = mkdtempSync(join(tmpdir(), 'weft-result-test-'));
    dirs.push(dir);
    const result = writeResult(
      {
        bench: 'fixture', title: 'a fixture', versions: { etcd: '3.5.0' }, method: { rounds: 2 },
        metrics: [{ name: 'ms', unit: 'ms', better: 'lower' }], subjects: ['weft', 'etcd'], rounds, pairs: [['weft', 'etcd']],
        goals: (r) => [{ text: 'weft within 1 ms of etcd', met: (r.medians.ms?.weft ?? NaN) - (r.medians.ms?.etcd ?? NaN) <= 1 }],
      },
      dir,
    );
    const written = JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8')) as typeof result;
    expect(written).toEqual(JSON.parse(JSON.stringify(result)));
    expect(written.medians).toEqual({ ms: { weft: 2.5, etcd: 1.5 } });
    expect(written.ratios).toEqual([{ pair: 'weft/etcd', metric: 'ms', median: 1.75, min: 1.5, max: 2, perRound: [2, 1.5] }]);
    expect(written.goals).toEqual([{ text: 'weft within 1 ms of etcd', met: true }]);
    expect(written.versions).toMatchObject({ etcd: '3.5.0', node: process.version });
    expect(written.machine.cores).toBeGreaterThan(0);
    expect(written.rounds).toEqual(rounds);
  });

  it('formats figures by size', () => {
    expect([fmt(1234.5), fmt(12.34), fmt(1.234), fmt(NaN)]).toEqual(['1235', '12.3', '1.23', 'n/a']);
  });
});
