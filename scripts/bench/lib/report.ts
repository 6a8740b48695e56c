// The report's pure half: which JSON files are BenchResults, and the Markdown they become (one table
// over every bench, then a section per bench with its chart, method, versions and goals). JSON has
// no NaN, so a figure may come back as null: every number here goes through `num`.
import { fmt, type BenchResult } from './result.ts';

export function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : NaN;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const arrayOf = (value: unknown, each: (item: unknown) => boolean): boolean => Array.isArray(value) && value.every(each);
const isString = (value: unknown): value is string => typeof value === 'string';

/** Why `value` is not a BenchResult, or undefined when it is one (older benches wrote other shapes). */
export function notABenchResult(value: unknown): string | undefined {
  if (!isObject(value)) return 'not a JSON object';
  for (const key of ['bench', 'title', 'date'] as const) if (!isString(value[key])) return `no string '${key}'`;
  for (const key of ['machine', 'versions', 'method', 'medians'] as const) if (!isObject(value[key])) return `no object '${key}'`;
  if (!arrayOf(value.metrics, (m) => isObject(m) && isString(m.name) && isString(m.unit) && (m.better === 'higher' || m.better === 'lower'))) return "no 'metrics' (name, unit, better)";
  if (!arrayOf(value.subjects, isString) || (value.subjects as unknown[]).length === 0) return "no 'subjects'";
  if (!arrayOf(value.rounds, (r) => isObject(r) && typeof r.round === 'number' && isString(r.subject) && isObject(r.figures))) return "no 'rounds' (round, subject, figures)";
  if (!arrayOf(value.ratios, (r) => isObject(r) && isString(r.pair) && isString(r.metric) && Array.isArray(r.perRound))) return "no 'ratios' (pair, metric, perRound)";
  if (!arrayOf(value.goals, (g) => isObject(g) && isString(g.text) && typeof g.met === 'boolean')) return "no 'goals' (text, met)";
  return undefined;
}

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

export function ratioText(r: BenchResult['ratios'][number]): string {
  return `${r.pair} ${num(r.median).toFixed(2)}x (${num(r.min).toFixed(2)}–${num(r.max).toFixed(2)})`;
}

/** Median and range of the 1-minute load recorded before each round. */
export function loadText(result: BenchResult): string {
  const loads = result.rounds.map((r) => num(r.load1)).filter(Number.isFinite).sort((a, b) => a - b);
  if (loads.length === 0) return 'n/a';
  const mid = loads.length >> 1;
  const median = loads.length % 2 === 1 ? loads[mid]! : (loads[mid - 1]! + loads[mid]!) / 2;
  return `${median.toFixed(1)} (${loads[0]!.toFixed(1)}–${loads.at(-1)!.toFixed(1)})`;
}

export const tableHeader = ['bench', 'metric', 'unit', 'better', 'medians', 'ratio median (range)', 'goals', 'date', 'load', 'machine'];

/** One row per metric of every bench; goals, date, load and machine on the bench's first row. */
export function tableRows(result: BenchResult): string[][] {
  return result.metrics.map((metric, index) => {
    const medians = result.subjects.map((s) => `${s} ${fmt(num(result.medians[metric.name]?.[s]))}`).join(' · ');
    const ratios = result.ratios.filter((r) => r.metric === metric.name && r.perRound.length > 0).map(ratioText).join('<br>');
    const first = index === 0;
    return [
      first ? result.bench : '',
      metric.label ?? metric.name,
      metric.unit,
      metric.better,
      medians,
      ratios || '–',
      first ? result.goals.map((g) => `${g.met ? 'met' : 'NOT met'}: ${g.text}`).join('<br>') || '–' : '',
      first ? result.date.slice(0, 16).replace('T', ' ') : '',
      first ? loadText(result) : '',
      first ? `${result.machine.cores} × ${result.machine.cpu}` : '',
    ].map(cell);
  });
}

export function markdownTable(results: readonly BenchResult[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(tableHeader), line(tableHeader.map(() => '---')), ...results.flatMap(tableRows).map(line)].join('\n');
}

export function section(result: BenchResult): string {
  // Long values (a conflist as JSON) as code, so Markdown leaves them alone.
  const entries = (record: Record<string, unknown>): string => Object.entries(record).map(([k, v]) => `${k} ${String(v).length > 60 ? `\`${String(v)}\`` : String(v)}`).join('; ');
  const perSubject = [...new Set(result.rounds.map((r) => r.round))].length;
  return [
    `## ${result.bench}: ${result.title}`,
    '',
    `![${result.bench}](${result.bench}.svg)`,
    '',
    `- method: ${entries(result.method)}; ${perSubject} measured rounds of each subject, interleaved`,
    `- versions: ${entries(result.versions)}`,
    `- machine: ${result.machine.cores} × ${result.machine.cpu}, kernel ${result.machine.kernel}, ${result.machine.memoryMB} MiB`,
    ...(result.goals.length > 0 ? [`- goals: ${result.goals.map((g) => `${g.text}: ${g.met ? 'met' : 'NOT met'}`).join('; ')}`] : []),
    `- data: [${result.bench}.json](${result.bench}.json)`,
  ].join('\n');
}

export function markdown(results: readonly BenchResult[], skipped: readonly string[]): string {
  return [
    '# Benchmark results',
    '',
    'Written by `npm run bench -- report` from the `*.json` beside it; the method is in',
    '[docs/benchmarks.md](../docs/benchmarks.md). Ratios are per round (subject/peer, same round), then',
    'their median and range; "load" is the 1-minute load average recorded before each round.',
    '',
    markdownTable(results),
    ...(skipped.length > 0 ? ['', `Skipped, not in the BenchResult shape (written before the shared method; re-run them): ${skipped.join(', ')}.`] : []),
    '',
    ...results.flatMap((r) => [section(r), '']),
  ].join('\n');
}
