// confd's template functions (resource/template/template_funcs.go and memkv's FuncMap), with
// confd's behaviour and quirks, registered on the Go template interpreter.
import { existsSync } from 'node:fs';
import {
  GoInt, GoPointer, GoStruct, defineFunc, defineIntType, defineStruct, goNow, goStruct, typeName, typedSlice,
  type GoFunc, type GoValue,
} from '../../gotemplate/index.ts';
import type { LookupTable, SrvRecord } from './lookup.ts';
import { basePath, compareGoStrings, dirPath, type KVPair, type MemKV } from './memkv.ts';
import { goToLower, goToUpper } from './unicase.ts';

/** memkv.KVPair, what get returns; gets returns memkv.KVPairs ([]memkv.KVPair). */
export const kvPairType = defineStruct('memkv.KVPair', { Key: 'string', Value: 'string' });
const uint16Type = defineIntType('uint16', true);
/** net.SRV; lookupSRV returns []*net.SRV. */
export const srvType = defineStruct('net.SRV', { Target: 'string', Port: 'uint16', Priority: 'uint16', Weight: 'uint16' });

const kvPair = (kv: KVPair): GoStruct => goStruct(kvPairType, { Key: kv.Key, Value: kv.Value });
const strings = (items: string[]): GoValue => typedSlice('[]string', items);
const keyOf = (v: GoValue): string => (v as GoStruct).fields[0] as string;

function srvPointer(r: SrvRecord): GoPointer {
  const u16 = (n: number): GoInt => new GoInt(uint16Type, BigInt(n));
  return new GoPointer(srvType, goStruct(srvType, { Target: r.Target, Port: u16(r.Port), Priority: u16(r.Priority), Weight: u16(r.Weight) }));
}

const str = (v: GoValue): string => v as string;
const int = (v: GoValue): bigint => v as bigint;


/** Go's strings.Split: an empty separator splits into UTF-8 sequences; "" splits into [""]. */
export function goSplit(s: string, sep: string): string[] {
  if (sep === '') return [...s];
  return s.split(sep);
}

/** Go's strings.Replace with n < 0 meaning all. */
export function goReplace(s: string, oldText: string, newText: string, n: number): string {
  if (n === 0 || (oldText === newText)) return s;
  if (oldText === '') {
    // Go inserts `new` before every rune and at the end, up to n times.
    const runes = [...s];
    const limit = n < 0 ? runes.length + 1 : Math.min(n, runes.length + 1);
    let out = '';
    for (let i = 0; i < runes.length; i++) out += (i < limit ? newText : '') + runes[i];
    return out + (limit > runes.length ? newText : '');
  }
  const parts = s.split(oldText);
  if (n < 0 || n >= parts.length - 1) return parts.join(newText);
  return parts.slice(0, n + 1).join(newText) + oldText + parts.slice(n + 1).join(oldText);
}

/** strconv.ParseBool. */
export function goParseBool(s: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  throw new Error(`strconv.ParseBool: parsing ${JSON.stringify(s)}: invalid syntax`);
}

/** strconv.Atoi on a 64-bit platform. */
export function goAtoi(s: string): bigint {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n > 9223372036854775807n || n < -9223372036854775808n) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/** base64.StdEncoding.DecodeString, with Go's error for the first bad byte. */
export function goBase64Decode(s: string): string {
  const alphabet = /[A-Za-z0-9+/]/;
  const body = s.replace(/[\r\n]/g, '');
  let padding = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i] ?? '';
    if (c === '=') {
      padding++;
      continue;
    }
    if (!alphabet.test(c) || padding > 0) throw new Error(`illegal base64 data at input byte ${i}`);
  }
  if (body.length % 4 !== 0 || padding > 2) throw new Error(`illegal base64 data at input byte ${Math.max(0, body.length - (body.length % 4 || 4))}`);
  return Buffer.from(body, 'base64').toString('utf8');
}

function unmarshal(text: string, want: 'object' | 'array'): GoValue {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(goJsonSyntax(text, error as Error));
  }
  if (value === null) return want === 'object' ? {} : [];
  const got = Array.isArray(value) ? 'array' : typeof value === 'object' ? 'object' : typeof value === 'string' ? 'string' : typeof value === 'number' ? 'number' : 'bool';
  if (got !== want) throw new Error(`json: cannot unmarshal ${got} into Go value of type ${want === 'object' ? 'map[string]interface {}' : '[]interface {}'}`);
  return value as GoValue;
}

// encoding/json's syntax errors name the offending character; JSON.parse gives its position.
function goJsonSyntax(text: string, error: Error): string {
  if (text.trim() === '') return 'unexpected end of JSON input';
  const position = /position (\d+)/.exec(error.message);
  const at = position === null ? -1 : Number(position[1]);
  const ch = at >= 0 ? text[at] : undefined;
  if (ch === undefined) return 'unexpected end of JSON input';
  return `invalid character ${JSON.stringify(ch).replace(/^"|"$/g, "'")} looking for beginning of value`;
}


