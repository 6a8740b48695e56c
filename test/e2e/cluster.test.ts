// Issue 4's stories with the real thing: etcd on the underlay, `weft daemon` (subnet + overlay) in
// three host namespaces, two containers per host on a bridge.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest } from '../../src/admin/client.ts';
import { startCluster, type WeftCluster } from '../harness/cluster.ts';
import { leftovers } from '../harness/netns.ts';

let cluster: WeftCluster;
let prefix = '';

beforeAll(async () => {
  cluster = await startCluster({ hosts: 3, containersPerHost: 2, resyncInterval: '2s' });
  prefix = cluster.bed.prefix;
});

afterAll(async () => {
  await cluster?.teardown();
  expect(await leftovers(prefix)).toEqual({ namespaces: [], links: [] });
});

async function pingAll(): Promise<string[]> {
  const failures: string[] = [];
  for (const from of cluster.bed.containers) {
    for (const to of cluster.bed.containers) {
      if (to.hostIndex === from.hostIndex) continue;
      const result = await cluster.bed.ping(from.ns, cluster.containerIP(to));
      if (!result.ok) failures.push(`${from.ns} -> ${to.ns} (${cluster.containerIP(to)})`);
    }
  }
  return failures;
}

async function routesOn(n: number): Promise<string[]> {
  const host = cluster.hosts[n - 1]!.host;
  const out = await cluster.bed.exec(host.ns, 'ip', ['route', 'show', 'root', '10.5.0.0/16']);
  return out.stdout.split('\n').filter((l) => l.includes('dev weft.1'));
}

/** A command in the underlay namespace's view of etcd (etcd is reachable only inside the bed). */
async function etcdctl(args: string[]): Promise<string> {
  const r = await cluster.bed.exec(cluster.hosts[0]!.host.ns, 'etcdctl', ['--endpoints', cluster.etcd.endpoint, ...args]);
  if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe('a 3-host weft cluster on network namespaces', () => {
  it('gives every host its own subnet and lets every container ping every container on the other hosts', async () => {
    const subnets = [1, 2, 3].map((n) => cluster.subnetOf(n));
    expect(new Set(subnets).size).toBe(3);
    expect(await pingAll()).toEqual([]);
  });

  it('repairs a route, neighbour, FDB entry or the whole device deleted by hand, within one resync interval', async () => {
    const host = cluster.hosts[0]!.host;
    const subnet2 = cluster.subnetOf(2);
    const gateway2 = subnet2.replace('/24', '');
    const ip = async (args: string[]): Promise<string> => (await cluster.bed.exec(host.ns, args[0]!, args.slice(1))).stdout;
    const mac2 = /lladdr (\S+)/.exec(await ip(['ip', 'neigh', 'show', gateway2, 'dev', 'weft.1']))?.[1] ?? '';
    expect(mac2).not.toBe('');
    const cases: [string, string[], () => Promise<boolean>][] = [
      ['route', ['ip', 'route', 'del', subnet2, 'dev', 'weft.1'], async () => (await ip(['ip', 'route', 'show', subnet2])).includes('dev weft.1')],
      ['neighbour', ['ip', 'neigh', 'del', gateway2, 'dev', 'weft.1'], async () => (await ip(['ip', 'neigh', 'show', gateway2, 'dev', 'weft.1'])).includes('PERMANENT')],
      ['fdb entry', ['bridge', 'fdb', 'del', mac2, 'dev', 'weft.1', 'dst', cluster.hosts[1]!.host.ip, 'self'], async () => (await ip(['bridge', 'fdb', 'show', 'dev', 'weft.1'])).includes(mac2)],
      ['device', ['ip', 'link', 'del', 'weft.1'], async () => (await routesOn(1)).length === 2 && (await ip(['bridge', 'fdb', 'show', 'dev', 'weft.1'])).includes(mac2)],
    ];
    for (const [what, command, repaired] of cases) {
      const removed = await cluster.bed.exec(host.ns, command[0]!, command.slice(1));
      expect(removed.code, `${command.join(' ')}: ${removed.stderr}`).toBe(0);
      const begun = Date.now();
      while (!(await repaired())) {
        if (Date.now() - begun > 2000 + 500) throw new Error(`${what} not repaired within the 2 s resync interval`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      process.stdout.write(`overlay repair (weft daemon): ${what} back ${Date.now() - begun} ms after it was deleted (resync interval 2000 ms)\n`);
    }
    expect(await pingAll()).toEqual([]);
  });

  it('ignores a malformed key under the subnets prefix: no route goes away', async () => {
    const before = await routesOn(1);
    await etcdctl(['put', '/coreos.com/network/subnets/not-a-subnet', '{"PublicIP":']);
    await etcdctl(['put', '/coreos.com/network/subnets/10.5.250.0-24', 'garbage']);
    await new Promise((resolve) => setTimeout(resolve, 2500)); // more than one resync interval
    expect(await routesOn(1)).toEqual(before);
    expect(before).toHaveLength(2);
    expect(await pingAll()).toEqual([]);
    await etcdctl(['del', '/coreos.com/network/subnets/not-a-subnet']);
    await etcdctl(['del', '/coreos.com/network/subnets/10.5.250.0-24']);
  });

  it('restarts a daemon with the same subnet and VTEP MAC, losing no ping between the other hosts', async () => {
    const status = async (): Promise<{ subnet: string; vtepMAC: string }> => {
      const body = (await adminRequest(cluster.hosts[0]!.socket, 'GET', '/v1/status')).body as { areas: { subnet: { status: { lease: { subnet: string; vtepMAC: string } } } } };
      return body.areas.subnet.status.lease;
    };
    const before = await status();
    const h2 = cluster.bed.container(2, 1);
    const h3 = cluster.bed.container(3, 1);
    // 40 pings at 50 ms from host 2's container to host 3's while host 1's daemon restarts.
    const pinging = cluster.bed.exec(h2.ns, 'ping', ['-c', '40', '-i', '0.05', '-W', '1', cluster.containerIP(h3)], 30_000);
    expect(await cluster.stopDaemon(1)).toBe(0);
    await cluster.startDaemon(1);
    const ping = await pinging;
    const after = await status();
    expect(after.subnet).toBe(before.subnet);
    expect(after.vtepMAC).toBe(before.vtepMAC);
    expect(ping.stdout).toContain('40 received');
    expect(await pingAll()).toEqual([]);
  });

  it('drops the routes of a host whose daemon stopped and whose lease was removed', async () => {
    const subnet3 = cluster.subnetOf(3);
    expect((await routesOn(1)).some((r) => r.startsWith(subnet3))).toBe(true);
    expect(await cluster.stopDaemon(3)).toBe(0);
    await etcdctl(['del', `/coreos.com/network/subnets/${subnet3.replace('/', '-')}`]);
    const deadline = Date.now() + 5000;
    while ((await routesOn(1)).some((r) => r.startsWith(subnet3)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await routesOn(1)).some((r) => r.startsWith(subnet3))).toBe(false);
    expect((await routesOn(2)).some((r) => r.startsWith(subnet3))).toBe(false);
    const neigh = await cluster.bed.exec(cluster.hosts[0]!.host.ns, 'ip', ['neigh', 'show', 'dev', 'weft.1']);
    expect(neigh.stdout).not.toContain(subnet3.replace('/24', ''));
  });
});
