// The Go value model: how plain JS data stands in for the reflect.Values text/template sees.
//   undefined  an invalid reflect.Value (missing key, nil data)   prints <no value>
//   null       a nil interface{} (JSON null inside a container)     prints <nil>
//   number     float64 (every JSON number)
//   bigint     int (template integer literals, len, seq, ...)
//   GoUint8    uint8 (a byte taken out of a string with index)
//   GoComplex  complex128 (complex constants: 1+2i, 3i)
//   string, boolean, arrays ([]interface {}), plain objects and Maps (map[string]interface {}),
//   GoFunc     a function value (from the registry or returned by a function)
//   GoInt      a value of another integer type (int64, uint16, time.Month), see structs.ts
//   GoStruct   a struct value with exported fields and methods; GoPointer a *T to one (or nil)
//   arrays tagged by typedSlice ([]string, memkv.KVPairs) print the same, name their own type

/** Go's basic parameter types; 'value' is reflect.Value (the built-ins use it). */
export type BasicParamType = 'any' | 'string' | 'int' | 'float64' | 'bool' | 'value';

/**
 * Go parameter types a function can declare: a basic type, a named integer or struct type, or
 * a slice type by name (`[]string`), which accepts a typed slice of that type or underlying type.
 */
export type ParamType = BasicParamType | GoIntType | GoStructType | `[]${string}`;

/** A named integer type: `int64`, `uint16`, `time.Month` (with methods such as String). */
export interface GoIntType {
  readonly kind: 'int';
  readonly name: string;
  readonly unsigned: boolean;
  /** Methods; each GoFunc takes the receiver first, then the Go parameters its `params` list. */
  readonly methods?: ReadonlyMap<string, GoFunc>;
}

/** A struct type: its Go name (`memkv.KVPair`), exported fields in order, value methods. */
export interface GoStructType {
  readonly kind: 'struct';
  readonly name: string;
  /** Exported fields in declaration order with their Go types (`interface {}` fields hold any value). */
  readonly fields: readonly { readonly name: string; readonly type: string }[];
  readonly methods?: ReadonlyMap<string, GoFunc>;
}

export class GoInt {
  readonly type: GoIntType;
  readonly value: bigint;
  constructor(type: GoIntType, value: bigint) {
    this.type = type;
    this.value = value;
  }
}

export class GoStruct {
  readonly type: GoStructType;
  /** Field values, parallel to type.fields. */
  readonly fields: readonly GoValue[];
  /** State behind unexported fields (a time.Time's instant and zone), for methods only. */
  readonly internal: unknown;
  constructor(type: GoStructType, fields: readonly GoValue[], internal: unknown = undefined) {
    this.type = type;
    this.fields = fields;
    this.internal = internal;
  }
}

/** A `*T` for a struct type T; `target` null is a nil pointer. */
export class GoPointer {
  readonly type: GoStructType;
  readonly target: GoStruct | null;
  constructor(type: GoStructType, target: GoStruct | null) {
    this.type = type;
    this.target = target;
  }
}

const sliceTypeKey: unique symbol = Symbol('goSliceType');

interface SliceType {
  readonly name: string;
  readonly underlying: string;
}

/**
 * Tags an array with its Go slice type: `typedSlice('[]string', xs)` or, for a named slice type,
 * `typedSlice('memkv.KVPairs', xs, '[]memkv.KVPair')`. Untagged arrays are `[]interface {}`.
 */
export function typedSlice<T extends GoValue>(name: string, items: T[], underlying = name): T[] {
  Object.defineProperty(items, sliceTypeKey, { value: { name, underlying } satisfies SliceType, enumerable: false, configurable: true });
  return items;
}

function sliceType(v: readonly GoValue[]): SliceType | undefined {
  return (v as { [sliceTypeKey]?: SliceType })[sliceTypeKey];
}

/** The Go type name of a list: its tag, else `[]interface {}`. */
export function sliceTypeName(v: readonly GoValue[]): string {
  return sliceType(v)?.name ?? '[]interface {}';
}

/** Whether a list's elements are interface{} values (JSON arrays) rather than typed ones. */
export function sliceElemIsInterface(v: readonly GoValue[]): boolean {
  const t = sliceType(v);
  return t === undefined || t.underlying === '[]interface {}';
}

/** A sub-slice keeps its slice type, as Go's does. */
export function sameSliceType(from: readonly GoValue[], items: GoValue[]): GoValue[] {
  const t = sliceType(from);
  return t === undefined ? items : typedSlice(t.name, items, t.underlying);
}

/** Go's assignability of a slice to a parameter of slice type `t`. */
export function sliceAssignable(v: readonly GoValue[], t: string): boolean {
  const st = sliceType(v);
  if (st === undefined) return t === '[]interface {}';
  return st.name === t || st.underlying === t;
}

