// The report's file half: every <name>.json of a directory in the BenchResult shape becomes
// <name>.svg, and all of them README.md; a file in another shape is named in a warning and skipped.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chartSvg } from './chart.ts';
import { markdown, notABenchResult } from './report.ts';
import type { BenchResult } from './result.ts';

export interface Rendered {
  readonly results: readonly BenchResult[];
  readonly skipped: readonly string[];
  /** Paths written: one SVG per bench, then README.md. */
  readonly written: readonly string[];
}

export async function renderDirectory(directory: string, warn: (line: string) => void): Promise<Rendered> {
  const results: BenchResult[] = [];
  const skipped: string[] = [];
  for (const file of readdirSync(directory).filter((f) => f.endsWith('.json')).sort()) {
    let value: unknown;
    let why: string | undefined;
    try {
      value = JSON.parse(readFileSync(join(directory, file), 'utf8'));
      why = notABenchResult(value);
    } catch (error) {
      why = `unreadable JSON: ${(error as Error).message}`;
    }
    if (why === undefined) results.push(value as BenchResult);
    else {
      skipped.push(file);
      warn(`warning: ${join(directory, file)} skipped: not a BenchResult (${why})`);
    }
  }
  const written: string[] = [];
  for (const result of results) {
    const file = join(directory, `${result.bench}.svg`);
    writeFileSync(file, await chartSvg(result));
    written.push(file);
  }
  writeFileSync(join(directory, 'README.md'), markdown(results, skipped));
  written.push(join(directory, 'README.md'));
  return { results, skipped, written };
}
