// Story: a host's overlay restarts (same state dir): its VTEP MAC is the same, nothing is torn
// down, and pings between the other hosts — and to the restarting host — lose nothing. Then the
// same host runs with ip-masq: flannel's rules appear once in WEFT-* chains, are repaired, and go on clean shutdown (ip_masq_cleanup).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestbed, leftovers, type Testbed } from '../harness/netns.ts';
import type { Lease } from '../../src/overlay/lease.ts';
import { masqChain, restoreSection } from '../../src/overlay/masq.ts';
import { containerIP, kernelView, leaseOf, startDriver, waitFor, wireContainers, type Driver } from './overlay-cluster.ts';

let bed: Testbed;
let drivers: Driver[] = [];
let leases: Lease[] = [];
const peersOf = (i: number): Lease[] => leases.filter((_, j) => j !== i);

beforeAll(async () => {
  bed = await createTestbed({ hosts: 3, containersPerHost: 1 });
  for (const host of bed.hosts) await wireContainers(bed, host, host.index);
  drivers = await Promise.all(bed.hosts.map((host) => startDriver(bed, host, { resyncIntervalMs: 1_000 })));
  leases = drivers.map((d) => leaseOf(d.host.index, d.host, d.vtepMAC));
  await Promise.all(drivers.map((d, i) => d.setLeases(leases[i]!, peersOf(i))));
});

afterAll(async () => {
  await bed?.teardown();
  expect(await leftovers(bed.prefix)).toEqual({ namespaces: [], links: [] });
});

function lossOf(output: string): { sent: number; received: number } {
  const m = /(\d+) packets transmitted, (\d+) received/.exec(output);
  if (!m) throw new Error(`no ping summary in: ${output}`);
  return { sent: Number(m[1]), received: Number(m[2]) };
}

describe('overlay restart', () => {
  it('keeps the VTEP MAC and loses no ping while host 1 restarts', async () => {
    const before = await kernelView(bed, bed.host(1));
    const from = bed.container(2, 1).ns;
    const pings = [containerIP(3, 1), containerIP(1, 1)].map((ip) => bed.exec(from, 'ping', ['-n', '-q', '-i', '0.05', '-c', '80', ip], 30_000));
    await new Promise((r) => setTimeout(r, 500));
    const mac = drivers[0]!.vtepMAC;
    await drivers[0]!.stop();
    drivers[0] = await startDriver(bed, bed.host(1), { resyncIntervalMs: 1_000 }, drivers[0]!.stateDir);
    const settled = await drivers[0].setLeases(leases[0]!, peersOf(0));
    expect(settled.ready).toBe(true);
    const results = (await Promise.all(pings)).map((r) => lossOf(r.stdout));
    console.log(`overlay restart: pings h2->h3 and h2->h1 during restart: ${JSON.stringify(results)}`);
    for (const r of results) expect(r).toEqual({ sent: 80, received: 80 });
    expect(drivers[0].vtepMAC).toBe(mac);
    const after = await kernelView(bed, bed.host(1));
    expect(after.routes).toEqual(before.routes);
    expect(after.neigh.sort()).toEqual(before.neigh.sort());
    expect(after.fdb.sort()).toEqual(before.fdb.sort());
  });
});

describe('ip-masq', () => {
  const ns = () => bed.host(1).ns;
  const iptables = async (args: string[]): Promise<string> => (await bed.exec(ns(), 'iptables', args)).stdout;
  const jumps = async (): Promise<number> =>
    (await iptables(['-t', 'nat', '-S', 'POSTROUTING'])).split('\n').filter((l) => l.includes('-j WEFT-POSTROUTING')).length
    + (await iptables(['-S', 'FORWARD'])).split('\n').filter((l) => l.includes('-j WEFT-FORWARD')).length;

  it('without it, a container cannot reach the underlay (no route back to the cluster network)', async () => {
    expect((await bed.ping(bed.container(1, 1).ns, bed.underlay.ip)).ok).toBe(false);
  });

  it("installs flannel's rules in WEFT-* chains once, keeps them idempotent, repairs them, and masquerades leaving traffic", async () => {
    await drivers[0]!.stop();
    drivers[0] = await startDriver(bed, bed.host(1), { resyncIntervalMs: 1_000, ipMasq: true }, drivers[0]!.stateDir);
    await drivers[0].setLeases(leases[0]!, peersOf(0));
    const nat = await iptables(['-t', 'nat', '-S', 'WEFT-POSTROUTING']);
    // What the real iptables prints is what masq.ts renders (and memory-iptables.ts compares).
    const own = leases[0]!.subnet;
    expect(nat.split('\n').filter((l) => l.startsWith('-A'))).toEqual(restoreSection(masqChain('10.5.0.0/16', own, true), 0).slice(2));
    expect(await iptables(['-S', 'WEFT-FORWARD'])).toContain('-A WEFT-FORWARD -s 10.5.0.0/16 -m comment --comment "weft forward" -j ACCEPT');
    expect(await jumps()).toBe(2);
    // Several resyncs later: still one jump each and the same rules.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await jumps()).toBe(2);
    expect(await iptables(['-t', 'nat', '-S', 'WEFT-POSTROUTING'])).toBe(nat);
    // Tampering is undone by the next resync.
    await bed.exec(ns(), 'iptables', ['-D', 'WEFT-FORWARD', '-s', '10.5.0.0/16', '-m', 'comment', '--comment', 'weft forward', '-j', 'ACCEPT']);
    await bed.exec(ns(), 'iptables', ['-t', 'nat', '-D', 'POSTROUTING', '-m', 'comment', '--comment', 'weft ip-masq', '-j', 'WEFT-POSTROUTING']);
    await waitFor(async () => (await jumps()) === 2 && (await iptables(['-S', 'WEFT-FORWARD'])).includes('-s 10.5.0.0/16 -m comment'), 3_000, 'ip-masq repaired');
    // Masquerading works: the underlay answers a container it has no route to.
    const r = await bed.ping(bed.container(1, 1).ns, bed.underlay.ip);
    expect(r.ok, r.output).toBe(true);
    // Cluster-internal traffic is not masqueraded and still flows.
    expect((await bed.ping(bed.container(1, 1).ns, containerIP(2, 1))).ok).toBe(true);
  });

  it('removes the chains and jumps on clean shutdown', async () => {
    await drivers[0]!.stop();
    expect(await jumps()).toBe(0);
    expect((await bed.exec(ns(), 'iptables', ['-t', 'nat', '-S', 'WEFT-POSTROUTING'])).code).not.toBe(0);
    expect((await bed.exec(ns(), 'iptables', ['-S', 'WEFT-FORWARD'])).code).not.toBe(0);
  });
});
