// `npm run bench -- report [directory=bench-results]`: renders every bench-results/<name>.json in
// the shared BenchResult shape (scripts/bench/lib/result.ts) into bench-results/README.md (one
// Markdown table over all benches, then a section per bench) and bench-results/<name>.svg (a
// vega-lite chart per bench). Files in another shape are named in a one-line warning and skipped.
// Pure file work in this process: nothing is measured here.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chartSvg } from './lib/chart.ts';
import { markdown, notABenchResult } from './lib/report.ts';
import type { BenchResult } from './lib/result.ts';

const directory = process.argv[2] ?? 'bench-results';
const results: BenchResult[] = [];
const skipped: string[] = [];
for (const file of readdirSync(directory).filter((f) => f.endsWith('.json')).sort()) {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(join(directory, file), 'utf8'));
  } catch (error) {
    value = (error as Error).message;
  }
  const why = typeof value === 'string' ? `unreadable JSON: ${value}` : notABenchResult(value);
  if (why === undefined) results.push(value as BenchResult);
  else {
    skipped.push(file);
    process.stderr.write(`warning: ${join(directory, file)} skipped: not a BenchResult (${why})\n`);
  }
}
for (const result of results) {
  const file = join(directory, `${result.bench}.svg`);
  writeFileSync(file, await chartSvg(result));
  process.stdout.write(`wrote ${file}\n`);
}
writeFileSync(join(directory, 'README.md'), markdown(results, skipped));
process.stdout.write(`wrote ${join(directory, 'README.md')}: ${results.length} benches, ${skipped.length} skipped\n`);
