// Issue 11, item 2, with the real thing: anyone who can write under the leases prefix must not be
// able to reroute a host. Hostile lease keys (0.0.0.0-0, the two /1 halves that override a default
// route, the underlay /24, a /8 over the underlay, a /25 inside a host's own subnet) go into etcd; `weft daemon` (subnet + overlay) in two host
// namespaces must leave the default and underlay routes alone and put nothing on its VXLAN device
// but the valid peer. Routes someone else left on the device, anywhere, are removed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest } from '../../src/admin/client.ts';
import { startCluster, type WeftCluster } from '../harness/cluster.ts';
import { leftovers } from '../harness/netns.ts';

const RESYNC_MS = 2_000;
const PREFIX = '/coreos.com/network/subnets';
let cluster: WeftCluster;
let prefix = '';

beforeAll(async () => {
  cluster = await startCluster({ hosts: 2, containersPerHost: 1, resyncInterval: `${RESYNC_MS / 1000}s` });
  prefix = cluster.bed.prefix;
});

afterAll(async () => {
  await cluster?.teardown();
  expect(await leftovers(prefix)).toEqual({ namespaces: [], links: [] });
});

const hostNs = (n: number): string => cluster.hosts[n - 1]!.host.ns;
const lines = async (n: number, args: string[]): Promise<string[]> =>
  (await cluster.bed.exec(hostNs(n), 'ip', args)).stdout.split('\n').map((l) => l.trim()).filter(Boolean);
/** Destinations of every main-table IPv4 route via the VXLAN device. */
const onDevice = async (n: number): Promise<string[]> => (await lines(n, ['route', 'show', 'dev', 'weft.1'])).map((l) => l.split(' ')[0]!).sort();
const peerRoutes = (n: number): string[] => [cluster.subnetOf(n === 1 ? 2 : 1)];

/** etcdctl from the underlay namespace, whose routes no daemon touches. */
async function etcdctl(args: string[]): Promise<void> {
  const r = await cluster.bed.exec(cluster.bed.underlay.ns, 'etcdctl', ['--endpoints', cluster.etcd.endpoint, ...args]);
  if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')}: ${r.stderr}`);
}

async function overlayStatus(n: number): Promise<{ rejected?: { leases: number; byReason: Record<string, number> } }> {
  const reply = await adminRequest(cluster.hosts[n - 1]!.socket, 'GET', '/v1/status');
  return (reply.body as { areas: { overlay: { status: { rejected?: { leases: number; byReason: Record<string, number> } } } } }).areas.overlay.status;
}

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

async function pingsAcross(): Promise<boolean> {
  const c1 = cluster.bed.container(1, 1);
  const c2 = cluster.bed.container(2, 1);
  return (await cluster.bed.ping(c1.ns, cluster.containerIP(c2))).ok && (await cluster.bed.ping(c2.ns, cluster.containerIP(c1))).ok;
}

