// Issue 15 item 8, the part that is done: a network config with EnableIPv6 (flannel's dual-stack)
// on three weft daemons. Each host leases one key with an IPv4 and an IPv6 subnet, writes
// FLANNEL_IPV6_NETWORK / FLANNEL_IPV6_SUBNET to subnet.env, and the IPv4 overlay works exactly as
// on an IPv4-only network: every container pings every container on the other hosts. (IPv6
// routing between containers is not there yet: the overlay programs the IPv4 device only.)
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterNetwork, startCluster, type WeftCluster } from '../harness/cluster.ts';
import { leftovers } from '../harness/netns.ts';

const networkConfig = JSON.stringify({ Network: clusterNetwork, SubnetLen: 24, EnableIPv6: true, IPv6Network: 'fc00:5::/48', Backend: { Type: 'vxlan', VNI: 1 } });
let cluster: WeftCluster;
let prefix = '';

beforeAll(async () => {
  cluster = await startCluster({
    hosts: 3, containersPerHost: 2, networkConfig,
    // The underlay carries no IPv6 in this bed: each daemon is told its IPv6 address, as flannel's --public-ipv6.
    hostDaemonArgs: (n) => ['--public-ipv6', `fd00:213::${10 + n}`],
  });
  prefix = cluster.bed.prefix;
});

afterAll(async () => {
  await cluster?.teardown();
  if (prefix !== '') expect(await leftovers(prefix)).toEqual({ namespaces: [], links: [] });
});

describe('a dual-stack network config on 3 weft hosts', () => {
  it('leases an IPv4 and an IPv6 subnet per host under flannel\'s dual-stack keys', async () => {
    const r = await cluster.bed.exec(cluster.bed.host(1).ns, 'etcdctl', ['--endpoints', cluster.etcd.endpoint, 'get', '--prefix', '/coreos.com/network/subnets/']);
    const lines = r.stdout.trim().split('\n');
    const keys = lines.filter((_, i) => i % 2 === 0);
    expect(keys).toHaveLength(3);
    for (const key of keys) expect(key).toMatch(/^\/coreos\.com\/network\/subnets\/10\.5\.\d+\.0-24&fc00:5:0:[0-9a-f]+::-64$/);
    const values = lines.filter((_, i) => i % 2 === 1);
    expect(values.map((v) => (JSON.parse(v) as { PublicIPv6: string }).PublicIPv6).sort()).toEqual(['fd00:213::11', 'fd00:213::12', 'fd00:213::13']);
    for (const v of values) expect(v).toMatch(/^\{"PublicIP":"10\.213\.0\.1\d","PublicIPv6":"fd00:213::1\d","BackendType":"vxlan","BackendData":\{"VNI":1,"VtepMAC":"[0-9a-f:]{17}"\},"BackendV6Data":\{"VNI":1,"VtepMAC":"[0-9a-f:]{17}"\}\}$/);
  });

  it('writes flannel\'s IPv6 lines to every subnet.env, a different IPv6 subnet per host', () => {
    const subnets = cluster.hosts.map((h) => {
      const env = readFileSync(h.subnetFile, 'utf8');
      expect(env).toMatch(/^FLANNEL_NETWORK=10\.5\.0\.0\/16\nFLANNEL_SUBNET=10\.5\.\d+\.1\/24\nFLANNEL_IPV6_NETWORK=fc00:5::\/48\nFLANNEL_IPV6_SUBNET=fc00:5:0:[0-9a-f]+::1\/64\nFLANNEL_MTU=\d+\nFLANNEL_IPMASQ=false\n$/);
      return /^FLANNEL_IPV6_SUBNET=(.*)$/m.exec(env)?.[1];
    });
    expect(new Set(subnets).size).toBe(3);
  });

  it('keeps IPv4 working: every container pings every container on the other hosts', async () => {
    const pairs = cluster.bed.containers.flatMap((from) => cluster.bed.containers.filter((to) => to.hostIndex !== from.hostIndex).map((to) => ({ from, to })));
    const failed = [];
    for (const { from, to } of pairs) {
      const r = await cluster.bed.ping(from.ns, cluster.containerIP(to));
      if (!r.ok) failed.push(r.output);
    }
    console.log(`dual-stack config e2e: ${pairs.length - failed.length}/${pairs.length} cross-host IPv4 container pings answered`);
    expect(failed).toEqual([]);
    expect(pairs).toHaveLength(24);
  });
});
