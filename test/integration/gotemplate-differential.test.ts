// Every corpus case rendered by Go's text/template (the oracle, built here from source) and by
// weft's port must agree byte for byte: output, error-vs-success, and the full error text.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOracle, goVersion, renderWithGo, renderWithWeft } from '../gotemplate/oracle.ts';
import type { Case, Rendered } from '../gotemplate/oracle.ts';

const gotemplateDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'gotemplate');
const corpusDir = join(gotemplateDir, 'corpus');
// Cases without a "data" key render test/gotemplate/default-data.json.
const defaultData: unknown = JSON.parse(readFileSync(join(gotemplateDir, 'default-data.json'), 'utf8'));

function loadCorpus(): Case[] {
  const cases: Case[] = [];
  for (const file of readdirSync(corpusDir).filter((f) => f.endsWith('.json')).sort()) {
    const list = JSON.parse(readFileSync(join(corpusDir, file), 'utf8')) as Case[];
    for (const c of list) {
      cases.push({ ...c, id: `${file.replace(/\.json$/, '')}/${c.id}`, data: 'data' in c ? c.data : defaultData });
    }
  }
  return cases;
}

// Cases where weft knowingly differs from Go 1.19; each must still differ (so a fix is noticed)
// and is listed in src/templates/gotemplate/README.md.
const knownDivergences: ReadonlyMap<string, string> = new Map<string, string>([]);

const corpus = loadCorpus();
const ids = new Set(corpus.map((c) => c.id));
let goResults = new Map<string, Rendered>();
let compared = 0;

describe('Go text/template differential corpus', () => {
  beforeAll(() => {
    const binary = buildOracle();
    goResults = new Map(renderWithGo(binary, corpus).map((r) => [r.id, r]));
  });

  afterAll(() => {
    process.stdout.write(
      `gotemplate differential: ${compared} of ${corpus.length} cases byte-identical with ${goVersion()}; ` +
        `${knownDivergences.size} known divergences\n`,
    );
  });

  it('has a large corpus with unique ids', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(300);
    expect(ids.size).toBe(corpus.length);
  });

  it.each(corpus.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const go = goResults.get(c.id);
    expect(go, 'the oracle answered this case').toBeDefined();
    expect(go?.phase, 'the case data is valid JSON').not.toBe('data');
    const ours = renderWithWeft(c);
    if (knownDivergences.has(c.id)) {
      expect(ours, `known divergence still diverges: ${knownDivergences.get(c.id)}`).not.toEqual(go);
      return;
    }
    expect({ ok: ours.ok, phase: ours.phase, err: ours.err, out: ours.out }).toEqual({
      ok: go?.ok,
      phase: go?.phase,
      err: go?.err,
      out: go?.out,
    });
    compared++;
  });
});
