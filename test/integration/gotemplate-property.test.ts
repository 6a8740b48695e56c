// Random templates from a grammar of text/template, over random JSON data, rendered by Go and by
// weft: output, success and error text must match. Seeded and bounded, so every run is the same;
// set GOTEMPLATE_PROPERTY_SEED to explore other seeds.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderWithWeft } from '../../src/gotemplate/testdata/corpus.ts';
import type { Case, Rendered } from '../../src/gotemplate/testdata/corpus.ts';
import { buildOracle, removeOracle, renderWithGo } from '../../src/gotemplate/testdata/oracle/oracle.ts';

const seed = Number(process.env['GOTEMPLATE_PROPERTY_SEED'] ?? 20240611);
const numRuns = 600;

const keys = ['a', 'b', 'n', 's', 'list', 'm'] as const;

const scalar = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e25, max: 1e25 }),
  fc.constantFrom(0, 0.1, 1e7, 1e21, 1e-5, 123456789, 2.5, -0.5),
  fc.string({ maxLength: 6 }),
  fc.constantFrom('', 'x', 'héllo', '<&>"\'', 'a b', '✓'),
  fc.boolean(),
  fc.constant(null),
);

const jsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...keys), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const data = fc.record(Object.fromEntries(keys.map((k) => [k, jsonValue])), { requiredKeys: [] });

const field = fc.oneof(
  fc.constantFrom('.', '$'),
  fc.constantFrom(...keys).map((k) => `.${k}`),
  fc.tuple(fc.constantFrom(...keys), fc.constantFrom(...keys)).map(([a, b]) => `.${a}.${b}`),
);

const literal = fc.oneof(
  fc.integer({ min: -20, max: 300 }).map(String),
  fc.constantFrom('1.5', '1e3', '0x1F', "'a'", '"str"', '""', '`raw`', 'true', 'false', 'nil', '-0.25', '3.0'),
);

const verb = fc
  .tuple(
    fc.subarray(['-', '+', '#', ' ', '0']),
    fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
    fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
    fc.constantFrom(...'vsqdxXobeEfFgGtcUT%'.split('')),
  )
  .map(([flags, width, prec, v]) => `%${flags.join('')}${width ?? ''}${prec !== undefined ? `.${prec}` : ''}${v}`);

const format = fc.array(fc.oneof(verb, fc.constantFrom(' ', '|', 'x')), { minLength: 1, maxLength: 4 }).map((p) => JSON.stringify(p.join('')));

const pipeline: fc.Arbitrary<string> = fc.letrec<{ arg: string; cmd: string; pipe: string }>((tie) => ({
  arg: fc.oneof({ depthSize: 'small' }, field, literal, tie('pipe').map((p) => `(${p})`)),
  // Weighted towards commands that usually succeed, so most templates render to the end.
  cmd: fc.oneof(
    { depthSize: 'small' },
    { arbitrary: field, weight: 4 },
    { arbitrary: literal, weight: 2 },
    {
      arbitrary: fc.tuple(fc.constantFrom('not', 'html', 'js', 'urlquery', 'print', 'println', 'len'), tie('arg'))
        .map(([f, a]) => `${f} ${a}`),
      weight: 3,
    },
    {
      arbitrary: fc.tuple(fc.constantFrom('and', 'or', 'print', 'eq', 'ne', 'lt', 'index', 'slice', 'add', 'join ","'), tie('arg'), tie('arg'))
        .map(([f, a, b]) => `${f} ${a} ${b}`),
      weight: 2,
    },
    { arbitrary: fc.tuple(format, fc.array(tie('arg'), { maxLength: 3 })).map(([f, args]) => ['printf', f, ...args].join(' ')), weight: 3 },
  ),
  pipe: fc.oneof(
    { depthSize: 'small' },
    tie('cmd'),
    fc.tuple(tie('cmd'), fc.constantFrom('len', 'print', 'printf "%v"', 'html', 'not', 'eq 1.0', 'index .list', 'or 0'))
      .map(([c, f]) => `${c} | ${f}`),
  ),
})).pipe;

const text = fc.constantFrom('', 'x', ' ', '\n', ' - ', 'ü', '  \n\t');
const open = fc.constantFrom('{{', '{{- ');
const close = fc.constantFrom('}}', ' -}}');

const body: fc.Arbitrary<string> = fc.letrec<{ node: string; list: string }>((tie) => ({
  list: fc.array(tie('node'), { maxLength: 4 }).map((n) => n.join('')),
  node: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.tuple(open, pipeline, close).map(([o, p, c]) => `${o}${p}${c}`),
    fc.tuple(pipeline, tie('list'), fc.option(tie('list'), { nil: undefined }))
      .map(([p, l, e]) => `{{if ${p}}}${l}${e !== undefined ? `{{else}}${e}` : ''}{{end}}`),
    fc.tuple(pipeline, tie('list'), fc.option(tie('list'), { nil: undefined }))
      .map(([p, l, e]) => `{{with ${p}}}${l}${e !== undefined ? `{{else}}${e}` : ''}{{end}}`),
    fc.tuple(pipeline, tie('list'), fc.option(tie('list'), { nil: undefined }), fc.boolean())
      .map(([p, l, e, vars]) => `{{range ${vars ? '$i, $e := ' : ''}${p}}}${l}${vars ? '{{$i}}={{$e}}' : ''}${e !== undefined ? `{{else}}${e}` : ''}{{end}}`),
    fc.tuple(pipeline, tie('list')).map(([p, l]) => `{{$v := ${p}}}${l}{{$v}}`),
  ),
})).list;

const cases: Case[] = fc
  .sample(fc.tuple(body, data, fc.constantFrom(undefined, 'zero', 'error')), { seed, numRuns })
  .map(([text, d, missingkey], i) => ({ id: `p${i}`, text, data: d, ...(missingkey !== undefined ? { missingkey } : {}) }));

describe('random templates agree with Go', () => {
  let go: Rendered[] = [];

  beforeAll(() => {
    const binary = buildOracle();
    try {
      go = renderWithGo(binary, cases);
    } finally {
      removeOracle(binary);
    }
  });

  it(`renders ${numRuns} generated templates like Go (seed ${seed})`, () => {
    const mismatches = cases.flatMap((c, i) => {
      const theirs = go[i] as Rendered;
      const ours = renderWithWeft(c);
      const same = ours.ok === theirs.ok && ours.out === theirs.out && ours.err === theirs.err && ours.phase === theirs.phase;
      return same ? [] : [{ text: c.text, data: c.data, missingkey: c.missingkey, go: theirs, weft: ours }];
    });
    const errors = go.filter((r) => !r.ok).length;
    process.stdout.write(
      `gotemplate property: ${cases.length} random templates (seed ${seed}), ${errors} Go errors, ${mismatches.length} mismatches\n`,
    );
    expect(mismatches.slice(0, 3)).toEqual([]);
  });
});
