// Leak test (issue 14): WEFT_CNI_CYCLES (default 100 in `npm test`; the issue asks for 1000: set it) ADD/DEL cycles of weft-cni on one host,
// through the reference runtime, WEFT_CNI_PARALLEL (default 4) at a time, each on a fresh netns
// as a runtime makes one per pod. Every 10th ADD has the plugin SIGKILLed after a random delay
// (its PID recorded by the CNI_PATH wrapper): half of those the runtime follows with DEL, as
// containerd does after a failed ADD; the other half it forgets (netns deleted, no DEL), which
// only GC can clean up. A few attachments survive to the end. Then GC with the survivors as
// cni.dev/valid-attachments must keep exactly them, and DEL of the survivors must leave nothing:
// no host-local allocation, no veth in the host, no link in a container netns, no DNS name or
// PTR in etcd, no cached result, no weft-cni state naming a container.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ip } from '../harness/netns.ts';
import { linksIn, pluginVeths, type CniContainer } from '../cni/containers.ts';
import { dnsZone, eventually, smallestConflist, startCniCluster, type CniCluster } from '../cni/cluster.ts';
import { cniAttachment, cniGC, describeRun, podArgs, type DriverResult } from '../cni/driver.ts';
import type { CniHost } from '../cni/host.ts';

const cycles = Number(process.env.WEFT_CNI_CYCLES ?? 100);
const parallel = Number(process.env.WEFT_CNI_PARALLEL ?? 4);
const survivorsWanted = 5;
const killEvery = 10;
// The SIGKILL comes after a random share of a typical ADD (the median so far; 300 ms before any).
const killDelayMs = (addMs: readonly number[]): number => Math.random() * 0.9 * (addMs.length < 5 ? 300 : median(addMs));
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

let cni: CniCluster;
let host: CniHost;
let conflist = '';
const containerIDs: string[] = [];

beforeAll(async () => {
  cni = await startCniCluster(1);
  host = cni.hosts[0]!;
  conflist = host.conflist('10-weft.conflist', smallestConflist);
});

afterAll(async () => {
  if (cni === undefined) return;
  expect(await cni.teardown()).toEqual({ namespaces: [], links: [] });
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function options(name: string, containerID: string) {
  return host.driverOptions({ args: podArgs(name, containerID), timeoutMs: 60_000 });
}

/** SIGKILLs the plugin of this ADD (by the PID its wrapper wrote) after `delayMs`; true if it hit. */
async function killPluginOf(containerID: string, delayMs: number, done: () => boolean): Promise<boolean> {
  const pidFile = join(host.pidDir, `ADD-${containerID}`);
  let pid = 0;
  while (pid === 0 && !done()) {
    if (existsSync(pidFile)) pid = Number(readFileSync(pidFile, 'utf8').trim()) || 0;
    if (pid === 0) await sleep(2);
  }
  if (pid === 0) return false;
  await sleep(delayMs);
  if (done()) return false;
  // Only our plugin (the wrapper or the node it became), never a recycled PID.
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return false;
  }
  if (!cmdline.includes('weft-cni') && !cmdline.includes('main.ts')) return false;
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

/** Files under the host's /var/lib/cni (outside host-local's dir) that name one of our containers. */
function stateNaming(ids: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) {
        if (path !== join(host.varLibCni, 'networks')) walk(path);
      } else if (ids.some((id) => entry.includes(id) || readFileSync(path, 'utf8').includes(id))) found.push(path);
    }
  };
  walk(host.varLibCni);
  return found;
}

/** Our containers' names, and PTRs of addresses in the host's subnet, in etcd (SkyDNS layout). */
async function dnsKeys(names: readonly string[]): Promise<string[]> {
  const keys = (await cni.etcdctl(['get', '--prefix', '--keys-only', '/skydns/'])).split('\n').filter(Boolean);
  const zonePath = `/${dnsZone.split('.').reverse().join('/')}/`;
  const ptrPath = `/arpa/in-addr/${cni.cluster.subnetOf(1).replace(/\.0\/24$/, '').split('.').join('/')}/`;
  return keys.filter((key) => key.includes(ptrPath) || names.some((name) => key.includes(`${zonePath}${name}/`)));
}

async function strayPlugins(): Promise<number[]> {
  const daemon = cni.cluster.hosts[0]!.daemon?.pid;
  return (await ip(['netns', 'pids', host.ns])).split('\n').filter(Boolean).map(Number).filter((pid) => pid !== daemon);
}

