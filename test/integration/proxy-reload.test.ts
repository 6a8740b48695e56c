// The route file reloader against the real file system: replaced by rename (as confd does) and
// written in place, missing at start, invalid, too large. The compile step is a stand-in (TOML
// with a `version` key), so this proves the watching and the swap, not the route parser.
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { createProxyMetrics } from '../../src/proxy/metrics.ts';
import { RouteFileReloader, type Compiled } from '../../src/proxy/reload.ts';

let dir = '';
let serial = 0;
const reloaders: RouteFileReloader<number>[] = [];
afterEach(() => {
  for (const r of reloaders.splice(0)) r.close();
  rmSync(dir, { recursive: true, force: true });
});

async function compile(text: string): Promise<Compiled<number>> {
  try {
    const version = (parse(text) as { version?: unknown }).version;
    if (typeof version !== 'number') return { ok: false, errors: [{ path: 'version', message: 'missing' }], warnings: [] };
    return { ok: true, value: version, warnings: [] };
  } catch (error) {
    return { ok: false, errors: [{ path: '', message: (error as Error).message.split('\n')[0] ?? '' }], warnings: [] };
  }
}

function setup(options: { pollMs?: number; file?: string; settleMs?: number } = {}) {
  dir = mkdtempSync(join(tmpdir(), 'weft-proxy-reload-'));
  const file = options.file ?? join(dir, 'routes.toml');
  const applied: { version: number; at: number }[] = [];
  const metrics = createProxyMetrics();
  const reloader = new RouteFileReloader<number>({
    file: file.replace('DIR', dir),
    maxBytes: 4096,
    compile,
    apply: (version) => applied.push({ version, at: performance.now() }),
    logger: silentLogger,
    metrics,
    // The poll backs up the watch; a long one proves the watch delivered the change.
    pollMs: options.pollMs ?? 60_000,
    ...(options.settleMs === undefined ? {} : { settleMs: options.settleMs }),
  });
  reloaders.push(reloader);
  const counter = async (name: string): Promise<number> => (await metrics.registry.getSingleMetric(name)?.get())?.values[0]?.value ?? 0;
  return { file: file.replace('DIR', dir), applied, reloader, counter };
}

const byRename = (file: string, text: string): void => {
  const staged = join(dir, `.routes.toml${++serial}`);
  writeFileSync(staged, text);
  renameSync(staged, file);
};

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const begun = Date.now();
  while (!check()) {
    if (Date.now() - begun > timeoutMs) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('route file reload', () => {
  it('serves every change, by rename and in place, through the directory watch', async () => {
    const { file, applied, reloader, counter } = setup();
    writeFileSync(file, 'version = 0\n');
    await reloader.start();
    expect(applied.map((a) => a.version)).toEqual([0]);
    const latencies: number[] = [];
    for (let version = 1; version <= 20; version++) {
      const t0 = performance.now();
      if (version % 2 === 0) byRename(file, `version = ${version}\n`);
      else writeFileSync(file, `version = ${version}\n# in place ${'x'.repeat(version)}\n`);
      await until(`version ${version} applied`, () => applied.at(-1)?.version === version);
      latencies.push((applied.at(-1)?.at ?? 0) - t0);
    }
    latencies.sort((a, b) => a - b);
    console.log(`route file change -> applied: median ${latencies[10]?.toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms (goal 200 ms)`);
    expect(await counter('weft_proxy_reloads_total')).toBe(21);
    expect(await counter('weft_proxy_reload_failures_total')).toBe(0);
    expect(reloader.lastError()).toBeUndefined();
  });

  it('waits for a file that does not exist yet, then loads it when it appears', async () => {
    const { file, applied, reloader } = setup();
    await reloader.start();
    expect(reloader.loaded).toBe(false);
    expect(reloader.lastError()).toMatch(/routes\.toml: does not exist yet$/);
    byRename(file, 'version = 7\n');
    await until('the new file loaded', () => reloader.loaded);
    expect(applied.map((a) => a.version)).toEqual([7]);
    expect(reloader.lastError()).toBeUndefined();
  });

  it('keeps the previous version on a bad file, counts and shows the error, and recovers', async () => {
    const { file, applied, reloader, counter } = setup();
    writeFileSync(file, 'version = 1\n');
    await reloader.start();
    byRename(file, 'version = "one"\n');
    await until('the failure counted', () => reloader.lastError() !== undefined);
    expect(reloader.lastError()).toMatch(/routes\.toml: version: missing$/);
    expect(await counter('weft_proxy_reload_failures_total')).toBe(1);
    writeFileSync(file, '[broken\n');
    await until('the second failure counted', () => !reloader.lastError()!.includes('version: missing'));
    expect(await counter('weft_proxy_reload_failures_total')).toBe(2);
    writeFileSync(file, 'x'.repeat(5000));
    await until('the oversized file refused', () => reloader.lastError()!.includes('larger than 4096 bytes'));
    expect(applied.map((a) => a.version)).toEqual([1]);
    byRename(file, 'version = 2\n');
    await until('the good file applied', () => applied.at(-1)?.version === 2);
    expect(reloader.lastError()).toBeUndefined();
    expect(reloader.status()).toMatchObject({ loaded: true, file });
  });

  it('a file removed keeps the table; the same bytes coming back load again', async () => {
    const { file, applied, reloader } = setup({ pollMs: 50 });
    writeFileSync(file, 'version = 3\n');
    await reloader.start();
    rmSync(file);
    await until('the removal noticed', () => reloader.lastError()?.includes('does not exist') === true);
    expect(reloader.loaded).toBe(true);
    writeFileSync(file, 'version = 3\n');
    await until('loaded again', () => applied.length === 2);
    expect(reloader.lastError()).toBeUndefined();
  });

  it('an empty file is not tried at once (an in-place writer truncates first, then writes)', async () => {
    const { file, applied, reloader, counter } = setup({ settleMs: 2000 });
    writeFileSync(file, 'version = 4\n');
    await reloader.start();
    writeFileSync(file, '');
    // Past the debounce, inside the settle time: the writer is slow between truncate and write.
    await new Promise((resolve) => setTimeout(resolve, 300));
    writeFileSync(file, 'version = 9\n');
    await until('the written file applied', () => applied.at(-1)?.version === 9);
    expect(await counter('weft_proxy_reload_failures_total')).toBe(0);
    expect(applied.map((a) => a.version)).toEqual([4, 9]);
  });

  it('a directory that appears later is watched once the poll finds it', async () => {
    const { file, applied, reloader } = setup({ pollMs: 50, file: join('DIR', 'later', 'routes.toml') });
    await reloader.start();
    mkdirSync(join(dir, 'later'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    byRename(file, 'version = 5\n');
    await until('loaded from the new directory', () => applied.length === 1);
    writeFileSync(file, 'version = 6\n');
    await until('the next change', () => applied.at(-1)?.version === 6);
  });

  it('SIGHUP (reloadNow) reads the same bytes again', async () => {
    const { file, applied, reloader } = setup();
    writeFileSync(file, 'version = 8\n');
    await reloader.start();
    await reloader.reloadNow();
    expect(applied.map((a) => a.version)).toEqual([8, 8]);
  });
});
