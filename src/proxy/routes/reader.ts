// Reading parsed TOML values into typed fields, collecting every problem with its key path. Field
// names match case-insensitively, as Traefik's file provider (paerser) matches them.
import { parseDuration } from '../../net/index.ts';
import type { RouteProblem } from '../types.ts';
import { lineOf, type LineIndex } from './locate.ts';

export type Path = readonly (string | number)[];
export type Table = Readonly<Record<string, unknown>>;

/** Most problems reported per file; the rest are counted in one last problem. */
export const maxProblems = 1000;

export const formatPath = (path: Path): string => path.map(String).join('.');
const isTable = (value: unknown): value is Table => typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

export class Reader {
  readonly errors: RouteProblem[] = [];
  readonly warnings: RouteProblem[] = [];
  readonly #dropped = { errors: 0, warnings: 0 };
  readonly #lines: LineIndex;

  constructor(lines: LineIndex) {
    this.#lines = lines;
  }

  error(path: Path, message: string): undefined {
    this.#add('errors', path, message);
    return undefined;
  }

  warn(path: Path, message: string): void {
    this.#add('warnings', path, message);
  }

  #add(kind: 'errors' | 'warnings', path: Path, message: string): void {
    const list = this[kind];
    if (this.errors.length + this.warnings.length >= maxProblems) {
      this.#dropped[kind] += 1;
      return;
    }
    const line = lineOf(this.#lines, path);
    list.push({ path: formatPath(path), message, ...(line === undefined ? {} : { line }) });
  }

  /** Closes the lists: a last error (or warning) says how many more there were. */
  finish(): void {
    for (const kind of ['errors', 'warnings'] as const) {
      const dropped = this.#dropped[kind];
      if (dropped > 0) this[kind].push({ path: '(file)', message: `${dropped} more ${kind} not shown (at most ${maxProblems} problems are)` });
    }
  }

  table(value: unknown, path: Path): Table | undefined {
    return isTable(value) ? value : this.error(path, `expected a table, found ${describe(value)}`);
  }

  /**
   * The fields of a table by their known names (matched ignoring case); unknown keys are warned
   * about, or errors when `unknownIsError`.
   */
  fields<K extends string>(table: Table, path: Path, known: readonly K[], unsupported: Readonly<Record<string, string>> = {}): { get: (key: K) => [unknown, Path]; has: (key: K) => boolean } {
    const found = new Map<string, [unknown, Path]>();
    const lowerKnown = new Map(known.map((k) => [k.toLowerCase(), k]));
    const lowerUnsupported = new Map(Object.entries(unsupported).map(([k, why]) => [k.toLowerCase(), why]));
    for (const [key, value] of Object.entries(table)) {
      const name = lowerKnown.get(key.toLowerCase());
      const why = lowerUnsupported.get(key.toLowerCase());
      if (name !== undefined) {
        if (found.has(name)) this.error([...path, key], `duplicate key (${name} is already set; names ignore case)`);
        else found.set(name, [value, [...path, key]]);
      } else if (why !== undefined) this.warn([...path, key], `not supported by weft, ignored: ${why}`);
      else this.warn([...path, key], `unknown key, ignored (known here: ${known.join(', ')})`);
    }
    return { get: (key) => found.get(key) ?? [undefined, [...path, key]], has: (key) => found.has(key) };
  }

  string(value: unknown, path: Path, options: { maxLength?: number; nonEmpty?: boolean } = {}): string | undefined {
    if (typeof value !== 'string') return this.error(path, `expected a string, found ${describe(value)}`);
    const maxLength = options.maxLength ?? 4096;
    if (value.length > maxLength) return this.error(path, `longer than ${maxLength} characters`);
    if (options.nonEmpty === true && value === '') return this.error(path, 'must not be empty');
    return value;
  }

  integer(value: unknown, path: Path, min: number, max: number): number | undefined {
    if (typeof value !== 'number' || !Number.isInteger(value)) return this.error(path, `expected an integer, found ${describe(value)}`);
    if (value < min || value > max) return this.error(path, `${value} is out of range (${min} to ${max})`);
    return value;
  }

  boolean(value: unknown, path: Path): boolean | undefined {
    return typeof value === 'boolean' ? value : this.error(path, `expected true or false, found ${describe(value)}`);
  }

  /** Traefik's durations: a Go duration string, or whole seconds as an integer or a string of digits. */
  durationMs(value: unknown, path: Path): number | undefined {
    if (typeof value === 'number' && Number.isInteger(value)) return value * 1000;
    if (typeof value === 'string' && /^[+-]?\d{1,15}$/.test(value)) return Number(value) * 1000;
    const ms = typeof value === 'string' ? parseDuration(value) : undefined;
    return ms ?? this.error(path, `expected a duration ("10s", "1m30s", or whole seconds), found ${describe(value)}`);
  }

  stringArray(value: unknown, path: Path, maxItems: number): string[] | undefined {
    if (!Array.isArray(value)) return this.error(path, `expected an array of strings, found ${describe(value)}`);
    if (value.length > maxItems) return this.error(path, `more than ${maxItems} items`);
    const out: string[] = [];
    value.forEach((item: unknown, i) => {
      const s = this.string(item, [...path, i], { nonEmpty: true });
      if (s !== undefined) out.push(s);
    });
    return out.length === value.length ? out : undefined;
  }

  /** A table of header names to values, checked so they cannot split or smuggle a header. */
  headerMap(value: unknown, path: Path): Record<string, string> | undefined {
    const table = this.table(value, path);
    if (table === undefined) return undefined;
    const out: [string, string][] = [];
    let ok = true;
    for (const [name, v] of Object.entries(table)) {
      const text = this.string(v, [...path, name], { maxLength: 8192 });
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}$/.test(name)) ok = this.error([...path, name], 'not a valid header name (RFC 9110 token)') ?? false;
      else if (text !== undefined && /[\r\n\0]/.test(text)) ok = this.error([...path, name], 'a header value must not contain CR, LF or NUL') ?? false;
      else if (text === undefined) ok = false;
      else out.push([name, text]);
    }
    return ok ? Object.fromEntries(out) : undefined;
  }
}

export function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (isTable(value)) return 'a table';
  if (value instanceof Date) return 'a date';
  return typeof value === 'string' ? `"${value.length > 40 ? `${value.slice(0, 40)}...` : value}"` : String(value);
}

export { isTable };
