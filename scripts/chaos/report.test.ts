import { describe, expect, it } from 'vitest';
import { renderReliability, type Results } from './report.ts';

const environment = { date: '2026-12-06T09:00:00Z', weft: '0.1.0', node: 'v24.1.0', etcd: '3.4.23', kernel: '6.1.0', command: 'npm run chaos' };

describe('docs/reliability.md', () => {
  it('has one row per scenario, in the listed order, with the figures, the verdict and the versions', () => {
    const results: Results = {
      environment,
      rows: [
        { scenario: 'kill-9', goal: 'uninterrupted', seen: ['0 / 100 pings lost', 'a|b'], pass: false, seconds: 12.4 },
        { scenario: 'etcd-outage', goal: '0 lost', seen: ['0 / 600 pings lost'], pass: true, seconds: 70, note: 'short', date: environment.date },
        { scenario: 'disk-full', goal: 'old file intact', seen: ['intact'], pass: true, seconds: 1, date: '2026-12-05T10:00:00Z' },
      ],
    };
    const text = renderReliability(results, [{ name: 'etcd-outage', goal: '0 lost' }, { name: 'kill-9', goal: 'uninterrupted' }, { name: 'disk-full', goal: 'old file intact' }, { name: 'dns-fuzz', goal: '0 crashes' }]);
    const rows = text.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| scenario') && !l.startsWith('| ---'));
    expect(rows).toEqual([
      '| etcd-outage | 0 lost | 0 / 600 pings lost<br>(short) | pass (70 s) |',
      '| kill-9 | uninterrupted | 0 / 100 pings lost<br>a\\|b | **FAIL** (12 s) |',
      '| disk-full | old file intact | intact<br>(measured 2026-12-05T10:00:00Z) | pass (1 s) |',
      '| dns-fuzz | 0 crashes | not run | — |',
    ]);
    expect(text).toContain('weft 0.1.0, Node v24.1.0, etcd 3.4.23, Linux 6.1.0');
    expect(text).toContain('2026-12-06T09:00:00Z');
  });
});
