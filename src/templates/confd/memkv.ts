// The key/value store a confd template sees, with memkv's semantics (the store confd renders
// from): keys are absolute paths with the resource prefix stripped; `gets` sorts by key, `getvs`
// by value; `ls`/`lsdir` list the next path element, including memkv's quirk that `ls "/"` lists
// only top-level keys and `lsdir "/"` nothing.
import { pathMatch } from './pathmatch.ts';

export interface KVPair {
  readonly Key: string;
  readonly Value: string;
}

export class KeyNotFoundError extends Error {
  constructor(key: string) {
    super(`key does not exist: ${key}`);
    this.name = 'KeyNotFoundError';
  }
}

/** Go's path.Clean for slash-separated paths. */
export function cleanPath(path: string): string {
  if (path === '') return '.';
  const rooted = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out.at(-1) !== '..') out.pop();
      else if (!rooted) out.push('..');
    } else out.push(part);
  }
  const joined = out.join('/');
  return rooted ? `/${joined}` : joined === '' ? '.' : joined;
}

/** Go's path.Dir. */
export function dirPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return cleanPath(path.slice(0, slash + 1));
}

/** Go's path.Base. */
export function basePath(path: string): string {
  if (path === '') return '.';
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Go's path.Join. */
export function joinPath(...parts: string[]): string {
  const nonEmpty = parts.filter((p) => p !== '');
  return nonEmpty.length === 0 ? '' : cleanPath(nonEmpty.join('/'));
}

const terms = (path: string): string[] => cleanPath(path).split('/');
const stripKey = (key: string, prefix: string): string => (key.startsWith(prefix) ? key.slice(prefix.length) : key).replace(/^\//, '');

function samePrefixTerms(prefix: readonly string[], test: readonly string[]): boolean {
  return test.length >= prefix.length && prefix.every((term, i) => term === test[i]);
}

// Go sorts strings by bytes (UTF-8), which for UTF-16 JS strings differs only outside the BMP;
// comparing code points gives the same order.
export function compareGoStrings(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i]?.codePointAt(0) ?? 0) - (y[i]?.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

export class MemKV {
  readonly #m = new Map<string, string>();

  set(key: string, value: string): void {
    this.#m.set(key, value);
  }

  del(key: string): void {
    this.#m.delete(key);
  }

  purge(): void {
    this.#m.clear();
  }

  get size(): number {
    return this.#m.size;
  }

  exists(key: string): boolean {
    return this.#m.has(key);
  }

  get(key: string): KVPair {
    const value = this.#m.get(key);
    if (value === undefined) throw new KeyNotFoundError(key);
    return { Key: key, Value: value };
  }

  /** getv: the value, the default when given and the key is missing, else an error. */
  getValue(key: string, ...defaults: string[]): string {
    const value = this.#m.get(key);
    if (value !== undefined) return value;
    if (defaults.length > 0) return defaults[0] ?? '';
    throw new KeyNotFoundError(key);
  }

  /** gets: every pair whose key matches the path.Match pattern, sorted by key. */
  getAll(pattern: string): KVPair[] {
    const out: KVPair[] = [];
    for (const [key, value] of this.#m) if (pathMatch(pattern, key)) out.push({ Key: key, Value: value });
    return out.sort((a, b) => compareGoStrings(a.Key, b.Key));
  }

  /** getvs: the values of `gets`, sorted by value. */
  getAllValues(pattern: string): string[] {
    return this.getAll(pattern)
      .map((kv) => kv.Value)
      .sort(compareGoStrings);
  }

  /** ls: the next path element of every key below `path` (a key equal to `path` lists its base). */
  list(path: string): string[] {
    const prefix = terms(path);
    const found = new Set<string>();
    for (const key of this.#m.keys()) {
      if (key === path) {
        found.add(basePath(key));
        continue;
      }
      if (samePrefixTerms(prefix, terms(dirPath(key)))) found.add(stripKey(key, path).split('/')[0] ?? '');
    }
    return [...found].sort(compareGoStrings);
  }

  /** lsdir: like ls, but only elements that have keys below them. */
  listDir(path: string): string[] {
    const prefix = terms(path);
    const found = new Set<string>();
    for (const key of this.#m.keys()) {
      if (!key.startsWith(path)) continue;
      const items = terms(dirPath(key));
      if (samePrefixTerms(prefix, items) && items.length - prefix.length >= 1) found.add(items[prefix.length] ?? '');
    }
    return [...found].sort(compareGoStrings);
  }
}
