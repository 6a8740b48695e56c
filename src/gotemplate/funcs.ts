// The built-in functions, with Go's semantics and error texts (text/template/funcs.go).
// Built-ins take 'value' parameters: they see undefined (invalid) and null (nil interface) apart.
import { htmlEscape, jsEscape, urlQueryEscape } from './escape.ts';
import { formatValue, sprint } from './fmt.ts';
import { sprintf, sprintln } from './printf.ts';
import type { GoFunc, GoValue, ParamType } from './values.ts';
import { structComparable, structsEqual } from './structs.ts';
import {
  GoComplex, GoInt, GoPointer, GoStruct, GoUint8, compareStrings, isGoFunc, isMap, isTrue, mapGet, mapHas, mapSize, paramTypeName,
  sameSliceType, sliceAssignable, typeName, utf8Bytes, utf8Decode, utf8Length,
} from './values.ts';

/** An error a function reports; its message is the text after "error calling NAME: ". */
export class GoCallError extends Error {}

function fail(message: string): never {
  throw new GoCallError(message);
}

export function indirectInterface(v: GoValue): GoValue {
  return v === null ? undefined : v;
}

export function truth(v: GoValue): boolean {
  return isTrue(indirectInterface(v));
}

type Kind = 'invalid' | 'bool' | 'int' | 'uint' | 'float' | 'complex' | 'string';

function basicKind(v: GoValue): Kind {
  switch (typeof v) {
    case 'boolean': return 'bool';
    case 'bigint': return 'int';
    case 'number': return 'float';
    case 'string': return 'string';
  }
  if (v instanceof GoInt) return v.type.unsigned ? 'uint' : 'int';
  if (v instanceof GoComplex) return 'complex';
  return v instanceof GoUint8 ? 'uint' : 'invalid';
}

function intValue(v: GoValue): bigint {
  if (v instanceof GoInt) return v.value;
  return v instanceof GoUint8 ? BigInt(v.value) : (v as bigint);
}

/** reflect's indirect: follows a non-nil pointer to its struct; a nil one comes back with isNil. */
function indirect(v: GoValue): { value: GoValue; isNil: boolean } {
  if (v === null) return { value: v, isNil: true };
  if (v instanceof GoPointer) return v.target === null ? { value: v, isNil: true } : { value: v.target, isNil: false };
  return { value: v, isNil: false };
}

/** reflect.Kind, as far as canCompare needs it. */
function reflectKind(v: GoValue): string {
  if (v === undefined) return 'invalid';
  if (Array.isArray(v)) return 'slice';
  if (isGoFunc(v)) return 'func';
  if (v instanceof GoStruct) return 'struct';
  if (v instanceof GoPointer) return 'ptr';
  if (isMap(v)) return 'map';
  return basicKind(v);
}

const errBadComparisonType = 'invalid type for comparison';
const errBadComparison = 'incompatible types for comparison';

function eq(arg1: GoValue, ...arg2: GoValue[]): boolean {
  arg1 = indirectInterface(arg1);
  if (arg2.length === 0) fail('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (let arg of arg2) {
    arg = indirectInterface(arg);
    const k2 = basicKind(arg);
    let result = false;
    if (k1 !== k2) {
      if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int')) {
        result = intValue(arg1) === intValue(arg);
      } else if (arg1 !== undefined && arg !== undefined) {
        fail(errBadComparison);
      }
    } else if (k1 === 'int' || k1 === 'uint') {
      result = intValue(arg1) === intValue(arg);
    } else if (k1 === 'complex') {
      const [a, b] = [arg1 as GoComplex, arg as GoComplex];
      result = a.real === b.real && a.imag === b.imag;
    } else if (k1 !== 'invalid') {
      result = arg1 === arg;
    } else {
      const r1 = reflectKind(arg1);
      const r2 = reflectKind(arg);
      if (r1 !== r2 && r1 !== 'invalid' && r2 !== 'invalid') {
        fail(`non-comparable types ${formatValue(arg1, 's')}: ${typeName(arg1)}, ${typeName(arg)}: ${formatValue(arg)}`);
      }
      const isNil = (v: GoValue): boolean => v === undefined || (v instanceof GoPointer && v.target === null);
      if (isNil(arg1) || isNil(arg)) {
        result = isNil(arg) === isNil(arg1);
      } else if (arg1 instanceof GoPointer && arg instanceof GoPointer) {
        result = arg1.target === arg.target;
      } else if (arg1 instanceof GoStruct && arg instanceof GoStruct && structComparable(arg)) {
        result = structsEqual(arg1, arg);
      } else {
        fail(`non-comparable type ${formatValue(arg, 's')}: ${typeName(arg)}`);
      }
    }
    if (result) return true;
  }
  return false;
}

