// Go structs, pointers to them and named integer types, as text/template sees them through
// reflect: field lookup, method sets (value methods, also reachable through a pointer), and the
// method binding a call needs.
import type { GoFunc, GoIntType, GoStructType, GoValue, ParamType } from './values.ts';
import { GoInt, GoPointer, GoStruct } from './values.ts';

export interface MethodSpec {
  readonly params?: readonly ParamType[];
  readonly variadic?: ParamType;
  readonly returnsError?: boolean;
  /** Go type of the result (default "interface {}"). */
  readonly result?: string;
  /** Receives the receiver first, then the arguments. */
  readonly fn: (receiver: never, ...args: GoValue[]) => GoValue;
}

function methodMap(methods: Readonly<Record<string, MethodSpec>> | undefined): ReadonlyMap<string, GoFunc> {
  const out = new Map<string, GoFunc>();
  for (const [name, m] of Object.entries(methods ?? {})) {
    const f: { -readonly [K in keyof GoFunc]: GoFunc[K] } = {
      kind: 'func',
      params: m.params ?? [],
      fn: m.fn as (...args: GoValue[]) => GoValue,
    };
    if (m.variadic !== undefined) f.variadic = m.variadic;
    if (m.returnsError !== undefined) f.returnsError = m.returnsError;
    if (m.result !== undefined) f.result = m.result;
    out.set(name, f);
  }
  return out;
}

/** Declares a struct type: `defineStruct('memkv.KVPair', { Key: 'string', Value: 'string' })`. */
export function defineStruct(
  name: string,
  fields: Readonly<Record<string, string>>,
  methods?: Readonly<Record<string, MethodSpec>>,
): GoStructType {
  return {
    kind: 'struct',
    name,
    fields: Object.entries(fields).map(([field, type]) => ({ name: field, type })),
    methods: methodMap(methods),
  };
}

/** Declares a named integer type: `defineIntType('time.Month', false, { String: ... })`. */
export function defineIntType(name: string, unsigned: boolean, methods?: Readonly<Record<string, MethodSpec>>): GoIntType {
  return { kind: 'int', name, unsigned, methods: methodMap(methods) };
}

/** A struct value from its fields by name; missing fields are Go's zero values. */
export function goStruct(type: GoStructType, fields: Readonly<Record<string, GoValue>>, internal?: unknown): GoStruct {
  return new GoStruct(type, type.fields.map((f) => fields[f.name] ?? zeroValue(f.type)), internal);
}

function zeroValue(type: string): GoValue {
  if (type === 'string') return '';
  if (type === 'int') return 0n;
  if (type === 'bool') return false;
  if (type === 'float64') return 0;
  return null;
}

export function fieldIndex(type: GoStructType, name: string): number {
  return type.fields.findIndex((f) => f.name === name);
}

/** Go's panic when a value method is called through a nil pointer (runtime.panicwrap). */
function nilReceiver(type: GoStructType, method: string): Error {
  const dot = type.name.lastIndexOf('.');
  const short = type.name.slice(dot + 1);
  return new Error(`value method ${type.name}.${method} called using nil *${short} pointer`);
}

/** The method `name` of a value bound to it as a callable function, or undefined. */
export function boundMethod(receiver: GoValue, name: string): GoFunc | undefined {
  let type: GoStructType | GoIntType;
  if (receiver instanceof GoStruct || receiver instanceof GoInt || receiver instanceof GoPointer) type = receiver.type;
  else return undefined;
  const m = type.methods?.get(name);
  if (m === undefined) return undefined;
  const target = receiver instanceof GoPointer ? receiver.target : receiver;
  const fn = target === null
    ? (): GoValue => { throw nilReceiver(type as GoStructType, name); }
    : (...args: GoValue[]): GoValue => m.fn(target, ...args);
  return { ...m, fn };
}

/** Whether a struct's type supports == (no slice, map or func fields, also in nested structs). */
export function structComparable(v: GoStruct): boolean {
  return v.type.fields.every((f, i) => {
    if (/^(\[\]|map\[|func\()/.test(f.type)) return false;
    const value = v.fields[i];
    return !(value instanceof GoStruct) || f.type === 'interface {}' || structComparable(value);
  });
}

/** Go's == on two values of the same struct type (fields, then the hidden state). */
export function structsEqual(a: GoStruct, b: GoStruct): boolean {
  if (a.type !== b.type) return false;
  const same = (x: GoValue, y: GoValue): boolean => {
    if (x instanceof GoInt && y instanceof GoInt) return x.type === y.type && x.value === y.value;
    if (x instanceof GoStruct && y instanceof GoStruct) return structsEqual(x, y);
    if (x instanceof GoPointer && y instanceof GoPointer) return x.target === y.target;
    return x === y;
  };
  if (!a.fields.every((f, i) => same(f, b.fields[i]))) return false;
  return JSON.stringify(a.internal, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ===
    JSON.stringify(b.internal, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
