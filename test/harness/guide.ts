// docs/migrating.md's procedures are tests: each section's first ```sh block is run as written.
// This reads such a block into steps (a `$ command` line and the output lines printed under it).
import { readFileSync } from 'node:fs';

export interface GuideStep {
  readonly argv: string[];
  readonly expected: string[];
}

/** Splits a shell line into words (single quotes only, as the guide writes them). */
export function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

/** The steps of the first ```sh block after the heading `section` (e.g. '## From confd'). */
export function guideSteps(section: string): GuideStep[] {
  const guide = readFileSync(new URL('../../docs/migrating.md', import.meta.url), 'utf8');
  const at = guide.indexOf(`\n${section}\n`);
  if (at < 0) throw new Error(`docs/migrating.md has no section "${section}"`);
  const block = /```sh\n([\s\S]*?)```/.exec(guide.slice(at))?.[1] ?? '';
  const out: GuideStep[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('$ ')) out.push({ argv: words(line.slice(2).replace(/ &$/, '')), expected: [] });
    else if (line.trim() !== '') out.at(-1)?.expected.push(line);
  }
  return out;
}
