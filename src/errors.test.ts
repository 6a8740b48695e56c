import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCodes, isWeftError, WeftError } from './errors.ts';

const docs = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
const documented = new Set([...docs.matchAll(/^\|\s*(WEFT_E_[A-Z0-9_]+)\s*\|/gm)].map((m) => m[1]));
const registered = new Set(Object.keys(errorCodes));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('error registry', () => {
  it('documents every registered code in docs/errors.md', () => {
    expect([...registered].filter((code) => !documented.has(code))).toEqual([]);
  });

  it('registers every code docs/errors.md lists', () => {
    expect([...documented].filter((code) => code !== undefined && !registered.has(code))).toEqual([]);
  });

  it('registers every code the sources mention', () => {
    const root = new URL('..', import.meta.url).pathname;
    const used = new Set(
      [...sourceFiles(join(root, 'src')), ...sourceFiles(join(root, 'cni'))].flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/\bWEFT_E_[A-Z0-9_]*[A-Z0-9]\b/g)].map((m) => m[0])),
    );
    expect([...used].filter((code) => !registered.has(code))).toEqual([]);
  });

  it('carries its code for callers to match on', () => {
    const error = new WeftError('WEFT_E_CONFIG', 'bad');
    expect(isWeftError(error, 'WEFT_E_CONFIG')).toBe(true);
    expect(isWeftError(error, 'WEFT_E_USAGE')).toBe(false);
    expect(error.code).toBe('WEFT_E_CONFIG');
  });
});
