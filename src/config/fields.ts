// Field kinds of the config schema: each knows its default, how to parse a TOML value, and how to
// parse the text of an environment variable or a flag. Parsers return a problem string, never throw.
import { parseDuration } from '../net/index.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

export interface Field<T> {
  readonly kind: string;
  readonly default: T;
  readonly doc: string;
  /** Flag name without dashes, when it is not `<section>-<key>` (flannel-compatible names). */
  readonly flag?: string;
  /** A flag that takes no value (`--ip-masq`, `--no-ip-masq`). */
  readonly switch?: boolean;
  /** A list flag may be repeated; each occurrence appends. */
  readonly repeatable?: boolean;
  fromToml(value: unknown): Parsed<T>;
  fromText(text: string): Parsed<T>;
}

interface FieldOptions {
  flag?: string;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(problem: string): Parsed<T> => ({ ok: false, problem });

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (value instanceof Date) return 'a date';
  return `a ${typeof value}`;
}

export function string(defaultValue: string, doc: string, options: FieldOptions = {}): Field<string> {
  return {
    kind: 'string',
    default: defaultValue,
    doc,
    ...options,
    fromToml: (value) => (typeof value === 'string' ? ok(value) : bad(`expected a string, got ${describe(value)}`)),
    fromText: (text) => ok(text),
  };
}

export function oneOf<const T extends string>(
  choices: readonly T[],
  defaultValue: T,
  doc: string,
  options: FieldOptions = {},
): Field<T> {
  const check = (value: unknown): Parsed<T> =>
    typeof value === 'string' && (choices as readonly string[]).includes(value)
      ? ok(value as T)
      : bad(`expected one of ${choices.map((c) => `"${c}"`).join(', ')}, got ${JSON.stringify(value)}`);
  return { kind: 'enum', default: defaultValue, doc, ...options, fromToml: check, fromText: check };
}

export function integer(defaultValue: number, min: number, max: number, doc: string, options: FieldOptions = {}): Field<number> {
  const check = (value: unknown): Parsed<number> => {
    const n = typeof value === 'bigint' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n)) return bad(`expected an integer, got ${describe(value)}`);
    if (n < min || n > max) return bad(`${n} is out of range ${min}..${max}`);
    return ok(n);
  };
  return {
    kind: 'integer',
    default: defaultValue,
    doc,
    ...options,
    fromToml: check,
    fromText: (text) => (/^-?\d+$/.test(text.trim()) ? check(Number(text.trim())) : bad(`expected an integer, got "${text}"`)),
  };
}

export function boolean(defaultValue: boolean, doc: string, options: FieldOptions = {}): Field<boolean> {
  return {
    kind: 'boolean',
    default: defaultValue,
    doc,
    switch: true,
    ...options,
    fromToml: (value) => (typeof value === 'boolean' ? ok(value) : bad(`expected true or false, got ${describe(value)}`)),
    fromText: (text) => {
      const t = text.trim().toLowerCase();
      // 't'/'f' too: Go's strconv.ParseBool, which flanneld's flags and FLANNELD_* use.
      if (['1', 't', 'true', 'yes', 'on'].includes(t)) return ok(true);
      if (['0', 'f', 'false', 'no', 'off'].includes(t)) return ok(false);
      return bad(`expected true or false, got "${text}"`);
    },
  };
}

/** A duration as Go writes it ("30s", "500ms", "1h30m"); held in milliseconds, rounded to the nearest. */
export function duration(defaultText: string, min: string, doc: string, options: FieldOptions = {}): Field<number> {
  const minMs = parseDuration(min) ?? 0;
  const defaultMs = parseDuration(defaultText);
  if (defaultMs === undefined) throw new Error(`schema bug: default duration "${defaultText}"`);
  const check = (value: unknown): Parsed<number> => {
    if (typeof value !== 'string') return bad(`expected a duration string such as "30s", got ${describe(value)}`);
    const ms = parseDuration(value.trim());
    if (ms === undefined) return bad(`"${value}" is not a duration (use e.g. "500ms", "30s", "1h30m", "24h")`);
    if (ms < 0) return bad(`"${value}" is negative; durations here are lengths of time`);
    if (ms < minMs) return bad(`"${value}" is shorter than the minimum ${min}`);
    return ok(ms);
  };
  return { kind: 'duration', default: defaultMs, doc, ...options, fromToml: check, fromText: check };
}

/** `split: false`: env/flag text is one item, never split at commas (a regex may hold one). */
export function list(defaultValue: readonly string[], doc: string, options: FieldOptions & { check?: (item: string) => string | undefined; split?: boolean } = {}): Field<readonly string[]> {
  const { check, split = true, ...rest } = options;
  const validate = (items: string[]): Parsed<readonly string[]> => {
    for (const item of items) {
      const problem = check?.(item);
      if (problem !== undefined) return bad(problem);
    }
    return ok(items);
  };
  return {
    kind: 'list',
    default: defaultValue,
    doc,
    repeatable: true,
    ...rest,
    fromToml: (value) => {
      if (typeof value === 'string') return validate([value]);
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
        return bad(`expected an array of strings, got ${describe(value)}`);
      }
      return validate(value);
    },
    fromText: (text) => validate(split ? text.split(',').map((s) => s.trim()).filter((s) => s !== '') : text === '' ? [] : [text]),
  };
}

export function fileMode(defaultValue: number, doc: string): Field<number> {
  const check = (value: unknown): Parsed<number> => {
    if (typeof value !== 'string' || !/^0?[0-7]{3}$/.test(value)) return bad(`expected an octal mode string such as "0600", got ${JSON.stringify(value)}`);
    return ok(parseInt(value, 8));
  };
  return { kind: 'mode', default: defaultValue, doc, fromToml: check, fromText: check };
}
