// Story: someone deletes what the overlay programmed (a route, a neighbour, an FDB entry, the
// whole device); the overlay puts it back within one resync interval (2 s here) and traffic flows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestbed, leftovers, type Testbed } from '../harness/netns.ts';
import { containerIP, kernelView, leaseOf, startDriver, waitFor, wireContainers, type Driver } from './overlay-cluster.ts';

const RESYNC_MS = 2_000;
let bed: Testbed;
let drivers: Driver[] = [];
const times: Record<string, number> = {};

beforeAll(async () => {
  bed = await createTestbed({ hosts: 2, containersPerHost: 1 });
  for (const host of bed.hosts) await wireContainers(bed, host, host.index);
  drivers = await Promise.all(bed.hosts.map((host) => startDriver(bed, host, { resyncIntervalMs: RESYNC_MS })));
  const leases = drivers.map((d) => leaseOf(d.host.index, d.host, d.vtepMAC));
  await Promise.all(drivers.map((d, i) => d.setLeases(leases[i]!, leases.filter((_, j) => j !== i))));
  expect((await bed.ping(bed.container(1, 1).ns, containerIP(2, 1))).ok).toBe(true);
});

afterAll(async () => {
  console.log(`overlay repair times (resync interval ${RESYNC_MS} ms): ${JSON.stringify(times)}`);
  await bed?.teardown();
  expect(await leftovers(bed.prefix)).toEqual({ namespaces: [], links: [] });
});

async function breakAndTime(what: string, args: string[], present: () => Promise<boolean>): Promise<void> {
  const ns = bed.host(1).ns;
  expect(await present()).toBe(true);
  const [cmd, ...rest] = args;
  const t0 = performance.now();
  const result = await bed.exec(ns, cmd!, rest);
  expect(result.code, result.stderr).toBe(0);
  // The budget is one resync interval plus the polling overhead of `ip` (exec + parse, ~10-50 ms).
  await waitFor(present, RESYNC_MS + 250, `${what} repaired`);
  times[what] = Math.round(performance.now() - t0);
  expect((await bed.ping(bed.container(1, 1).ns, containerIP(2, 1))).ok).toBe(true);
}

describe('overlay repairs state deleted by hand within one resync interval', () => {
  const view = () => kernelView(bed, bed.host(1));

  it('puts back a deleted route', async () => {
    await breakAndTime('route', ['ip', 'route', 'del', '10.5.2.0/24'], async () => (await view()).routes.includes('10.5.2.0/24 via 10.5.2.0 dev weft.1 onlink'));
  });

  it('puts back a deleted neighbour entry', async () => {
    await breakAndTime('neighbour', ['ip', 'neigh', 'del', '10.5.2.0', 'dev', 'weft.1'], async () => (await view()).neigh.length === 1);
  });

  it('puts back a deleted FDB entry', async () => {
    await breakAndTime('fdb', ['bridge', 'fdb', 'del', drivers[1]!.vtepMAC, 'dev', 'weft.1', 'dst', '10.213.0.12', 'self'],
      async () => (await view()).fdb.length === 1);
  });

  it('recreates a deleted device with its address, neighbour, FDB entry and route', async () => {
    await breakAndTime('device', ['ip', 'link', 'del', 'weft.1'], async () => {
      const v = await view();
      return v.routes.length === 1 && v.neigh.length === 1 && v.fdb.length === 1 && v.link.includes('UP');
    });
  });

  it('replaces a route someone pointed elsewhere, and fixes a device set down', async () => {
    await breakAndTime('route-replaced', ['ip', 'route', 'replace', '10.5.2.0/24', 'via', '10.213.0.1'],
      async () => (await view()).routes.includes('10.5.2.0/24 via 10.5.2.0 dev weft.1 onlink'));
    await breakAndTime('link-down', ['ip', 'link', 'set', 'weft.1', 'down'], async () => /<[^>]*\bUP\b/.test((await view()).link));
  });

  it('repairs from the periodic resync alone when notifications are not acted on', async () => {
    await drivers[0]!.stop();
    const leases = drivers.map((d) => leaseOf(d.host.index, d.host, d.vtepMAC));
    // A 10-minute debounce parks every notification: only the 2 s resync timer can repair.
    drivers[0] = await startDriver(bed, bed.host(1), { resyncIntervalMs: RESYNC_MS, notifyDebounceMs: 600_000 }, drivers[0]!.stateDir);
    await drivers[0].setLeases(leases[0]!, [leases[1]!]);
    await breakAndTime('route-by-resync', ['ip', 'route', 'del', '10.5.2.0/24'], async () => (await view()).routes.length === 1);
    expect(times['route-by-resync']).toBeGreaterThan(100);
  });

  it('recreates a device someone re-made with another VNI', async () => {
    const ns = bed.host(1).ns;
    await bed.exec(ns, 'ip', ['link', 'del', 'weft.1']);
    const made = await bed.exec(ns, 'ip', ['link', 'add', 'weft.1', 'type', 'vxlan', 'id', '99', 'dstport', '8472', 'dev', bed.host(1).link]);
    expect(made.code, made.stderr).toBe(0);
    await waitFor(async () => (await view()).link.includes('vxlan id 1 '), RESYNC_MS, 'device with VNI 1');
    await waitFor(async () => (await bed.ping(bed.container(1, 1).ns, containerIP(2, 1))).ok, RESYNC_MS * 2, 'ping after recreate');
  });
});
