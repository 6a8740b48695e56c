// The test function map, mirrored from testFuncs in oracle/main.go: same names,
// same Go signatures, same results and error texts, so function calls compare byte for byte.
import { defineFunc } from '../index.ts';
import type { GoFunc, GoValue } from '../index.ts';
import { formatValue, sprint } from '../fmt.ts';
import { goDate } from '../gotime.ts';
import { defineIntType, defineStruct, goStruct } from '../structs.ts';
import { GoInt, GoPointer, GoStruct, typedSlice } from '../values.ts';
import { quoteGo } from '../quote.ts';

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

const field = (kv: GoStruct, i: number): string => kv.fields[i] as string;

// type KV struct { Key, Value string } with value methods, as in the oracle.
const kvType = defineStruct('main.KV', { Key: 'string', Value: 'string' }, {
  Full: { result: 'string', fn: (kv: GoStruct) => `${field(kv, 0)}=${field(kv, 1)}` },
  Join: {
    params: ['string', 'int'], result: 'string',
    fn: (kv: GoStruct, sep, n) => `${field(kv, 0)}${sep as string}${field(kv, 1)}${sep as string}${n as bigint}`,
  },
  Self: { result: 'main.KV', fn: (kv: GoStruct) => kv },
  Any: { fn: (kv: GoStruct) => field(kv, 1) },
  Check: {
    params: ['string'], returnsError: true, result: 'string',
    fn: (kv: GoStruct, s) => {
      if (s === '') throw new Error('empty check');
      return field(kv, 1) + (s as string);
    },
  },
});
const uint16Type = defineIntType('uint16', true);
const srvType = defineStruct('main.SRV', { Target: 'string', Port: 'uint16', Priority: 'uint16', Weight: 'uint16' });
const boxType = defineStruct('main.Box', {
  Name: 'string', Pair: 'main.KV', Ptr: '*main.KV', Tags: '[]string', Any: 'interface {}', N: 'int', At: 'time.Time',
});
const kv = (k: string, v: string): GoStruct => goStruct(kvType, { Key: k, Value: v });
const fixedTime = (): GoStruct => goDate(2009, 11, 10, 23, 4, 5, 123456789);
const kvPairs = (items: GoValue[]): GoStruct[] => {
  const out: GoStruct[] = [];
  for (let i = 0; i + 1 < items.length; i += 2) out.push(kv(items[i] as string, items[i + 1] as string));
  return out;
};

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
  kv: defineFunc({ params: ['string', 'string'], result: 'main.KV', fn: (k, v) => kv(k as string, v as string) }),
  kvs: defineFunc({ variadic: 'string', result: 'main.KVs', fn: (...items) => typedSlice('main.KVs', kvPairs(items), '[]main.KV') }),
  kvlist: defineFunc({ variadic: 'string', result: '[]main.KV', fn: (...items) => typedSlice('[]main.KV', kvPairs(items)) }),
  kvp: defineFunc({ params: ['string', 'string'], result: '*main.KV', fn: (k, v) => new GoPointer(kvType, kv(k as string, v as string)) }),
  nilkvp: defineFunc({ result: '*main.KV', fn: () => new GoPointer(kvType, null) }),
  srv: defineFunc({
    params: ['string', 'int'], result: '*main.SRV',
    fn: (target, port) => new GoPointer(srvType, goStruct(srvType, {
      Target: target,
      Port: new GoInt(uint16Type, BigInt.asUintN(16, port as bigint)),
      Priority: new GoInt(uint16Type, 10n),
      Weight: new GoInt(uint16Type, 5n),
    })),
  }),
  box: defineFunc({
    result: 'main.Box',
    fn: () => goStruct(boxType, {
      Name: 'b', Pair: kv('/p', 'q'), Ptr: new GoPointer(kvType, null), Tags: typedSlice('[]string', ['x', 'y']),
      Any: kv('/i', 'j'), N: 3n, At: fixedTime(),
    }),
  }),
  boxptr: defineFunc({
    result: 'main.Box',
    fn: () => goStruct(boxType, { Name: 'p', Pair: kv('', ''), Ptr: new GoPointer(kvType, kv('/r', 's')), Tags: typedSlice('[]string', []), N: 0n, At: goDate(1, 1, 1, 0, 0, 0, 0) }),
  }),
  fixedtime: defineFunc({ result: 'time.Time', fn: fixedTime }),
  zonedtime: defineFunc({ result: 'time.Time', fn: () => goDate(2021, 2, 3, 4, 5, 6, 7000, { name: 'XST', offset: -(3 * 3600 + 30 * 60) }) }),
  plaintime: defineFunc({ result: 'time.Time', fn: () => goDate(2024, 2, 29, 12, 0, 0, 0, { name: '', offset: 5 * 3600 + 45 * 60 }) }),
  strs: defineFunc({ variadic: 'string', result: '[]string', fn: (...s) => typedSlice('[]string', [...s]) }),
  ints: defineFunc({ variadic: 'int', result: '[]int', fn: (...n) => typedSlice('[]int', [...n]) }),
};