/** A function callable from templates; `params` and `variadic` give Go's parameter types. */
export interface GoFunc {
  readonly kind: 'func';
  readonly params: readonly ParamType[];
  /** Element type of a final `...T` parameter, if the function is variadic. */
  readonly variadic?: ParamType;
  /** Go's `(T, error)`: the function throws to report the error; the message is Go's err.Error(). */
  readonly returnsError?: boolean;
  /** Type string of the result, for messages such as "can't print ... of type func(int) int". */
  readonly result?: string;
  readonly fn: (...args: GoValue[]) => GoValue;
}

/** A complex128: template complex constants (`1+2i`) evaluate to these. */
export class GoComplex {
  readonly real: number;
  readonly imag: number;
  constructor(real: number, imag: number) {
    this.real = real;
    this.imag = imag;
  }
}

export class GoUint8 {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

export type GoValue =
  | undefined
  | null
  | boolean
  | number
  | bigint
  | string
  | GoUint8
  | GoComplex
  | GoFunc
  | GoInt
  | GoStruct
  | GoPointer
  | readonly GoValue[]
  | GoMap;

export type GoMap = { readonly [key: string]: GoValue } | ReadonlyMap<string, GoValue>;

export function isGoFunc(v: unknown): v is GoFunc {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'func' &&
    typeof (v as { fn?: unknown }).fn === 'function';
}

export function isMap(v: GoValue): v is GoMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof GoUint8) && !(v instanceof GoComplex) && !isGoFunc(v) &&
    !(v instanceof GoInt) && !(v instanceof GoStruct) && !(v instanceof GoPointer);
}

export function mapGet(m: GoMap, key: string): GoValue | undefined {
  if (m instanceof Map) return (m as ReadonlyMap<string, GoValue>).get(key);
  return Object.hasOwn(m, key) ? (m as Record<string, GoValue>)[key] : undefined;
}

export function mapHas(m: GoMap, key: string): boolean {
  if (m instanceof Map) return m.has(key);
  return Object.hasOwn(m, key);
}

/** Keys in Go's fmtsort order for string keys: byte order of the UTF-8 encoding (= code point order). */
export function sortedKeys(m: GoMap): string[] {
  const keys = m instanceof Map ? [...(m as ReadonlyMap<string, GoValue>).keys()] : Object.keys(m);
  return keys.sort(compareStrings);
}

export function mapSize(m: GoMap): number {
  return m instanceof Map ? m.size : Object.keys(m).length;
}

export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1; // surrogates encode code points above every BMP char
      return x - y;
    }
  }
  return a.length - b.length;
}

const paramTypeNames: Record<BasicParamType, string> = {
  any: 'interface {}',
  string: 'string',
  int: 'int',
  float64: 'float64',
  bool: 'bool',
  value: 'reflect.Value',
};

export function paramTypeName(t: ParamType): string {
  if (typeof t === 'object') return t.name;
  return t.startsWith('[]') ? t : paramTypeNames[t as BasicParamType];
}

export function funcTypeName(f: GoFunc): string {
  const params = f.params.map(paramTypeName);
  if (f.variadic !== undefined) params.push(`...${paramTypeName(f.variadic)}`);
  const result = f.result ?? 'interface {}';
  return `func(${params.join(', ')}) ${f.returnsError === true ? `(${result}, error)` : result}`;
}

/** Go's reflect type string of a value's dynamic type; undefined and null have none. */
export function typeName(v: GoValue): string {
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'float64';
    case 'bigint':
      return 'int';
    case 'boolean':
      return 'bool';
    default:
      if (v === null || v === undefined) return '<nil>';
      if (Array.isArray(v)) return sliceTypeName(v);
      if (v instanceof GoUint8) return 'uint8';
      if (v instanceof GoComplex) return 'complex128';
      if (v instanceof GoInt || v instanceof GoStruct) return v.type.name;
      if (v instanceof GoPointer) return `*${v.type.name}`;
      if (isGoFunc(v)) return funcTypeName(v);
      return 'map[string]interface {}';
  }
}

export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

export function utf8Decode(b: Uint8Array): string {
  return decoder.decode(b);
}

/** Go's truth: false for zero values, empty containers, nil; undefined when Go can't tell (funcs are true). */
export function isTrue(v: GoValue): boolean {
  switch (typeof v) {
    case 'string':
      return v.length > 0;
    case 'number':
      return v !== 0;
    case 'bigint':
      return v !== 0n;
    case 'boolean':
      return v;
    default:
      if (v === null || v === undefined) return false;
      if (Array.isArray(v)) return v.length > 0;
      if (v instanceof GoUint8) return v.value !== 0;
      if (v instanceof GoComplex) return v.real !== 0 || v.imag !== 0;
      if (v instanceof GoInt) return v.value !== 0n;
      if (v instanceof GoStruct) return true; // struct values are always true
      if (v instanceof GoPointer) return v.target !== null;
      if (isGoFunc(v)) return true;
      return mapSize(v as GoMap) > 0;
  }
}
