// Issue 15 item 8, acceptance "an IPv6-only network": flannel's EnableIPv4 false on three weft
// daemons. Each host leases an IPv6 subnet under flannel's "0.0.0.0-0&<v6>-<len>" key (flannel's
// own etcd manager gives the second such host no subnet) and writes subnet.env with the IPv6 pair
// only; the overlay runs the IPv6 device alone and every container pings every container on the
// other hosts over IPv6. Each daemon is told its IPv6 underlay address (--public-ipv6).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type ClusterOptions, type WeftCluster } from '../harness/cluster.ts';
import { addUnderlayIPv6, containerIPv6, underlayIPv6, ipv6Subnets, subnetKeys, wireContainersIPv6 } from '../harness/cluster-ipv6.ts';
import { leftovers } from '../harness/netns.ts';

/** Starts a 3-host cluster for one describe block and tears it down after it. */
function clusterFor(options: Omit<ClusterOptions, 'hosts' | 'hostDaemonArgs'>): () => WeftCluster {
  let cluster: WeftCluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster({ hosts: 3, hostDaemonArgs: (n) => ['--public-ipv6', underlayIPv6(n)], ...options });
  });
  afterAll(async () => {
    const prefix = cluster?.bed.prefix;
    await cluster?.teardown();
    if (prefix !== undefined) expect(await leftovers(prefix)).toEqual({ namespaces: [], links: [] });
  });
  return () => cluster!;
}

describe('an IPv6-only network config on 3 weft hosts', () => {
  const cluster = clusterFor({
    containersPerHost: 2,
    networkConfig: JSON.stringify({ EnableIPv4: false, EnableIPv6: true, IPv6Network: 'fc00:6::/48', Backend: { Type: 'vxlan', VNI: 1 } }),
    beforeDaemons: addUnderlayIPv6,
    // No IPv4 subnets: the bridge and containers get IPv6 addresses only (below).
    wireContainers: false,
  });
  beforeAll(async () => {
    await wireContainersIPv6(cluster(), { makeBridge: true });
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

  it('runs the IPv6 device only, and every container reaches every container on the other hosts over IPv6', async () => {
    const { bed } = cluster();
    const links = await bed.exec(bed.host(1).ns, 'ip', ['-o', 'link', 'show']);
    expect(links.stdout).toContain('weft-v6.1');
    expect(links.stdout).not.toMatch(/ weft\.1[:@]/);
    const pairs = bed.containers.flatMap((from) => bed.containers.filter((to) => to.hostIndex !== from.hostIndex).map((to) => ({ from, to })));
    const failed = [];
    for (const { from, to } of pairs) {
      const r = await bed.ping(from.ns, containerIPv6(cluster(), to));
      if (!r.ok) failed.push(r.output);
    }
    console.log(`IPv6-only e2e: ${pairs.length - failed.length}/${pairs.length} cross-host IPv6 container pings answered`);
    expect(failed).toEqual([]);
    expect(pairs).toHaveLength(24);
  });
});
