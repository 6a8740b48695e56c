// weft-cni's start stays small: its commands load no npm package and none of Node's heavy network
// modules (node:http alone costs 30-80 ms to load, the plugin's whole budget).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = import.meta.dirname;

function sources(at: string): string[] {
  return readdirSync(at, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(at, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(at, e.name)] : []));
}

describe('weft-cni start', () => {
  it('imports only node: builtins, its own files, and types from the admin client', () => {
    for (const file of sources(dir)) {
      for (const [line, kind, from] of readFileSync(file, 'utf8').matchAll(/^import (type )?.*? from '([^']+)';$/gm)) {
        const ok = from?.startsWith('node:') === true || (from?.startsWith('.') === true && !from.includes('src/')) || (kind !== undefined && from === '../src/admin/client.ts');
        expect(ok, `${file}: ${line}`).toBe(true);
      }
    }
  });

  it('loading every command pulls in no http, tls or zlib', () => {
    const script = `for (const c of ['add', 'del', 'check', 'status', 'gc']) await import('./cni/commands/' + c + '.ts');
      console.log(JSON.stringify(process.moduleLoadList.filter((m) => /^NativeModule (_?http|https|http2|tls|zlib)/.test(m))));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: join(dir, '..') }).toString();
    expect(JSON.parse(out)).toEqual([]);
  });
});
