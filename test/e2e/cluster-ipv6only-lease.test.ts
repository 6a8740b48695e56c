// Issue 15 item 8, IPv6-only (EnableIPv4 false), the leasing half: three weft daemons each lease
// an IPv6 subnet under flannel's "0.0.0.0-0&<v6>-<len>" key (flannel's own etcd manager gives the
// second IPv6-only host no subnet at all) and write subnet.env with the IPv6 pair only. The
// overlay is off here: it programs the IPv4 device only so far.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type WeftCluster } from '../harness/cluster.ts';
import { leftovers } from '../harness/netns.ts';

const networkConfig = JSON.stringify({ EnableIPv4: false, EnableIPv6: true, IPv6Network: 'fc00:6::/48', Backend: { Type: 'vxlan', VNI: 1 } });
let cluster: WeftCluster;
let prefix = '';

beforeAll(async () => {
  cluster = await startCluster({
    hosts: 3, containersPerHost: 0, daemons: 3, networkConfig,
    extraDaemonArgs: ['--no-overlay-enabled'],
    hostDaemonArgs: (n) => ['--public-ipv6', `fd00:213::${10 + n}`],
    // No IPv4 subnets to wire containers into.
    wireContainers: false,
  });
  prefix = cluster.bed.prefix;
});

afterAll(async () => {
  await cluster?.teardown();
  if (prefix !== '') expect(await leftovers(prefix)).toEqual({ namespaces: [], links: [] });
});

describe('an IPv6-only network config on 3 weft hosts', () => {
  it('leases one IPv6 subnet per host under flannel\'s IPv6-only keys', async () => {
    const r = await cluster.bed.exec(cluster.bed.host(1).ns, 'etcdctl', ['--endpoints', cluster.etcd.endpoint, 'get', '--prefix', '/coreos.com/network/subnets/']);
    const lines = r.stdout.trim().split('\n');
    const keys = lines.filter((_, i) => i % 2 === 0);
    expect(keys).toHaveLength(3);
    for (const key of keys) expect(key).toMatch(/^\/coreos\.com\/network\/subnets\/0\.0\.0\.0-0&fc00:6:0:[0-9a-f]+::-64$/);
    for (const v of lines.filter((_, i) => i % 2 === 1)) {
      expect(v).toMatch(/^\{"PublicIP":"0\.0\.0\.0","PublicIPv6":"fd00:213::1\d","BackendType":"vxlan","BackendV6Data":\{"VNI":1,"VtepMAC":"[0-9a-f:]{17}"\}\}$/);
    }
  });

  it('writes subnet.env with only the IPv6 pair, a different subnet per host', () => {
    const subnets = cluster.hosts.map((h) => {
      const env = readFileSync(h.subnetFile, 'utf8');
      expect(env).toMatch(/^FLANNEL_IPV6_NETWORK=fc00:6::\/48\nFLANNEL_IPV6_SUBNET=fc00:6:0:[0-9a-f]+::1\/64\nFLANNEL_MTU=\d+\nFLANNEL_IPMASQ=false\n$/);
      return /^FLANNEL_IPV6_SUBNET=(.*)$/m.exec(env)?.[1];
    });
    expect(new Set(subnets).size).toBe(3);
  });
});
