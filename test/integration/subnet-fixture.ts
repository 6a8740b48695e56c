// Shared set-up for the subnet integration suites: a config with a subnet section, a subnet area
// on a real etcd, and polling helpers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { defaults, type Config } from '../../src/config/index.ts';
import { createSubnetArea, type SubnetArea, type SubnetAreaOptions } from '../../src/subnet/index.ts';
import { etcdHandle } from '../../src/etcd/index.ts';
import { testClient } from '../harness/etcd-client.ts';

export const network16 = '{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan","VNI":1}}';

export function subnetConfig(subnet: Partial<Config['subnet']>): Config {
  const base = defaults();
  return { ...base, subnet: { ...base.subnet, enabled: true, ...subnet } };
}

export class Cleanups {
  readonly #list: (() => unknown)[] = [];
  add(fn: () => unknown): void {
    this.#list.push(fn);
  }
  async run(): Promise<void> {
    for (const fn of this.#list.splice(0).reverse()) await fn();
  }
}

export function tempDir(cleanups: Cleanups): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-subnet-'));
  cleanups.add(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function client(endpoints: readonly string[], cleanups: Cleanups): Etcd3 {
  const c = testClient(endpoints);
  cleanups.add(() => c.close());
  return c;
}

export interface AreaSpec {
  readonly endpoints: readonly string[];
  readonly prefix: string;
  readonly publicIP: string;
  readonly subnetFile: string;
  readonly ttlMs?: number;
  readonly extra?: Partial<SubnetAreaOptions>;
}

/** Starts a subnet area on its own etcd client; stopped (lease kept, like a daemon) at cleanup. */
export async function startArea(spec: AreaSpec, cleanups: Cleanups): Promise<SubnetArea> {
  const etcd = client(spec.endpoints, cleanups);
  const config = subnetConfig({ etcd_prefix: spec.prefix, public_ip: spec.publicIP, subnet_file: spec.subnetFile, lease_ttl: spec.ttlMs ?? 60_000 });
  const area = createSubnetArea({ config, etcd: etcdHandle(etcd), machineSeed: spec.publicIP, verifyIntervalMs: 1000, ...spec.extra });
  // Stopping twice is harmless, so cleanup stops every area whether or not the test did.
  cleanups.add(() => area.stop(new Date(Date.now() + 3000)));
  await area.start(new AbortController().signal);
  return area;
}

export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function waitReady(area: SubnetArea, timeoutMs = 15_000): Promise<void> {
  await waitFor(`subnet area ready (${area.notReadyReason?.() ?? ''})`, () => area.ready() || undefined, timeoutMs);
}