function lt(arg1: GoValue, arg2: GoValue): boolean {
  arg1 = indirectInterface(arg1);
  const k1 = basicKind(arg1);
  if (k1 === 'invalid') fail(errBadComparisonType);
  arg2 = indirectInterface(arg2);
  const k2 = basicKind(arg2);
  if (k2 === 'invalid') fail(errBadComparisonType);
  if (k1 !== k2) {
    if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int')) return intValue(arg1) < intValue(arg2);
    fail(errBadComparison);
  }
  switch (k1) {
    case 'bool': case 'complex': return fail(errBadComparisonType);
    case 'string': return compareStrings(arg1 as string, arg2 as string) < 0;
    case 'float': return (arg1 as number) < (arg2 as number);
    default: return intValue(arg1) < intValue(arg2);
  }
}

function le(arg1: GoValue, arg2: GoValue): boolean {
  return lt(arg1, arg2) || eq(arg1, arg2);
}

/** A value still held in an interface{} (a map or list element); slice sees these un-indirected. */
export class InterfaceValue {
  readonly value: GoValue;
  constructor(value: GoValue) {
    this.value = value;
  }
}

function indexArg(index: GoValue | InterfaceValue, cap: number): number {
  let x: bigint;
  if (index instanceof InterfaceValue) return fail('cannot index slice/array with type interface {}');
  if (typeof index === 'bigint' || index instanceof GoUint8 || index instanceof GoInt) x = intValue(index);
  else if (index === undefined) return fail('cannot index slice/array with nil');
  else return fail(`cannot index slice/array with type ${typeName(index)}`);
  if (x < 0n || x > BigInt(cap)) fail(`index out of range: ${x}`);
  return Number(x);
}

/** prepareArg against a Go parameter type; used by index (map keys) and call. */
export function prepareArg(value: GoValue, t: ParamType): GoValue {
  if (value === undefined || value === null) {
    if (t !== 'any' && t !== 'value') fail(`value is nil; should be of type ${paramTypeName(t)}`);
    return t === 'value' ? undefined : null;
  }
  if (assignable(value, t)) return value;
  // Go converts between integer types here (prepareArg's intLike case).
  const intLike = typeof value === 'bigint' || value instanceof GoUint8 || value instanceof GoInt;
  if (intLike && t === 'int') return BigInt.asIntN(64, intValue(value));
  if (intLike && typeof t === 'object' && t.kind === 'int') return new GoInt(t, intValue(value));
  return fail(`value has type ${typeName(value)}; should be ${paramTypeName(t)}`);
}

export function assignable(value: GoValue, t: ParamType): boolean {
  if (typeof t === 'object') {
    return (value instanceof GoInt || value instanceof GoStruct) && value.type === t;
  }
  if (t.startsWith('[]')) return Array.isArray(value) && sliceAssignable(value as readonly GoValue[], t);
  switch (t) {
    case 'any': case 'value': return true;
    case 'string': return typeof value === 'string';
    case 'int': return typeof value === 'bigint';
    case 'float64': return typeof value === 'number';
    case 'bool': return typeof value === 'boolean';
    default: return false;
  }
}

function index(item: GoValue, ...indexes: GoValue[]): GoValue {
  item = indirectInterface(item);
  if (item === undefined) fail('index of untyped nil');
  for (let idx of indexes) {
    idx = indirectInterface(idx);
    const ind = indirect(item);
    if (ind.isNil) fail('index of nil pointer');
    item = ind.value;
    if (typeof item === 'string') {
      const bytes = utf8Bytes(item);
      const x = indexArg(idx, bytes.length);
      if (x >= bytes.length) fail('reflect: string index out of range');
      item = new GoUint8(bytes[x] as number);
    } else if (Array.isArray(item)) {
      const list: readonly GoValue[] = item;
      const x = indexArg(idx, list.length);
      if (x >= list.length) fail('reflect: slice index out of range');
      item = list[x];
    } else if (isMap(item)) {
      const key = prepareArg(idx, 'string') as string;
      item = mapHas(item, key) ? mapGet(item, key) : null;
    } else {
      fail(`can't index item of type ${typeName(item)}`);
    }
  }
  return item;
}