describe(`weft-cni over ${cycles} ADD/DEL cycles, some with the plugin killed mid-ADD`, () => {
  it('leaks no address, veth, link, DNS name or state; GC keeps exactly the valid attachments', { timeout: 1_800_000 }, async () => {
    const stats = { ok: 0, killed: 0, killedThenDel: 0, killedForgotten: 0, killMissed: 0, addMs: [] as number[], delMs: [] as number[] };
    const failures: string[] = [];
    const survivors: { container: CniContainer; name: string }[] = [];
    let next = 0;
    const started = Date.now();

    const cycle = async (i: number): Promise<void> => {
      const name = `cyc-${i}`;
      const container = await cni.containers.create(1);
      containerIDs.push(container.containerID);
      const opts = options(name, container.containerID);
      const kill = i % killEvery === killEvery - 3 && i < cycles - survivorsWanted;
      let finished = false;
      const t0 = performance.now();
      const adding = cniAttachment('add', container, conflist, opts).finally(() => (finished = true));
      const hit = kill ? await killPluginOf(container.containerID, killDelayMs(stats.addMs), () => finished) : false;
      const add: DriverResult = await adding;
      stats.addMs.push(performance.now() - t0);
      if (kill && !hit) stats.killMissed++;
      if (hit) {
        stats.killed++;
        if (add.ok) failures.push(`cycle ${i}: ADD succeeded although its plugin was SIGKILLed`);
        if (i % (2 * killEvery) === killEvery - 3) {
          stats.killedForgotten++; // the runtime lost it: no DEL; the netns goes; GC must clean up
          await cni.containers.remove(container);
          return;
        }
        stats.killedThenDel++;
      } else if (!add.ok) {
        failures.push(describeRun(`cycle ${i} ADD`, add));
      } else if (i >= cycles - survivorsWanted) {
        survivors.push({ container, name });
        return;
      } else stats.ok++;
      const t1 = performance.now();
      const del = await cniAttachment('del', container, conflist, opts);
      stats.delMs.push(performance.now() - t1);
      if (!del.ok) failures.push(describeRun(`cycle ${i} DEL`, del));
      const links = await linksIn(container.name);
      if (links.join() !== 'lo') failures.push(`cycle ${i}: links left in the container netns after DEL: ${links.join(' ')}`);
      await cni.containers.remove(container);
    };
    const worker = async (): Promise<void> => {
      while (next < cycles && failures.length < 20) await cycle(next++);
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    const cyclesMs = Date.now() - started;
    expect(failures).toEqual([]);
    expect(survivors).toHaveLength(survivorsWanted);

    // Orphaned delegates of killed plugins finish their work before GC looks.
    await eventually('no plugin process left in the host netns', strayPlugins, (pids) => pids.length === 0, 60_000);
    const survivorIDs = survivors.map((s) => s.container.containerID);
    const gc = await cniGC(conflist, survivors.map((s) => s.container), host.driverOptions());
    expect(gc.ok, describeRun('GC', gc)).toBe(true);
    const kept = host.allocations('weft');
    expect(kept.map((line) => line.split(' ')[1]).sort(), kept.join('\n')).toEqual([...survivorIDs].sort());
    expect(await dnsKeys(survivors.map((s) => s.name))).toHaveLength(2 * survivorsWanted);

    for (const s of survivors) {
      const del = await cniAttachment('del', s.container, conflist, options(s.name, s.container.containerID));
      expect(del.ok, describeRun(`DEL survivor ${s.name}`, del)).toBe(true);
      expect(await linksIn(s.container.name)).toEqual(['lo']);
      await cni.containers.remove(s.container);
    }
    expect(host.allocations('weft')).toEqual([]);
    expect(await pluginVeths(host.ns, [cni.bed.host(1).link])).toEqual([]);
    expect(cni.containers.live).toEqual([]);
    const names = Array.from({ length: cycles }, (_, i) => `cyc-${i}`);
    expect(await eventually('no container name or PTR in etcd', () => dnsKeys(names), (keys) => keys.length === 0)).toEqual([]);
    const results = join(host.cacheDir, 'results');
    expect(existsSync(results) ? readdirSync(results) : []).toEqual([]);
    expect(stateNaming(containerIDs)).toEqual([]);

    const p = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;
    process.stdout.write(`weft-cni cycles: ${cycles} in ${(cyclesMs / 1000).toFixed(1)} s with ${parallel} in parallel; ${stats.ok} clean, ${stats.killed} plugins SIGKILLed mid-ADD (${stats.killedThenDel} then DEL, ${stats.killedForgotten} left to GC), ${stats.killMissed} kills too late, ${survivorsWanted} survivors through GC; driver ADD p50 ${p(stats.addMs, 0.5).toFixed(0)} ms p99 ${p(stats.addMs, 0.99).toFixed(0)} ms, DEL p50 ${p(stats.delMs, 0.5).toFixed(0)} ms\n`);
    expect(stats.killed).toBeGreaterThan(0);
    expect(stats.killedForgotten).toBeGreaterThan(0);
  });
});
