// bench-results/<name>.json: one shape for every bench, so `npm run bench -- report` can render them
// all (a Markdown table and one SVG chart per bench) without knowing any of them.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { cores, medians, ratio, type Ratio, type RoundRecord } from './method.ts';

export interface Metric {
  /** Key in RoundRecord.figures. */
  readonly name: string;
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  readonly label?: string;
}

export interface Goal {
  readonly text: string;
  readonly met: boolean;
}

export interface BenchResult {
  readonly bench: string;
  readonly title: string;
  readonly date: string;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly kernel: string; readonly memoryMB: number; readonly loadAverage: readonly number[] };
  readonly versions: Record<string, string>;
  /** How it was run: pinning, rounds, warm-up, durations, sizes. Free-form, shown in the report. */
  readonly method: Record<string, string | number | boolean>;
  readonly metrics: readonly Metric[];
  /** The subject first, then its peers, in the order of the table's columns. */
  readonly subjects: readonly string[];
  readonly rounds: readonly RoundRecord[];
  readonly medians: Record<string, Record<string, number>>;
  readonly ratios: readonly Ratio[];
  readonly goals: readonly Goal[];
}

export function machine(): BenchResult['machine'] {
  return { cpu: cpus()[0]?.model.trim() ?? 'unknown', cores, kernel: release(), memoryMB: Math.round(totalmem() / 2 ** 20), loadAverage: loadavg() };
}

export function packageVersion(name: string): string {
  try {
    const file = new URL(`../../../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function weftVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export interface ResultInput {
  readonly bench: string;
  readonly title: string;
  readonly versions?: Record<string, string>;
  readonly method: BenchResult['method'];
  readonly metrics: readonly Metric[];
  readonly subjects: readonly string[];
  readonly rounds: readonly RoundRecord[];
  /** [subject, peer] pairs to report per-round ratios for, for every metric. */
  readonly pairs: readonly (readonly [string, string])[];
  readonly goals?: (result: Omit<BenchResult, 'goals'>) => Goal[];
}

/** Builds the result (medians, ratios of every pair and metric), prints its summary, writes the JSON. */
export function writeResult(input: ResultInput, directory = 'bench-results'): BenchResult {
  const base = {
    bench: input.bench,
    title: input.title,
    date: new Date().toISOString(),
    machine: machine(),
    versions: { weft: weftVersion(), node: process.version, ...input.versions },
    method: input.method,
    metrics: input.metrics,
    subjects: input.subjects,
    rounds: input.rounds,
    medians: Object.fromEntries(input.metrics.map((m) => [m.name, medians(input.rounds, m.name)])),
    ratios: input.metrics.flatMap((m) => input.pairs.map(([a, b]) => ratio(input.rounds, m.name, a, b))),
  };
  const result: BenchResult = { ...base, goals: input.goals?.(base) ?? [] };
  const lines: string[] = [];
  for (const m of input.metrics) {
    lines.push(`median ${m.label ?? m.name} (${m.unit}): ${input.subjects.map((s) => `${s} ${fmt(result.medians[m.name]?.[s] ?? NaN)}`).join('   ')}`);
  }
  for (const r of result.ratios.filter((x) => x.perRound.length > 0)) lines.push(`ratio ${r.pair} ${r.metric}: median ${r.median.toFixed(2)}x, range ${r.min.toFixed(2)}-${r.max.toFixed(2)}x over ${r.perRound.length} rounds`);
  for (const g of result.goals) lines.push(`goal: ${g.text}: ${g.met ? 'met' : 'NOT met'}`);
  mkdirSync(directory, { recursive: true });
  const file = join(directory, `${input.bench}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${lines.join('\n')}\nwrote ${file}\n`);
  return result;
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  const abs = Math.abs(n);
  return abs >= 100 ? n.toFixed(0) : abs >= 10 ? n.toFixed(1) : n.toFixed(2);
}
