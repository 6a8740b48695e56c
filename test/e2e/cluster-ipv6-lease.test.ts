// Issue 15 item 8, the part that is done: flannel's EnableIPv6 on three weft daemons.
// - Dual-stack: each host leases one key with an IPv4 and an IPv6 subnet, writes
//   FLANNEL_IPV6_NETWORK / FLANNEL_IPV6_SUBNET to subnet.env, and the IPv4 overlay works exactly as
//   on an IPv4-only network: every container pings every container on the other hosts.
// - IPv6-only (EnableIPv4 false): each host leases an IPv6 subnet under flannel's
//   "0.0.0.0-0&<v6>-<len>" key (flannel's own etcd manager gives the second such host no subnet)
//   and writes subnet.env with the IPv6 pair only; the overlay is off (it has no IPv6 device yet).
// The underlay carries no IPv6 in this bed: each daemon is told its IPv6 address (--public-ipv6).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterNetwork, startCluster, type ClusterOptions, type WeftCluster } from '../harness/cluster.ts';
import { leftovers } from '../harness/netns.ts';

/** Starts a 3-host cluster for one describe block and tears it down after it. */
function clusterFor(options: Omit<ClusterOptions, 'hosts' | 'hostDaemonArgs'>): () => WeftCluster {
  let cluster: WeftCluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster({ hosts: 3, hostDaemonArgs: (n) => ['--public-ipv6', `fd00:213::${10 + n}`], ...options });
  });
  afterAll(async () => {
    const prefix = cluster?.bed.prefix;
    await cluster?.teardown();
    if (prefix !== undefined) expect(await leftovers(prefix)).toEqual({ namespaces: [], links: [] });
  });
  return () => cluster!;
}

/** The keys and values under subnets/, as etcdctl prints them. */
async function subnetKeys(cluster: WeftCluster): Promise<{ keys: string[]; values: string[] }> {
  const r = await cluster.bed.exec(cluster.bed.host(1).ns, 'etcdctl', ['--endpoints', cluster.etcd.endpoint, 'get', '--prefix', '/coreos.com/network/subnets/']);
  const lines = r.stdout.trim().split('\n');
  return { keys: lines.filter((_, i) => i % 2 === 0), values: lines.filter((_, i) => i % 2 === 1) };
}

/** Each host's subnet.env matches `pattern`; returns the FLANNEL_IPV6_SUBNETs. */
function ipv6Subnets(cluster: WeftCluster, pattern: RegExp): (string | undefined)[] {
  return cluster.hosts.map((h) => {
    const env = readFileSync(h.subnetFile, 'utf8');
    expect(env).toMatch(pattern);
    return /^FLANNEL_IPV6_SUBNET=(.*)$/m.exec(env)?.[1];
  });
}

describe('a dual-stack network config on 3 weft hosts', () => {
  const cluster = clusterFor({
    containersPerHost: 2,
    networkConfig: JSON.stringify({ Network: clusterNetwork, SubnetLen: 24, EnableIPv6: true, IPv6Network: 'fc00:5::/48', Backend: { Type: 'vxlan', VNI: 1 } }),
  });

  it('leases an IPv4 and an IPv6 subnet per host under flannel\'s dual-stack keys', async () => {
    const { keys, values } = await subnetKeys(cluster());
    expect(keys).toHaveLength(3);
    for (const key of keys) expect(key).toMatch(/^\/coreos\.com\/network\/subnets\/10\.5\.\d+\.0-24&fc00:5:0:[0-9a-f]+::-64$/);
    expect(values.map((v) => (JSON.parse(v) as { PublicIPv6: string }).PublicIPv6).sort()).toEqual(['fd00:213::11', 'fd00:213::12', 'fd00:213::13']);
    for (const v of values) expect(v).toMatch(/^\{"PublicIP":"10\.213\.0\.1\d","PublicIPv6":"fd00:213::1\d","BackendType":"vxlan","BackendData":\{"VNI":1,"VtepMAC":"[0-9a-f:]{17}"\},"BackendV6Data":\{"VNI":1,"VtepMAC":"[0-9a-f:]{17}"\}\}$/);
  });

  it('writes flannel\'s IPv6 lines to every subnet.env, a different IPv6 subnet per host', () => {
    const subnets = ipv6Subnets(cluster(), /^FLANNEL_NETWORK=10\.5\.0\.0\/16\nFLANNEL_SUBNET=10\.5\.\d+\.1\/24\nFLANNEL_IPV6_NETWORK=fc00:5::\/48\nFLANNEL_IPV6_SUBNET=fc00:5:0:[0-9a-f]+::1\/64\nFLANNEL_MTU=\d+\nFLANNEL_IPMASQ=false\n$/);
    expect(new Set(subnets).size).toBe(3);
  });

  it('keeps IPv4 working: every container pings every container on the other hosts', async () => {
    const { bed } = cluster();
    const pairs = bed.containers.flatMap((from) => bed.containers.filter((to) => to.hostIndex !== from.hostIndex).map((to) => ({ from, to })));
    const failed = [];
    for (const { from, to } of pairs) {
      const r = await bed.ping(from.ns, cluster().containerIP(to));
      if (!r.ok) failed.push(r.output);
    }
    console.log(`dual-stack config e2e: ${pairs.length - failed.length}/${pairs.length} cross-host IPv4 container pings answered`);
    expect(failed).toEqual([]);
    expect(pairs).toHaveLength(24);
  });
});

describe('an IPv6-only network config on 3 weft hosts', () => {
  const cluster = clusterFor({
    containersPerHost: 0,
    networkConfig: JSON.stringify({ EnableIPv4: false, EnableIPv6: true, IPv6Network: 'fc00:6::/48', Backend: { Type: 'vxlan', VNI: 1 } }),
    extraDaemonArgs: ['--no-overlay-enabled'],
    // No IPv4 subnets to wire a bridge into.
    wireContainers: false,
  });

  it('leases one IPv6 subnet per host under flannel\'s IPv6-only keys', async () => {
    const { keys, values } = await subnetKeys(cluster());
    expect(keys).toHaveLength(3);
    for (const key of keys) expect(key).toMatch(/^\/coreos\.com\/network\/subnets\/0\.0\.0\.0-0&fc00:6:0:[0-9a-f]+::-64$/);
    for (const v of values) expect(v).toMatch(/^\{"PublicIP":"0\.0\.0\.0","PublicIPv6":"fd00:213::1\d","BackendType":"vxlan","BackendV6Data":\{"VNI":1,"VtepMAC":"[0-9a-f:]{17}"\}\}$/);
  });

  it('writes subnet.env with only the IPv6 pair, a different subnet per host', () => {
    const subnets = ipv6Subnets(cluster(), /^FLANNEL_IPV6_NETWORK=fc00:6::\/48\nFLANNEL_IPV6_SUBNET=fc00:6:0:[0-9a-f]+::1\/64\nFLANNEL_MTU=\d+\nFLANNEL_IPMASQ=false\n$/);
    expect(new Set(subnets).size).toBe(3);
  });
});
