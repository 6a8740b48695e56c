// Every corpus case rendered by weft must equal Go's answer recorded in testdata/golden/ byte for
// byte: output, success or failure, and the full error text. Needs no Go: `npm run oracle` wrote
// the goldens, and test/integration/gotemplate-differential.test.ts keeps them current.
import { describe, expect, it } from 'vitest';
import { allCases, goldenAnswers, goldenForm, goldenNames, knownDivergences, loadCorpus, readGolden, renderWithWeft } from './testdata/corpus.ts';

const corpus = loadCorpus();
const cases = allCases(corpus);
const golden = goldenAnswers(corpus);
const regenerate = 'run `npm run oracle` to regenerate the golden files from Go';

describe('the corpus and its golden files', () => {
  it('has a large corpus with unique ids', () => {
    expect(cases.length).toBeGreaterThanOrEqual(300);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });

  it('has one golden file per corpus file, answering its cases in order', () => {
    expect(goldenNames(), regenerate).toEqual(corpus.map((f) => f.name));
    for (const file of corpus) {
      const ids = readGolden(file.name)?.results.map((r) => r.id);
      expect(ids, `golden/${file.name}.json: ${regenerate}`).toEqual(file.cases.map((c) => c.id.slice(file.name.length + 1)));
    }
  });

  it('holds only cases whose data Go could read', () => {
    expect([...golden.values()].filter((r) => r.phase === 'data')).toEqual([]);
  });
});

describe('weft renders every corpus case as Go did', () => {
  it.each(cases.map((c) => [c.id, c] as const))('%s', (id, c) => {
    const theirs = golden.get(id);
    expect(theirs, `no golden answer for ${id}: ${regenerate}`).toBeDefined();
    const ours = goldenForm(renderWithWeft(c));
    if (knownDivergences.has(id)) {
      expect(ours, `known divergence still diverges: ${knownDivergences.get(id)}`).not.toEqual(theirs);
      return;
    }
    expect(ours).toEqual(theirs);
  });
});