/**
 * The functions confd adds to Go's built-ins, plus the memkv functions bound to `store`. Name lookups
 * read `lookups()`: a miss returns an empty answer and is recorded; the renderer resolves the misses
 * and executes again (render.ts), so an empty answer from a miss is never written.
 */
export function confdFuncs(storeOf: MemKV | (() => MemKV), env: Readonly<Record<string, string | undefined>> = process.env, lookups: () => LookupTable | undefined = () => undefined): Record<string, GoFunc> {
  // A parsed template keeps its functions; taking the store through a function lets one parse serve every render.
  const current = typeof storeOf === 'function' ? storeOf : (): MemKV => storeOf;
  const store = {
    exists: (k: string) => current().exists(k),
    get: (k: string) => current().get(k),
    getAll: (p: string) => current().getAll(p),
    getValue: (k: string, ...d: string[]) => current().getValue(k, ...d),
    getAllValues: (p: string) => current().getAllValues(p),
    list: (p: string) => current().list(p),
    listDir: (p: string) => current().listDir(p),
  };
  const table = (): LookupTable => {
    const current = lookups();
    if (current === undefined) throw new Error('name lookups need the renderer (no lookup table attached)');
    return current;
  };
  const ips = (name: GoValue): string[] => table().ip(str(name)) ?? [];
  // Until the renderer has decrypted a value (the next pass), the ciphertext stands in for it.
  const plain = (value: string): string => table().decrypt(value) ?? value;
  return {
    // memkv
    exists: defineFunc({ params: ['string'], result: 'bool', fn: (k) => store.exists(str(k)) }),
    get: defineFunc({ params: ['string'], returnsError: true, result: 'memkv.KVPair', fn: (k) => kvPair(store.get(str(k))) }),
    gets: defineFunc({
      params: ['string'], returnsError: true, result: 'memkv.KVPairs',
      fn: (p) => typedSlice('memkv.KVPairs', store.getAll(str(p)).map(kvPair), '[]memkv.KVPair'),
    }),
    getv: defineFunc({ params: ['string'], variadic: 'string', returnsError: true, result: 'string', fn: (k, ...d) => store.getValue(str(k), ...(d as string[])) }),
    getvs: defineFunc({ params: ['string'], returnsError: true, result: '[]string', fn: (p) => strings(store.getAllValues(str(p))) }),
    ls: defineFunc({ params: ['string'], result: '[]string', fn: (p) => strings(store.list(str(p))) }),
    lsdir: defineFunc({ params: ['string'], result: '[]string', fn: (p) => strings(store.listDir(str(p))) }),
    // confd's crypt functions (with -secret-keyring): memkv's get, gets, getv, getvs, values decrypted.
    cget: defineFunc({
      params: ['string'], returnsError: true, result: 'memkv.KVPair',
      fn: (k) => {
        const kv = store.get(str(k));
        return kvPair({ Key: kv.Key, Value: plain(kv.Value) });
      },
    }),
    cgets: defineFunc({
      params: ['string'], returnsError: true, result: 'memkv.KVPairs',
      fn: (p) => typedSlice('memkv.KVPairs', store.getAll(str(p)).map((kv) => kvPair({ Key: kv.Key, Value: plain(kv.Value) })), '[]memkv.KVPair'),
    }),
    cgetv: defineFunc({ params: ['string'], returnsError: true, result: 'string', fn: (k) => plain(store.getValue(str(k))) }),
    cgetvs: defineFunc({ params: ['string'], returnsError: true, result: '[]string', fn: (p) => strings(store.getAllValues(str(p)).map(plain)) }),
    // template_funcs.go
    base: defineFunc({ params: ['string'], result: 'string', fn: (p) => basePath(str(p)) }),
    dir: defineFunc({ params: ['string'], result: 'string', fn: (p) => dirPath(str(p)) }),
    split: defineFunc({ params: ['string', 'string'], result: '[]string', fn: (s, sep) => strings(goSplit(str(s), str(sep))) }),
    json: defineFunc({ params: ['string'], returnsError: true, result: 'map[string]interface {}', fn: (s) => unmarshal(str(s), 'object') }),
    jsonArray: defineFunc({ params: ['string'], returnsError: true, result: '[]interface {}', fn: (s) => unmarshal(str(s), 'array') }),
    map: defineFunc({
      variadic: 'any',
      returnsError: true,
      result: 'map[string]interface {}',
      fn: (...values) => {
        if (values.length % 2 !== 0) throw new Error('invalid map call');
        const out: Record<string, GoValue> = {};
        for (let i = 0; i < values.length; i += 2) {
          const key = values[i];
          if (typeof key !== 'string') throw new Error('map keys must be strings');
          out[key] = values[i + 1];
        }
        return out;
      },
    }),
    getenv: defineFunc({ params: ['string'], variadic: 'string', result: 'string', fn: (k, ...d) => env[str(k)] || ((d[0]) ?? '') }),
    join: defineFunc({ params: ['[]string', 'string'], result: 'string', fn: (list, sep) => (list as string[]).join(str(sep)) }),
    // time.Now: a time.Time in the host's zone; templates call its methods ({{datetime.Format "2006"}}).
    datetime: defineFunc({ result: 'time.Time', fn: goNow }),
    toUpper: defineFunc({ params: ['string'], result: 'string', fn: (s) => goToUpper(str(s)) }),
    toLower: defineFunc({ params: ['string'], result: 'string', fn: (s) => goToLower(str(s)) }),
    contains: defineFunc({ params: ['string', 'string'], result: 'bool', fn: (s, sub) => str(s).includes(str(sub)) }),
    replace: defineFunc({ params: ['string', 'string', 'string', 'int'], result: 'string', fn: (s, o, n, count) => goReplace(str(s), str(o), str(n), Number(int(count))) }),
    trimSuffix: defineFunc({ params: ['string', 'string'], result: 'string', fn: (s, suffix) => (str(s).endsWith(str(suffix)) && str(suffix) !== '' ? str(s).slice(0, -str(suffix).length) : str(s)) }),
    lookupIP: defineFunc({ params: ['string'], result: '[]string', fn: (name) => strings(ips(name)) }),
    lookupIPV4: defineFunc({ params: ['string'], result: '[]string', fn: (name) => strings(ips(name).filter((ip) => ip.includes('.'))) }),
    lookupIPV6: defineFunc({ params: ['string'], result: '[]string', fn: (name) => strings(ips(name).filter((ip) => ip.includes(':'))) }),
    lookupSRV: defineFunc({
      params: ['string', 'string', 'string'], result: '[]*net.SRV',
      fn: (service, proto, name) => typedSlice('[]*net.SRV', (table().srv(str(service), str(proto), str(name)) ?? []).map(srvPointer)),
    }),
    fileExists: defineFunc({ params: ['string'], result: 'bool', fn: (p) => existsSync(str(p)) }),
    base64Encode: defineFunc({ params: ['string'], result: 'string', fn: (s) => Buffer.from(str(s), 'utf8').toString('base64') }),
    base64Decode: defineFunc({ params: ['string'], returnsError: true, result: 'string', fn: (s) => goBase64Decode(str(s)) }),
    parseBool: defineFunc({ params: ['string'], returnsError: true, result: 'bool', fn: (s) => goParseBool(str(s)) }),
    reverse: defineFunc({
      params: ['any'],
      result: 'interface {}',
      // confd's type switch reverses []string and []memkv.KVPair in place; anything else, even
      // memkv.KVPairs (what gets returns), comes back unchanged.
      fn: (v) => (Array.isArray(v) && ['[]string', '[]memkv.KVPair'].includes(typeName(v)) ? (v as GoValue[]).reverse() : v),
    }),
    // sort.Sort in place, returning the same slice.
    sortByLength: defineFunc({
      params: ['[]string'], result: '[]string',
      fn: (v) => strings((v as string[]).sort((a, b) => Buffer.byteLength(a) - Buffer.byteLength(b))),
    }),
    sortKVByLength: defineFunc({
      params: ['[]memkv.KVPair'],
      result: '[]memkv.KVPair',
      fn: (v) => typedSlice('[]memkv.KVPair', [...(v as GoValue[]).sort((a, b) => Buffer.byteLength(keyOf(a)) - Buffer.byteLength(keyOf(b)))]),
    }),
    add: defineFunc({ params: ['int', 'int'], result: 'int', fn: (a, b) => BigInt.asIntN(64, int(a) + int(b)) }),
    sub: defineFunc({ params: ['int', 'int'], result: 'int', fn: (a, b) => BigInt.asIntN(64, int(a) - int(b)) }),
    mul: defineFunc({ params: ['int', 'int'], result: 'int', fn: (a, b) => BigInt.asIntN(64, int(a) * int(b)) }),
    div: defineFunc({ params: ['int', 'int'], returnsError: true, result: 'int', fn: (a, b) => goDivide(int(a), int(b), (x, y) => x / y) }),
    mod: defineFunc({ params: ['int', 'int'], returnsError: true, result: 'int', fn: (a, b) => goDivide(int(a), int(b), (x, y) => x % y) }),
    seq: defineFunc({
      params: ['int', 'int'],
      result: '[]int',
      fn: (first, last) => {
        const out: bigint[] = [];
        for (let i = int(first); i <= int(last); i++) out.push(i);
        return typedSlice('[]int', out);
      },
    }),
    atoi: defineFunc({ params: ['string'], returnsError: true, result: 'int', fn: (s) => goAtoi(str(s)) }),
  };
}

// Go panics on integer division by zero; text/template turns the panic into this error.
function goDivide(a: bigint, b: bigint, op: (x: bigint, y: bigint) => bigint): bigint {
  if (b === 0n) throw new Error('runtime error: integer divide by zero');
  return BigInt.asIntN(64, op(a, b));
}

export type { SrvRecord };
export { compareGoStrings };
