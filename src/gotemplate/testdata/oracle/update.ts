// `npm run oracle`: renders every corpus case with Go's text/template and rewrites the golden
// files (testdata/golden/<name>.json) from Go's answers, then says what changed.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { goldenDir, goldenForm, goldenNames, goldenPath, goldenText, loadCorpus, readGolden } from '../corpus.ts';
import type { Golden } from '../corpus.ts';
import { buildOracle, goRelease, removeOracle, renderWithGo } from './oracle.ts';

interface Change {
  added: string[];
  removed: string[];
  changed: string[];
}

/** Which case ids appear, vanish or get another answer between two goldens. */
function goldenChanges(before: Golden | undefined, after: Golden): Change {
  const old = new Map((before?.results ?? []).map((r) => [r.id, JSON.stringify(r)]));
  const now = new Map(after.results.map((r) => [r.id, JSON.stringify(r)]));
  return {
    added: [...now.keys()].filter((id) => !old.has(id)),
    removed: [...old.keys()].filter((id) => !now.has(id)),
    changed: [...now].filter(([id, text]) => old.has(id) && old.get(id) !== text).map(([id]) => id),
  };
}

function update(binary: string): void {
  const corpus = loadCorpus();
  const go = goRelease();
  mkdirSync(goldenDir, { recursive: true });
  const lines: string[] = [];
  let total = 0;
  let touched = 0;
  for (const file of corpus) {
    const prefix = `${file.name}/`;
    const results = renderWithGo(binary, file.cases).map((r) => goldenForm(r, r.id.slice(prefix.length)));
    const bad = results.find((r) => r.phase === 'data');
    if (bad !== undefined) throw new Error(`corpus/${file.name}.json case ${bad.id}: ${bad.err ?? 'bad data'}`);
    const before = readGolden(file.name);
    const after: Golden = { go, results };
    const change = goldenChanges(before, after);
    total += results.length;
    const parts = [
      change.added.length > 0 ? `${change.added.length} new` : '',
      change.removed.length > 0 ? `${change.removed.length} removed (${change.removed.join(', ')})` : '',
      change.changed.length > 0 ? `${change.changed.length} changed (${change.changed.join(', ')})` : '',
    ].filter((p) => p !== '');
    if (before === undefined || goldenText(before) !== goldenText(after)) {
      writeFileSync(goldenPath(file.name), goldenText(after));
      touched++;
      lines.push(`  golden/${file.name}.json: ${parts.length > 0 ? parts.join(', ') : `rewritten (${go})`}`);
    }
  }
  const stale = goldenNames().filter((name) => !corpus.some((f) => f.name === name));
  for (const name of stale) {
    rmSync(goldenPath(name));
    lines.push(`  golden/${name}.json: removed (no corpus/${name}.json)`);
  }
  process.stdout.write(
    `gotemplate oracle (${go}): ${total} cases in ${corpus.length} files; ` +
      `${touched + stale.length === 0 ? 'all goldens current' : `${touched + stale.length} golden files written`}\n` +
      lines.map((l) => `${l}\n`).join(''),
  );
}

const oracle = buildOracle();
try {
  update(oracle);
} finally {
  removeOracle(oracle);
}
