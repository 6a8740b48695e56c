// Story (issue 15): flanneld's --ip-blackhole-route on `weft daemon`. Host 1 runs with the flag, host
// 2 with --ip-blackhole-route=false; no bridges at first (Canal's case). A packet to an unused
// address of host 1's subnet is dropped there instead of leaving by the default route; host 2's
// goes out by its default route. The route comes back after a hand deletes it, stays across a
// restart, and yields to a bridge that takes the subnet later (the kernel would put it behind ours);
// both at the kernel's notification: the resync interval (60 s) is longer than the test waits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest } from '../../src/admin/client.ts';
import { startCluster, type WeftCluster } from '../harness/cluster.ts';
import { leftovers } from '../harness/netns.ts';
import { waitFor } from './overlay-cluster.ts';

const RESYNC_MS = 60_000;
/** Budget for a change noticed through netlink (debounce 50 ms + one pass), with room for a loaded machine. */
const NOTICED_MS = 5_000;
let cluster: WeftCluster;
let prefix = '';
let own = '';
let other = '';

beforeAll(async () => {
  cluster = await startCluster({
    hosts: 2, containersPerHost: 0, wireContainers: false, resyncInterval: `${RESYNC_MS / 1000}s`,
    runId: `bh${Math.random().toString(36).slice(2, 4).padEnd(2, '0')}`,
    hostDaemonArgs: (n) => [n === 1 ? '--ip-blackhole-route' : '--ip-blackhole-route=false'],
  });
  prefix = cluster.bed.prefix;
  own = cluster.subnetOf(1);
  other = cluster.subnetOf(2);
});

afterAll(async () => {
  await cluster?.teardown();
  expect(await leftovers(prefix)).toEqual({ namespaces: [], links: [] });
});

const ns = (n: number): string => cluster.bed.host(n).ns;
const unused = (subnet: string): string => subnet.replace(/\.0\/24$/, '.77');
const blackholes = async (n: number): Promise<string[]> =>
  (await cluster.bed.exec(ns(n), 'ip', ['route', 'show', 'type', 'blackhole'])).stdout.split('\n').filter((l) => l !== '').map((l) => l.trim());
const routeGet = (n: number, ip: string) => cluster.bed.exec(ns(n), 'ip', ['route', 'get', ip]);
const overlayStatus = async (n: number): Promise<{ blackhole?: { dst: string; state: string; holder?: string } }> => {
  const body = (await adminRequest(cluster.hosts[n - 1]!.socket, 'GET', '/v1/status')).body as { areas: { overlay: { status: { blackhole?: { dst: string; state: string; holder?: string } } } } };
  return body.areas.overlay.status;
};

describe('--ip-blackhole-route on weft daemon', () => {
  it("keeps a blackhole route for host 1's own subnet: a packet to an unused address there is dropped, not routed out", async () => {
    expect(await blackholes(1)).toEqual([`blackhole ${own}`]);
    const get = await routeGet(1, unused(own));
    // The kernel answers a lookup that ends in a blackhole with EINVAL.
    expect(get.code).not.toBe(0);
    expect(get.stderr).toMatch(/Invalid argument/);
    const ping = await cluster.bed.exec(ns(1), 'ping', ['-n', '-c', '1', '-w', '2', unused(own)]);
    expect(ping.code).not.toBe(0);
    expect(`${ping.stdout}${ping.stderr}`).toMatch(/Invalid argument/);
    // Only the own subnet: the peer's goes over VXLAN as before.
    expect((await routeGet(1, unused(other))).stdout).toMatch(/dev weft\.1/);
    expect(await overlayStatus(1)).toMatchObject({ blackhole: { dst: own, state: 'installed' } });
  });

  it('adds none with --ip-blackhole-route=false: the packet leaves by the default route', async () => {
    expect(await blackholes(2)).toEqual([]);
    expect((await routeGet(2, unused(other))).stdout).toMatch(new RegExp(`via ${cluster.bed.underlay.ip.replaceAll('.', '\\.')} `));
    expect((await overlayStatus(2)).blackhole).toBeUndefined();
  });

  it('puts a deleted blackhole route back at once', async () => {
    const del = await cluster.bed.exec(ns(1), 'ip', ['route', 'del', 'blackhole', own]);
    expect(del.code, del.stderr).toBe(0);
    expect(await blackholes(1)).toEqual([]);
    await waitFor(async () => (await blackholes(1)).length === 1, NOTICED_MS, 'blackhole route back');
    expect(await blackholes(1)).toEqual([`blackhole ${own}`]);
  });

  it('leaves the route in place when the daemon stops, and finds it there on restart', async () => {
    expect(await cluster.stopDaemon(1)).toBe(0);
    expect(await blackholes(1)).toEqual([`blackhole ${own}`]);
    await cluster.startDaemon(1);
    expect(await blackholes(1)).toEqual([`blackhole ${own}`]);
    expect(cluster.hosts[0]!.log).not.toMatch(/blackhole_route_failed/);
  });

  it('deletes its blackhole route once a bridge takes the subnet, so the bridge gets its traffic', async () => {
    await cluster.wireHost(cluster.bed.host(1), own);
    await waitFor(async () => (await blackholes(1)).length === 0, NOTICED_MS, 'blackhole route gone');
    expect((await routeGet(1, unused(own))).stdout).toMatch(/dev weftbr0/);
    expect(await overlayStatus(1)).toMatchObject({ blackhole: { dst: own, state: 'held', holder: 'weftbr0' } });
    expect(cluster.hosts[0]!.log).toMatch(/"event":"blackhole_route_removed"/);
  });
});
