// Shared by the `weft confd` integration tests: one etcd per file, per-test cleanups, a confdir
// with one resource, and polling for a condition.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { testClient } from '../harness/etcd-client.ts';

/** Run (in reverse) after each test. */
export const cleanups: (() => void | Promise<void>)[] = [];

/** Starts etcd before the file's tests (handing it and a client to `use`) and removes it after. */
export function confdTestbed(use: (etcd: EtcdCluster, client: Etcd3) => void): void {
  let etcd: EtcdCluster | undefined;
  let client: Etcd3 | undefined;
  beforeAll(async () => {
    etcd = await startEtcd();
    client = testClient(etcd.endpoints);
    use(etcd, client);
  });
  afterAll(async () => {
    client?.close();
    await etcd?.destroy();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
}

/** A temporary directory removed after the test. */
export function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `weft-${name}-`));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A confdir with one resource (conf.d/app.toml, templates/app.tmpl); @OUT@ is its output dir, @DIR@ the confdir. */
export function singleResource(resource: string, template: string): { dir: string; out: string } {
  const dir = tempDir('confd');
  const out = join(dir, 'out');
  mkdirSync(join(dir, 'conf.d'), { recursive: true });
  mkdirSync(join(dir, 'templates'));
  mkdirSync(out);
  writeFileSync(join(dir, 'conf.d', 'app.toml'), resource.replaceAll('@OUT@', out).replaceAll('@DIR@', dir));
  writeFileSync(join(dir, 'templates', 'app.tmpl'), template);
  return { dir, out };
}

/** Polls `check` until it holds; returns how long that took. */
export async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<number> {
  const begun = Date.now();
  while (!check()) {
    if (Date.now() - begun > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - begun;
}
