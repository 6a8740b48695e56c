// The benchmark method every `npm run bench -- <name>` follows (docs/benchmarks.md):
// the system under test is its own process started through the real CLI; on two or more cores it is
// pinned to its own core(s) and the load generator/backends to the others, the peer likewise; rounds
// are interleaved (weft, peer, weft, peer, ...) after a warm-up of each subject; the machine's load
// is recorded before every round; the result is the median and range of per-round ratios.
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';

/** Cores of the machine, counted before anything pins this process (availableParallelism follows the mask). */
export const cores = availableParallelism();

/** The core plan: subject (weft or its peer) on the last core, the load generator on the others. */
export const coresFor = {
  subject: String(cores - 1),
  load: cores >= 2 ? (cores === 2 ? '0' : `0-${cores - 2}`) : '0',
} as const;

/** Pins every thread of `pid` to `cpuList` (taskset syntax); a no-op on a one-core machine. */
export function pin(pid: number | undefined, cpuList: string): void {
  if (pid === undefined || cores < 2) return;
  execFileSync('taskset', ['-a', '-p', '-c', cpuList, String(pid)], { stdio: 'ignore' });
}

/** `taskset -c <cpuList> command args...` as argv, or the command alone on a one-core machine. */
export function pinned(cpuList: string, command: string, args: readonly string[]): [string, string[]] {
  return cores < 2 ? [command, [...args]] : ['taskset', ['-c', cpuList, command, ...args]];
}

export type Figures = Record<string, number>;

export interface Subject {
  /** Short column name: 'weft', 'nginx', 'ceiling', ... */
  readonly name: string;
  /** One measured round (warm-up calls it too, and drops the figures). */
  measure(round: number): Promise<Figures>;
}

export interface RoundRecord {
  readonly round: number;
  readonly subject: string;
  /** 1-minute load average just before this subject's round. */
  readonly load1: number;
  readonly figures: Figures;
}

export interface InterleaveOptions {
  readonly rounds: number;
  /** Warm-up calls of each subject before round 1 (default 1). */
  readonly warmup?: number;
  /** Called after each measured round, e.g. to print it. */
  readonly onRound?: (record: RoundRecord) => void;
}

/** Runs every subject once per round, in the same order each round, after a warm-up of each. */
export async function interleave(subjects: readonly Subject[], options: InterleaveOptions): Promise<RoundRecord[]> {
  for (const subject of subjects) for (let i = 0; i < (options.warmup ?? 1); i++) await subject.measure(0);
  const records: RoundRecord[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const subject of subjects) {
      const load1 = loadavg()[0] ?? 0;
      const record: RoundRecord = { round, subject: subject.name, load1, figures: await subject.measure(round) };
      records.push(record);
      options.onRound?.(record);
    }
  }
  return records;
}

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/** Nearest-rank percentile (p in 0..100) of a sample. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

export interface Ratio {
  /** 'weft/nginx' */
  readonly pair: string;
  readonly metric: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly perRound: readonly number[];
}

/** Per-round ratios subject/peer of one metric, with their median and range. */
export function ratio(records: readonly RoundRecord[], metric: string, subject: string, peer: string): Ratio {
  const perRound: number[] = [];
  for (const mine of records.filter((r) => r.subject === subject)) {
    const theirs = records.find((r) => r.subject === peer && r.round === mine.round);
    const a = mine.figures[metric];
    const b = theirs?.figures[metric];
    if (a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b !== 0) perRound.push(a / b);
  }
  // No common round (a metric only one side has): NaN throughout, not Math.min()'s Infinity.
  const range = perRound.length === 0 ? { min: NaN, max: NaN } : { min: Math.min(...perRound), max: Math.max(...perRound) };
  return { pair: `${subject}/${peer}`, metric, median: median(perRound), ...range, perRound };
}

/** Median of one metric per subject. */
export function medians(records: readonly RoundRecord[], metric: string): Record<string, number> {
  const subjects = [...new Set(records.map((r) => r.subject))];
  return Object.fromEntries(subjects.map((s) => [s, median(records.filter((r) => r.subject === s).map((r) => r.figures[metric] ?? NaN))]));
}
