// Issue 15 item 8, acceptance: three weft hosts on a dual-stack network (EnableIPv6), IPv4 and
// IPv6 pings between all containers, through the IPv4 device (weft.1) and flannel's second,
// IPv6 device (weft-v6.1: routes, permanent neighbours and FDB entries via each peer's PublicIPv6).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterNetwork, startCluster, type WeftCluster } from '../harness/cluster.ts';
import { addUnderlayIPv6, containerIPv6, ipv6SubnetOf, ipv6Subnets, subnetKeys, underlayIPv6, wireContainersIPv6 } from '../harness/cluster-ipv6.ts';
import { leftovers } from '../harness/netns.ts';

const networkConfig = JSON.stringify({ Network: clusterNetwork, SubnetLen: 24, EnableIPv6: true, IPv6Network: 'fc00:5::/48', Backend: { Type: 'vxlan', VNI: 1 } });
let cluster: WeftCluster;
let prefix = '';

beforeAll(async () => {
  cluster = await startCluster({
    hosts: 3, containersPerHost: 2, networkConfig, beforeDaemons: addUnderlayIPv6,
    hostDaemonArgs: (n) => ['--public-ipv6', underlayIPv6(n)],
  });
  prefix = cluster.bed.prefix;
  await wireContainersIPv6(cluster);
});

afterAll(async () => {
  await cluster?.teardown();
  if (prefix !== '') expect(await leftovers(prefix)).toEqual({ namespaces: [], links: [] });
});