function slice(item: GoValue, ...indexes: (GoValue | InterfaceValue)[]): GoValue {
  item = indirectInterface(item);
  if (item === undefined) fail('slice of untyped nil');
  if (indexes.length > 3) fail(`too many slice indexes: ${indexes.length}`);
  let length: number;
  if (typeof item === 'string') {
    if (indexes.length === 3) fail('cannot 3-index slice a string');
    length = utf8Length(item);
  } else if (Array.isArray(item)) {
    length = item.length;
  } else {
    return fail(`can't slice item of type ${typeName(item)}`);
  }
  const idx = [0, length, 0];
  indexes.forEach((x, i) => {
    idx[i] = indexArg(x, length);
  });
  const [from = 0, to = 0, max = 0] = idx;
  if (from > to) fail(`invalid slice index: ${from} > ${to}`);
  if (indexes.length === 3 && to > max) fail(`invalid slice index: ${to} > ${max}`);
  if (typeof item === 'string') return utf8Decode(utf8Bytes(item).slice(from, to));
  return sameSliceType(item as readonly GoValue[], (item as readonly GoValue[]).slice(from, to));
}

function length(item: GoValue): bigint {
  const ind = indirect(item);
  if (ind.isNil) fail('len of nil pointer');
  item = ind.value;
  if (item === undefined) fail('reflect: call of reflect.Value.Type on zero Value');
  if (typeof item === 'string') return BigInt(utf8Length(item));
  if (Array.isArray(item)) return BigInt(item.length);
  if (isMap(item)) return BigInt(mapSize(item));
  return fail(`len of type ${typeName(item)}`);
}

/** The call built-in: checks the argument count and types like Go, then calls. */
export function callFunction(fn: GoValue, args: GoValue[]): GoValue {
  fn = indirectInterface(fn);
  if (fn === undefined) fail('call of nil');
  if (!isGoFunc(fn)) return fail(`non-function of type ${typeName(fn)}`);
  const numIn = fn.params.length + (fn.variadic !== undefined ? 1 : 0);
  if (fn.variadic !== undefined) {
    if (args.length < numIn - 1) fail(`wrong number of args: got ${args.length} want at least ${numIn - 1}`);
  } else if (args.length !== numIn) {
    fail(`wrong number of args: got ${args.length} want ${numIn}`);
  }
  const argv = args.map((arg, i) => {
    const t = i < fn.params.length ? (fn.params[i] as ParamType) : (fn.variadic as ParamType);
    try {
      return prepareArg(indirectInterface(arg), t);
    } catch (error) {
      return fail(`arg ${i}: ${(error as Error).message}`);
    }
  });
  return fn.fn(...argv);
}

/** printableValue + fmt.Sprint, as html, js and urlquery format their arguments. */
function evalArgs(args: GoValue[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === null || a === undefined ? '<no value>' : a)));
}

function builtin(
  params: ParamType[],
  variadic: ParamType | undefined,
  result: string,
  fn: (...args: GoValue[]) => GoValue,
  returnsError = false,
): GoFunc {
  return variadic === undefined
    ? { kind: 'func', params, result, returnsError, fn }
    : { kind: 'func', params, variadic, result, returnsError, fn };
}

export const builtins: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
  ['and', builtin(['value'], 'value', 'reflect.Value', () => undefined)],
  ['or', builtin(['value'], 'value', 'reflect.Value', () => undefined)],
  ['call', builtin(['value'], 'value', 'reflect.Value', (fn, ...args) => callFunction(fn, args), true)],
  ['html', builtin([], 'any', 'string', (...args) => htmlEscape(evalArgs(args)))],
  ['js', builtin([], 'any', 'string', (...args) => jsEscape(evalArgs(args)))],
  ['urlquery', builtin([], 'any', 'string', (...args) => urlQueryEscape(evalArgs(args)))],
  ['index', builtin(['value'], 'value', 'reflect.Value', (item, ...ix) => index(item, ...ix), true)],
  ['slice', builtin(['value'], 'value', 'reflect.Value', (item, ...ix) => slice(item, ...ix), true)],
  ['len', builtin(['value'], undefined, 'int', (item) => length(item), true)],
  ['not', builtin(['value'], undefined, 'bool', (arg) => !truth(arg))],
  ['print', builtin([], 'any', 'string', (...args) => sprint(args))],
  ['printf', builtin(['string'], 'any', 'string', (format, ...args) => sprintf(format as string, args))],
  ['println', builtin([], 'any', 'string', (...args) => sprintln(args))],
  ['eq', builtin(['value'], 'value', 'bool', (a, ...b) => eq(a, ...b), true)],
  ['ne', builtin(['value', 'value'], undefined, 'bool', (a, b) => !eq(a, b), true)],
  ['lt', builtin(['value', 'value'], undefined, 'bool', (a, b) => lt(a, b), true)],
  ['le', builtin(['value', 'value'], undefined, 'bool', (a, b) => le(a, b), true)],
  ['gt', builtin(['value', 'value'], undefined, 'bool', (a, b) => !le(a, b), true)],
  ['ge', builtin(['value', 'value'], undefined, 'bool', (a, b) => !lt(a, b), true)],
]);
