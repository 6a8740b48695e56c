import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { chartPoints, chartSvg } from './lib/chart.ts';
import { renderDirectory } from './lib/render.ts';
import type { RoundRecord } from './lib/method.ts';
import { markdown, markdownTable, notABenchResult, tableRows } from './lib/report.ts';
import { writeResult, type BenchResult } from './lib/result.ts';

const dir = mkdtempSync(join(tmpdir(), 'weft-report-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rounds = (subjects: Record<string, Record<string, number>[]>): RoundRecord[] =>
  Object.entries(subjects).flatMap(([subject, perRound]) => perRound.map((figures, i) => ({ round: i + 1, subject, load1: 1 + i, figures })));

/** Written and read back as the report reads it: through JSON, where NaN becomes null. */
function fixture(input: Parameters<typeof writeResult>[0]): BenchResult {
  vi.spyOn(process.stdout, 'write').mockReturnValueOnce(true);
  writeResult(input, dir);
  return JSON.parse(readFileSync(join(dir, `${input.bench}.json`), 'utf8')) as BenchResult;
}

const proxy = fixture({
  bench: 'proxy', title: 'reverse proxies', versions: { nginx: '1.26.3' }, method: { seconds: 10, pinned: 'subject core 1' },
  metrics: [{ name: 'rps', unit: 'req/s', better: 'higher' }, { name: 'p99', unit: 'ms', better: 'lower', label: 'p99 latency' }],
  subjects: ['weft', 'nginx'], pairs: [['weft', 'nginx']],
  rounds: rounds({ weft: [{ rps: 60, p99: 2 }, { rps: 90, p99: 3 }, { rps: 70, p99: 2 }], nginx: [{ rps: 100, p99: 1 }, { rps: 100, p99: 1 }, { rps: 100, p99: 2 }] }),
  goals: (r) => [{ text: 'weft rps >= 0.5x nginx', met: (r.ratios[0]?.median ?? 0) >= 0.5 }],
});
const cni = fixture({
  bench: 'cni', title: 'CNI ADD', method: { cycles: 2 },
  metrics: [{ name: 'addP50', unit: 'ms', better: 'lower' }, { name: 'delP50', unit: 'ms', better: 'lower' }],
  subjects: ['weft', 'reference', 'node -e 0'], pairs: [['weft', 'reference'], ['node -e 0', 'reference']],
  rounds: rounds({ weft: [{ addP50: 90, delP50: 40 }], reference: [{ addP50: 30, delP50: 20 }], 'node -e 0': [{ addP50: 45 }] }),
  goals: () => [{ text: 'ADD p50 <= 1.5x reference', met: false }],
});

describe('npm run bench -- report', () => {
  it('knows a BenchResult from the older shapes', () => {
    expect(notABenchResult(proxy)).toBeUndefined();
    expect(notABenchResult(cni)).toBeUndefined();
    expect(notABenchResult({ date: 'x', changes: 200, p50: 3 })).toMatch(/bench/);
    expect(notABenchResult({ ...proxy, rounds: [{ round: 1 }] })).toMatch(/rounds/);
    expect(notABenchResult({ ...proxy, metrics: [{ name: 'rps', unit: 'req/s', better: 'more' }] })).toMatch(/metrics/);
    expect(notABenchResult([])).toMatch(/object/);
  });

  it('one table row per metric: medians of each subject, per-round ratio median and range, goals', () => {
    expect(tableRows(proxy).map((row) => row.slice(0, 7))).toEqual([
      ['proxy', 'rps', 'req/s', 'higher', 'weft 70.0 · nginx 100', 'weft/nginx 0.70x (0.60–0.90)', 'met: weft rps >= 0.5x nginx'],
      ['', 'p99 latency', 'ms', 'lower', 'weft 2.00 · nginx 1.00', 'weft/nginx 2.00x (1.00–3.00)', ''],
    ]);
    const [first] = tableRows(proxy);
    expect(first?.slice(7)).toEqual([proxy.date.slice(0, 16).replace('T', ' '), '2.0 (1.0–3.0)', `${proxy.machine.cores} × ${proxy.machine.cpu.replaceAll('|', '\\|')}`]);
  });

  it('a subject without the metric shows n/a and no ratio', () => {
    const [add, del] = tableRows(cni);
    expect(add?.[4]).toBe('weft 90.0 · reference 30.0 · node -e 0 45.0');
    expect(add?.[5]).toBe('weft/reference 3.00x (3.00–3.00)<br>node -e 0/reference 1.50x (1.50–1.50)');
    expect(add?.[6]).toBe('NOT met: ADD p50 <= 1.5x reference');
    expect(del?.[4]).toBe('weft 40.0 · reference 20.0 · node -e 0 n/a');
    expect(del?.[5]).toBe('weft/reference 2.00x (2.00–2.00)');
  });

  it('one Markdown table over every bench, a section per bench, skipped files named', () => {
    const table = markdownTable([proxy, cni]).split('\n');
    expect(table[0]).toBe('| bench | metric | unit | better | medians | ratio median (range) | goals | date | load | machine |');
    expect(table).toHaveLength(2 + 4);
    expect(table.every((line) => line.split(/(?<!\\)\|/).length === 12)).toBe(true);
    const md = markdown([proxy, cni], ['chaos.json']);
    expect(md).toContain('![proxy](proxy.svg)');
    expect(md).toContain('- versions: weft ');
    expect(md).toContain('nginx 1.26.3');
    expect(md).toContain('- method: seconds 10; pinned subject core 1; 3 measured rounds');
    expect(md).toContain('chaos.json');
  });

  it('charts the main metric round by round, each subject in its own marks, ratio in the title', async () => {
    expect(chartPoints(cni)).toEqual([{ round: 1, subject: 'weft', value: 90 }, { round: 1, subject: 'reference', value: 30 }, { round: 1, subject: 'node -e 0', value: 45 }]);
    const svg = await chartSvg(proxy);
    expectWellFormedSvg(svg);
    for (const subject of proxy.subjects) {
      expect(svg.match(new RegExp(`<path aria-label="[^"]*subject: ${subject}"`, 'g'))).toHaveLength(3);
    }
    expect(svg).toContain('aria-label="round: 2; rps (req/s): 90; subject: weft"');
    expect(svg).toContain('weft/nginx 0.70x (0.60–0.90)');
    expectWellFormedSvg(await chartSvg(cni));
  });

  it('renders a directory: a chart per BenchResult, one README, other shapes named and skipped', async () => {
    const out = join(dir, 'results');
    mkdirSync(out);
    writeFileSync(join(out, 'proxy.json'), JSON.stringify(proxy));
    writeFileSync(join(out, 'cni.json'), JSON.stringify(cni));
    writeFileSync(join(out, 'chaos.json'), JSON.stringify({ scenarios: [] }));
    writeFileSync(join(out, 'broken.json'), '{');
    const warnings: string[] = [];
    const rendered = await renderDirectory(out, (line) => warnings.push(line));
    expect(rendered.results.map((r) => r.bench)).toEqual(['cni', 'proxy']);
    expect(rendered.skipped).toEqual(['broken.json', 'chaos.json']);
    expect(warnings).toEqual([expect.stringMatching(/broken\.json skipped: .*unreadable JSON/), expect.stringMatching(/chaos\.json skipped: .*no string 'bench'/)]);
    expect(rendered.written).toEqual([join(out, 'cni.svg'), join(out, 'proxy.svg'), join(out, 'README.md')]);
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    expect(readme).toContain(markdownTable([cni, proxy]));
    expectWellFormedSvg(readFileSync(join(out, 'proxy.svg'), 'utf8'));
  });
});

/** The tags nest and close; text holds no raw markup characters. */
function expectWellFormedSvg(svg: string): void {
  expect(svg.startsWith('<svg ')).toBe(true);
  const stack: string[] = [];
  for (const [text] of svg.matchAll(/<[^>]*>|[^<]+/g)) {
    const tag = text.startsWith('<') ? text : undefined;
    if (tag === undefined) {
      expect(text).not.toMatch(/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i);
      continue;
    }
    const name = /^<\/?([\w:-]+)/.exec(tag)?.[1];
    expect(name, tag).toBeDefined();
    if (tag.startsWith('</')) expect(stack.pop(), tag).toBe(name);
    else if (!tag.endsWith('/>')) stack.push(name!);
  }
  expect(stack).toEqual([]);
  // Self-contained: nothing to fetch when it is shown (only the two namespace URIs).
  expect(svg.match(/https?:\/\/[^"]*/g)).toEqual(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink']);
  expect(svg).not.toMatch(/@import|url\(|<image/);
}