async function sh(ns: string, args: string[]): Promise<string> {
  const r = await cluster.bed.exec(ns, args[0]!, args.slice(1));
  if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe('dual-stack overlay: 3 hosts × 2 containers', () => {
  it('leases an IPv4 and an IPv6 subnet per host under flannel\'s dual-stack keys', async () => {
    const { keys, values } = await subnetKeys(cluster);
    expect(keys).toHaveLength(3);
    for (const key of keys) expect(key).toMatch(/^\/coreos\.com\/network\/subnets\/10\.5\.\d+\.0-24&fc00:5:0:[0-9a-f]+::-64$/);
    expect(values.map((v) => (JSON.parse(v) as { PublicIPv6: string }).PublicIPv6).sort()).toEqual(['fd00:213::11', 'fd00:213::12', 'fd00:213::13']);
    for (const v of values) expect(v).toMatch(/^\{"PublicIP":"10\.213\.0\.1\d","PublicIPv6":"fd00:213::1\d","BackendType":"vxlan","BackendData":\{"VNI":1,"VtepMAC":"[0-9a-f:]{17}"\},"BackendV6Data":\{"VNI":1,"VtepMAC":"[0-9a-f:]{17}"\}\}$/);
  });

  it('writes flannel\'s IPv6 lines to every subnet.env, a different IPv6 subnet per host', () => {
    const subnets = ipv6Subnets(cluster, /^FLANNEL_NETWORK=10\.5\.0\.0\/16\nFLANNEL_SUBNET=10\.5\.\d+\.1\/24\nFLANNEL_IPV6_NETWORK=fc00:5::\/48\nFLANNEL_IPV6_SUBNET=fc00:5:0:[0-9a-f]+::1\/64\nFLANNEL_MTU=\d+\nFLANNEL_IPMASQ=false\n$/);
    expect(new Set(subnets).size).toBe(3);
  });

  it('programs the IPv6 device as flannel\'s flannel-v6.<VNI>: address, onlink routes, neighbours and FDB via PublicIPv6', async () => {
    const ns = cluster.bed.host(1).ns;
    const link = await sh(ns, ['ip', '-d', 'link', 'show', 'weft-v6.1']);
    expect(link).toMatch(/vxlan id 1 local fd00:213::11 dev \S+ .*dstport 8472 nolearning/s);
    expect(await sh(ns, ['ip', '-6', '-o', 'addr', 'show', 'dev', 'weft-v6.1'])).toContain(`inet6 ${ipv6SubnetOf(cluster, 1)}/128`);
    const routes = (await sh(ns, ['ip', '-6', 'route', 'show', 'dev', 'weft-v6.1'])).split('\n').filter((l) => l.includes(' via '));
    expect(routes.map((r) => r.replace(/ metric \d+| pref medium|\s+$/g, '')).sort()).toEqual(
      [2, 3].map((n) => `${ipv6SubnetOf(cluster, n)}/64 via ${ipv6SubnetOf(cluster, n)} onlink`).sort(),
    );
    const fdb = await sh(ns, ['bridge', 'fdb', 'show', 'dev', 'weft-v6.1']);
    for (const n of [2, 3]) expect(fdb).toContain(`dst ${underlayIPv6(n)} self permanent`);
    const neigh = await sh(ns, ['ip', '-6', 'neigh', 'show', 'dev', 'weft-v6.1']);
    for (const n of [2, 3]) expect(neigh).toMatch(new RegExp(`^${ipv6SubnetOf(cluster, n)} lladdr [0-9a-f:]{17} PERMANENT`, 'm'));
  });

  it('accepts forwarding for IPv6Network in ip6tables, as flannel (WEFT-FORWARD, jumped to from FORWARD)', async () => {
    const ns = cluster.bed.host(1).ns;
    const chain = await sh(ns, ['ip6tables', '-S', 'WEFT-FORWARD']);
    expect(chain).toContain('-A WEFT-FORWARD -s fc00:5::/48 -m comment --comment "weft forward" -j ACCEPT');
    expect(chain).toContain('-A WEFT-FORWARD -d fc00:5::/48 -m comment --comment "weft forward" -j ACCEPT');
    expect(await sh(ns, ['ip6tables', '-S', 'FORWARD'])).toContain('-j WEFT-FORWARD');
  });

  it('lets every container reach every container on the other hosts over IPv4 and IPv6', async () => {
    const { bed } = cluster;
    const pairs = bed.containers.flatMap((from) => bed.containers.filter((to) => to.hostIndex !== from.hostIndex).map((to) => ({ from, to })));
    const failed: string[] = [];
    let v4 = 0;
    let v6 = 0;
    for (const { from, to } of pairs) {
      const r4 = await bed.ping(from.ns, cluster.containerIP(to));
      const r6 = await bed.ping(from.ns, containerIPv6(cluster, to));
      if (r4.ok) v4++;
      else failed.push(r4.output);
      if (r6.ok) v6++;
      else failed.push(r6.output);
    }
    console.log(`dual-stack e2e: ${v4}/${pairs.length} IPv4 and ${v6}/${pairs.length} IPv6 cross-host container pings answered`);
    expect(failed).toEqual([]);
    expect(pairs).toHaveLength(24);
  });

  it('repairs the IPv6 device\'s state someone else removes (route, neighbour, FDB entry)', async () => {
    const ns = cluster.bed.host(1).ns;
    const peer = ipv6SubnetOf(cluster, 2);
    const fdbLine = (await sh(ns, ['bridge', 'fdb', 'show', 'dev', 'weft-v6.1'])).split('\n').find((l) => l.includes(`dst ${underlayIPv6(2)}`))!;
    const mac = fdbLine.split(' ')[0]!;
    await sh(ns, ['ip', '-6', 'route', 'del', `${peer}/64`, 'dev', 'weft-v6.1']);
    await sh(ns, ['ip', '-6', 'neigh', 'del', peer, 'dev', 'weft-v6.1']);
    await sh(ns, ['bridge', 'fdb', 'del', mac, 'dev', 'weft-v6.1', 'dst', underlayIPv6(2), 'self']);
    // Netlink notifications trigger the repair; poll for it (the resync timer is 30 s).
    const deadline = Date.now() + 10_000;
    let state = '';
    while (Date.now() < deadline) {
      state = [
        await sh(ns, ['ip', '-6', 'route', 'show', 'dev', 'weft-v6.1']),
        await sh(ns, ['ip', '-6', 'neigh', 'show', 'dev', 'weft-v6.1']),
        await sh(ns, ['bridge', 'fdb', 'show', 'dev', 'weft-v6.1']),
      ].join('');
      if (state.includes(`${peer}/64 via ${peer}`) && state.includes(`${peer} lladdr`) && state.includes(`${mac} dst ${underlayIPv6(2)}`)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(state).toContain(`${peer}/64 via ${peer}`);
    expect(state).toContain(`${peer} lladdr ${mac}`);
    expect(state).toContain(`${mac} dst ${underlayIPv6(2)} self permanent`);
    expect((await cluster.bed.ping(cluster.bed.container(1, 1).ns, containerIPv6(cluster, cluster.bed.container(2, 1)))).ok).toBe(true);
  });
});