describe('hostile lease keys never reroute a host', () => {
  it('leaves the default and underlay routes alone and routes only the valid peer over VXLAN', async () => {
    const before = await Promise.all([1, 2].map(async (n) => ({ default: await lines(n, ['route', 'show', 'default']), underlay: await lines(n, ['route', 'show', '10.213.0.0/24']) })));
    expect(before[0]!.default).toHaveLength(1);
    expect(before[0]!.underlay).toHaveLength(1);
    const own1 = cluster.subnetOf(1).replace(/\.0\/24$/, '');
    const value = (n: number): string => JSON.stringify({
      PublicIP: `10.213.0.${90 + n}`, PublicIPv6: null, BackendType: 'vxlan', BackendData: { VNI: 1, VtepMAC: `02:42:ac:11:00:${90 + n}` },
    });
    const keys = ['0.0.0.0-0', '0.0.0.0-1', '128.0.0.0-1', '10.213.0.0-24', '10.0.0.0-8', `${own1}.128-25`];
    for (const [i, key] of keys.entries()) await etcdctl(['put', `${PREFIX}/${key}`, value(i)]);
    // Until both daemons report the four refused (fixed code), or a bad route shows up (old code).
    const settled = async (): Promise<boolean> => {
      for (const n of [1, 2]) {
        if ((await onDevice(n)).join() !== peerRoutes(n).join()) return true;
        if ((await overlayStatus(n)).rejected?.leases !== keys.length) return false;
      }
      return true;
    };
    await until(settled, 20_000);
    for (const n of [1, 2]) {
      expect(await lines(n, ['route', 'show', 'default']), `default route of host ${n}`).toEqual(before[n - 1]!.default);
      expect(await lines(n, ['route', 'show', '10.213.0.0/24']), `underlay route of host ${n}`).toEqual(before[n - 1]!.underlay);
      expect(await onDevice(n), `routes via weft.1 on host ${n}`).toEqual(peerRoutes(n));
      expect((await lines(n, ['route', 'get', '192.0.2.1']))[0], `the way out of host ${n}`).not.toContain('weft.1');
      expect((await overlayStatus(n)).rejected).toMatchObject({ leases: keys.length });
    }
    expect((await overlayStatus(1)).rejected?.byReason).toEqual({ prefix_len: 5, outside_network: 1 });
    expect(cluster.hosts[0]!.log).toContain('WEFT_E_OVERLAY_LEASE_REJECTED');
    // One more resync later nothing changed (a rejected lease is not re-added on every pass).
    await new Promise((r) => setTimeout(r, RESYNC_MS + 500));
    expect(await lines(1, ['route', 'show', 'default'])).toEqual(before[0]!.default);
    expect(await onDevice(1)).toEqual(peerRoutes(1));
    expect(await pingsAcross()).toBe(true);
    for (const key of keys) await etcdctl(['del', `${PREFIX}/${key}`]);
  });

  it('removes routes and FDB entries someone else put on its device, inside or outside the network, within one resync', async () => {
    const defaults = await lines(1, ['route', 'show', 'default']);
    const gateway = cluster.subnetOf(2).replace('/24', '');
    for (const args of [
      ['route', 'add', '192.0.2.0/24', 'via', gateway, 'dev', 'weft.1', 'onlink'],
      ['route', 'add', 'default', 'via', gateway, 'dev', 'weft.1', 'onlink', 'metric', '500'],
      ['route', 'add', '10.5.250.0/24', 'dev', 'weft.1'],
    ]) {
      const r = await cluster.bed.exec(hostNs(1), 'ip', args);
      expect(r.code, r.stderr).toBe(0);
    }
    // An all-zero FDB entry is the device's default destination: unknown traffic would flood there.
    const fdb = await cluster.bed.exec(hostNs(1), 'bridge', ['fdb', 'append', '00:00:00:00:00:00', 'dev', 'weft.1', 'dst', '10.213.0.99']);
    expect(fdb.code, fdb.stderr).toBe(0);
    const zeroFdb = async (): Promise<boolean> => (await cluster.bed.exec(hostNs(1), 'bridge', ['fdb', 'show', 'dev', 'weft.1'])).stdout.includes('00:00:00:00:00:00');
    const begun = Date.now();
    await until(async () => (await onDevice(1)).join() === peerRoutes(1).join() && !(await zeroFdb()), RESYNC_MS * 3);
    expect(await onDevice(1)).toEqual(peerRoutes(1));
    expect(await zeroFdb()).toBe(false);
    process.stdout.write(`overlay: stray routes and FDB entry on weft.1 removed ${Date.now() - begun} ms after they were added (resync ${RESYNC_MS} ms)\n`);
    expect(await lines(1, ['route', 'show', 'default'])).toEqual(defaults);
    expect(await pingsAcross()).toBe(true);
  });

  it('removes a stray route left on the device while the daemon was down (as an older version would leave it)', async () => {
    expect(await cluster.stopDaemon(1)).toBe(0);
    const planted = await cluster.bed.exec(hostNs(1), 'ip', ['route', 'add', '198.51.100.0/24', 'dev', 'weft.1']);
    expect(planted.code, planted.stderr).toBe(0);
    expect(await onDevice(1)).toContain('198.51.100.0/24');
    await cluster.startDaemon(1);
    await until(async () => !(await onDevice(1)).includes('198.51.100.0/24'), RESYNC_MS * 3);
    expect(await onDevice(1)).toEqual(peerRoutes(1));
    expect(await pingsAcross()).toBe(true);
  });
});
