// Reading JSON the way Go's encoding/json fills a struct, for flannel's and SkyDNS's formats: object
// keys match field names exactly or else case-insensitively (Go's folding, so "HOST" and "Host" fill
// `host`), unknown keys are ignored, a later duplicate wins, and `null` leaves a field at its zero
// value. A value of the wrong type is an error naming the field, never a silent zero: Go's
// Unmarshal returns an error there, and CoreDNS and flannel refuse the whole value.

export class GoJsonError extends Error {
  override readonly name = 'GoJsonError';
}

/** A JSON number with its literal: Go decides from the text whether it fits an integer field (80 does, 80.0 and 1e2 do not). */
export class GoNumber {
  readonly source: string;
  constructor(source: string) {
    this.source = source;
  }
  get value(): number {
    return Number(this.source);
  }
}

/**
 * JSON.parse keeping each number's literal (a GoNumber), so integer fields are checked as Go checks
 * them. Text whose numbers are all short plain integers (the usual case) is parsed without the
 * reviver, 6 times faster: those numbers say what their literal was.
 */
export function goParse(text: string): unknown {
  if (plainIntegers(text)) return JSON.parse(text);
  return JSON.parse(text, (_key: string, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' ? new GoNumber(context?.source ?? String(value)) : value,
  );
}

/** True when no number outside strings has a fraction, an exponent or more than 15 digits. */
function plainIntegers(text: string): boolean {
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (++digits > 15) return false;
    } else if (c === 0x2e || ((c === 0x65 || c === 0x45) && digits > 0)) {
      return false; // '.', or 'e'/'E' after a digit (true and false have theirs after letters)
    } else digits = 0;
  }
  return true;
}

/** Go's foldName: ASCII upper case, other runes ToUpper(ToLower(r)) (so the Kelvin sign matches k, ſ matches s). */
export function goFold(name: string): string {
  if (/^[\x00-\x7f]*$/.test(name)) return name.toUpperCase();
  let out = '';
  for (const rune of name) {
    if (rune < '\u0080') {
      out += rune.toUpperCase();
      continue;
    }
    const folded = rune.toLowerCase().toUpperCase();
    out += [...folded].length === 1 ? folded : rune; // Go maps rune to rune; 'ß' → 'SS' is not Go's
  }
  return out;
}

/** The field a key fills (Go prefers the field spelled exactly like the key, then the first whose folded name matches). */
function fieldMatcher<F extends string>(fields: readonly F[]): (key: string) => F | undefined {
  const exact = new Set<string>(fields);
  const folded = new Map<string, F>();
  for (const f of fields) if (!folded.has(goFold(f))) folded.set(goFold(f), f);
  return (key) => (exact.has(key) ? (key as F) : folded.get(goFold(key)));
}

/** One matcher per shape: decoding a large snapshot must not fold the field names per value. */
const matchers = new WeakMap<object, (key: string) => string | undefined>();

function entries(object: unknown, where: string): [string, unknown][] {
  if (object === null || object === undefined) return [];
  if (typeof object !== 'object' || Array.isArray(object) || object instanceof GoNumber) {
    throw new GoJsonError(`${where} must be a JSON object, got ${describe(object)}`);
  }
  return Object.entries(object as Record<string, unknown>);
}

/** Assigns each key of `object` to the field it matches, in document order (so the last one wins). */
export function goFields<const F extends string>(object: unknown, fields: readonly F[], where: string): Partial<Record<F, unknown>> {
  const match = fieldMatcher(fields);
  const out: Partial<Record<F, unknown>> = {};
  for (const [key, value] of entries(object, where)) {
    const field = match(key);
    if (field === undefined || value === null) continue;
    out[field] = value;
  }
  return out;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof GoNumber) return `number ${value.source}`;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value) ?? ''}`;
}

export function goBool(value: unknown, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new GoJsonError(`${field} must be true or false, got ${describe(value)}`);
  return value;
}

export function goString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new GoJsonError(`${field} must be a string, got ${describe(value)}`);
  return value;
}

/** A Go []string: a JSON array of strings (a null element is Go's zero value, ""). */
export function goStrings(value: unknown, field: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new GoJsonError(`${field} must be a list of strings, got ${describe(value)}`);
  return value.map((item: unknown, i) => (item === null ? '' : (goString(item, `${field}[${i}]`) as string)));
}

/** An integer in [min, max], as Go's int/uint fields accept it: an integer literal (no fraction, exponent or string). */
export function goInt(value: unknown, field: string, min: number | bigint, max: number | bigint): number | undefined {
  if (value === undefined) return undefined;
  const literal = value instanceof GoNumber ? value.source : typeof value === 'number' && Number.isInteger(value) ? String(value) : undefined;
  if (literal === undefined || !/^-?\d+$/.test(literal)) {
    throw new GoJsonError(`${field} must be a whole number, got ${describe(value)}`);
  }
  const exact = BigInt(literal);
  if (exact < BigInt(min) || exact > BigInt(max)) throw new GoJsonError(`${field} must be between ${min} and ${max}, got ${literal}`);
  return Number(exact);
}

/** Go field types a struct shape may name, with the ranges Go's decoder enforces for them. */
export type GoKind = 'string' | 'bool' | 'int' | 'int64' | 'uint16' | 'uint32' | 'uint64' | '[]string';
export type GoShape = Readonly<Record<string, GoKind>>;
type GoValue<K extends GoKind> = K extends 'string' ? string : K extends 'bool' ? boolean : K extends '[]string' ? string[] : number;
export type GoStruct<S extends GoShape> = { -readonly [K in keyof S]: GoValue<S[K]> | undefined };

const ranges: Record<Exclude<GoKind, 'string' | 'bool' | '[]string'>, readonly [bigint, bigint]> = {
  int: [-(2n ** 63n), 2n ** 63n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint16: [0n, 2n ** 16n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

/**
 * Decodes `value` (from goParse) into the fields of `shape`, as json.Unmarshal fills a Go struct:
 * absent or null fields are undefined (the caller's zero value); the first type error in document
 * order throws, naming `where.field`.
 */
export function goStruct<const S extends GoShape>(value: unknown, shape: S, where: string): GoStruct<S> {
  let match = matchers.get(shape) as ((key: string) => (keyof S & string) | undefined) | undefined;
  if (match === undefined) matchers.set(shape, (match = fieldMatcher(Object.keys(shape) as (keyof S & string)[])));
  const out = {} as Record<string, unknown>;
  // Every occurrence is decoded (an earlier duplicate of the wrong type is still Go's error); the last one wins.
  for (const [key, given] of entries(value, where)) {
    const name = match(key);
    if (name === undefined || given === null) continue;
    const kind = shape[name] as GoKind;
    const field = `${where}.${name}`;
    out[name] = kind === 'string' ? goString(given, field) : kind === 'bool' ? goBool(given, field) : kind === '[]string' ? goStrings(given, field) : goInt(given, field, ...ranges[kind]);
  }
  return out as GoStruct<S>;
}
