// Every corpus case rendered by Go's text/template (the oracle, built here from source) and by
// weft's port must agree byte for byte: output, error-vs-success, and the full error text. And the
// golden files the unit test reads (src/gotemplate/testdata/golden/) must still be Go's answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allCases, goldenAnswers, goldenForm, knownDivergences, loadCorpus, renderWithWeft,
} from '../../src/gotemplate/testdata/corpus.ts';
import type { Rendered } from '../../src/gotemplate/testdata/corpus.ts';
import { buildOracle, goVersion, removeOracle, renderWithGo } from '../../src/gotemplate/testdata/oracle/oracle.ts';

const corpus = loadCorpus();
const cases = allCases(corpus);
const golden = goldenAnswers(corpus);
let goResults = new Map<string, Rendered>();
let compared = 0;

describe('Go text/template differential corpus', () => {
  beforeAll(() => {
    const binary = buildOracle();
    try {
      goResults = new Map(renderWithGo(binary, cases).map((r) => [r.id, r]));
    } finally {
      removeOracle(binary);
    }
  });

  afterAll(() => {
    process.stdout.write(
      `gotemplate differential: ${compared} of ${cases.length} cases byte-identical with ${goVersion()}; ` +
        `${knownDivergences.size} known divergences\n`,
    );
  });

  it('has golden files that hold Go answers of today', () => {
    const stale = cases
      .filter((c) => {
        const go = goResults.get(c.id);
        return go === undefined || JSON.stringify(goldenForm(go)) !== JSON.stringify(golden.get(c.id));
      })
      .map((c) => c.id);
    expect(stale, `golden files are stale for ${stale.length} cases: run \`npm run oracle\` and commit the result`).toEqual([]);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
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
