// The daemon's idle path must not load Node's bundled undici: an ESM import of node:http does
// (it reads the lazy WebSocket getter), +2.3 MiB heap (docs/memory.md, eslint.config.js).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const loads = (module: string): string[] => {
  const url = new URL(module, import.meta.url).href;
  const script = `await import(${JSON.stringify(url)}); console.log(JSON.stringify(process.moduleLoadList.filter((m) => m.includes('undici'))))`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as string[];
};

describe("the daemon's modules", () => {
  it.each(['./daemon.ts', './proxy/index.ts', './dns/index.ts'])('%s loads without Node\'s bundled undici', (module) => {
    expect(loads(module)).toEqual([]);
  });
});
