// The test function map, mirrored from testFuncs in test/gotemplate-oracle/main.go: same names,
// same Go signatures, same results and error texts, so function calls compare byte for byte.
import { defineFunc } from '../../src/templates/gotemplate/index.ts';
import type { GoFunc, GoValue } from '../../src/templates/gotemplate/index.ts';
import { formatValue, sprint } from '../../src/templates/gotemplate/fmt.ts';
import { quoteGo } from '../../src/templates/gotemplate/quote.ts';

function mayfailImpl(s: GoValue): GoValue {
  const str = s as string;
  if (str === '') throw new Error('empty input');
  if (str.startsWith('bad')) throw new Error(`bad input ${quoteGo(str)}`);
  return `ok:${str}`;
}

const mayfail = defineFunc({ params: ['string'], returnsError: true, result: 'string', fn: mayfailImpl });

function toUpperGo(s: string): string {
  let out = '';
  for (const ch of s) {
    const up = ch.toUpperCase();
    out += [...up].length === 1 ? up : ch;
  }
  return out;
}

export const testFuncs: Record<string, GoFunc> = {
  join: defineFunc({
    params: ['string'], variadic: 'string', result: 'string',
    fn: (sep, ...parts) => (parts as string[]).join(sep as string),
  }),
  add: defineFunc({ params: ['int', 'int'], result: 'int', fn: (a, b) => BigInt.asIntN(64, (a as bigint) + (b as bigint)) }),
  addf: defineFunc({ params: ['float64', 'float64'], result: 'float64', fn: (a, b) => (a as number) + (b as number) }),
  mayfail,
  list: defineFunc({ variadic: 'any', result: '[]interface {}', fn: (...items) => [...items] }),
  dict: defineFunc({
    variadic: 'any', returnsError: true, result: 'map[string]interface {}',
    fn: (...kv) => {
      if (kv.length % 2 !== 0) throw new Error('dict: odd number of arguments');
      const m = new Map<string, GoValue>();
      for (let i = 0; i < kv.length; i += 2) {
        const k = kv[i];
        if (typeof k !== 'string') throw new Error(`dict: key ${formatValue(k)} is not a string`);
        m.set(k, kv[i + 1]);
      }
      return m;
    },
  }),
  seq: defineFunc({
    params: ['int'], result: '[]interface {}',
    fn: (n) => Array.from({ length: Math.max(0, Number(n)) }, (_, i) => BigInt(i)),
  }),
  upper: defineFunc({ params: ['string'], result: 'string', fn: (s) => toUpperGo(s as string) }),
  repeat: defineFunc({
    params: ['string', 'int'], result: 'string',
    fn: (s, n) => {
      if ((n as bigint) < 0n) throw new Error('strings: negative Repeat count');
      return (s as string).repeat(Number(n));
    },
  }),
  mkadd: defineFunc({
    params: ['int'], result: 'func(int) int',
    fn: (n) => defineFunc({ params: ['int'], result: 'int', fn: (x) => BigInt.asIntN(64, (x as bigint) + (n as bigint)) }),
  }),
  mkfail: defineFunc({ result: 'func(string) (string, error)', fn: () => mayfail }),
  nilval: defineFunc({ fn: () => null }),
  neg: defineFunc({ params: ['bool'], result: 'bool', fn: (b) => !(b as boolean) }),
  count: defineFunc({ variadic: 'any', result: 'int', fn: (...args) => BigInt(args.length) }),
  half: defineFunc({ params: ['float64'], result: 'float64', fn: (f) => (f as number) / 2 }),
  str: defineFunc({ params: ['any'], result: 'string', fn: (v) => sprint([v]) }),
};
