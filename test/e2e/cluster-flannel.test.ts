// A flannel host among weft hosts: its lease written into etcd by hand exactly as flannel writes it,
// its kernel configured exactly as flannel's vxlan backend does. Containers reach each other both ways.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCluster, type WeftCluster } from '../harness/cluster.ts';
import { leftovers, type Host } from '../harness/netns.ts';

const flannelMAC = '0e:6a:2b:11:22:04';
const flannelSubnet = '10.5.200.0/24';
let cluster: WeftCluster;
let prefix = '';

async function sh(host: Host, args: string[]): Promise<string> {
  const [cmd, ...rest] = args;
  const r = await cluster.bed.exec(host.ns, cmd ?? '', rest);
  if (r.code !== 0) throw new Error(`${args.join(' ')} in ${host.ns}: ${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  cluster = await startCluster({ hosts: 4, containersPerHost: 1, daemons: 3 });
  prefix = cluster.bed.prefix;
  const flannelHost = cluster.bed.host(4);
  const etcdctl = (args: string[]): Promise<string> => sh(flannelHost, ['etcdctl', '--endpoints', cluster.etcd.endpoint, ...args]);

  // flannel's lease: key <prefix>/subnets/10.5.200.0-24 on an etcd lease, value as flannel marshals it.
  const grant = await etcdctl(['lease', 'grant', '3600']);
  const leaseId = /lease ([0-9a-f]+) granted/.exec(grant)?.[1] ?? '';
  const value = JSON.stringify({ PublicIP: flannelHost.ip, PublicIPv6: null, BackendType: 'vxlan', BackendData: { VNI: 1, VtepMAC: flannelMAC } });
  await etcdctl(['put', '--lease', leaseId, `/coreos.com/network/subnets/${flannelSubnet.replace('/', '-')}`, value]);

  // flannel's kernel state (vxlan_device.go / vxlan_network.go) for every weft lease it sees.
  await sh(flannelHost, ['ip', 'link', 'add', 'flannel.1', 'address', flannelMAC, 'type', 'vxlan', 'id', '1', 'local', flannelHost.ip, 'dev', flannelHost.link, 'dstport', '8472', 'nolearning']);
  await sh(flannelHost, ['ip', 'link', 'set', 'flannel.1', 'mtu', '1450', 'up']);
  await sh(flannelHost, ['ip', 'addr', 'add', '10.5.200.0/32', 'dev', 'flannel.1']);
  const listing = await etcdctl(['get', '--prefix', '/coreos.com/network/subnets/']);
  const lines = listing.split('\n').filter((l) => l !== '');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const subnet = (lines[i] ?? '').split('/').pop()?.replace('-', '/') ?? '';
    const lease = JSON.parse(lines[i + 1] ?? '{}') as { PublicIP: string; BackendData: { VtepMAC: string } };
    if (subnet === flannelSubnet) continue;
    const gateway = subnet.split('/')[0] ?? '';
    await sh(flannelHost, ['ip', 'neigh', 'replace', gateway, 'lladdr', lease.BackendData.VtepMAC, 'dev', 'flannel.1', 'nud', 'permanent']);
    await sh(flannelHost, ['bridge', 'fdb', 'replace', lease.BackendData.VtepMAC, 'dev', 'flannel.1', 'dst', lease.PublicIP, 'self', 'permanent']);
    await sh(flannelHost, ['ip', 'route', 'replace', subnet, 'via', gateway, 'dev', 'flannel.1', 'onlink']);
  }
  cluster.bareSubnets.set(4, flannelSubnet);
  await cluster.wireHost(flannelHost, flannelSubnet);
});

afterAll(async () => {
  await cluster?.teardown();
  expect(await leftovers(prefix)).toEqual({ namespaces: [], links: [] });
});

it('weft hosts program a route, neighbour and FDB entry for the flannel lease', async () => {
  for (const n of [1, 2, 3]) {
    const host = cluster.bed.host(n);
    const deadline = Date.now() + 10_000;
    let routes = '';
    while (Date.now() < deadline && !routes.includes('10.5.200.0/24')) {
      routes = await sh(host, ['ip', 'route', 'show', 'dev', 'weft.1']);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(routes).toContain('10.5.200.0/24 via 10.5.200.0 onlink');
    expect(await sh(host, ['bridge', 'fdb', 'show', 'dev', 'weft.1'])).toContain(`${flannelMAC} dst ${cluster.bed.host(4).ip} self permanent`);
    expect(await sh(host, ['ip', 'neigh', 'show', 'dev', 'weft.1'])).toContain(`10.5.200.0 lladdr ${flannelMAC} PERMANENT`);
  }
});

it('weft containers reach the flannel host\'s container, and it reaches them', async () => {
  const flannelContainer = cluster.bed.container(4, 1);
  for (const n of [1, 2, 3]) {
    const weftContainer = cluster.bed.container(n, 1);
    const there = await cluster.bed.ping(weftContainer.ns, cluster.containerIP(flannelContainer));
    expect(there.ok, there.output).toBe(true);
    const back = await cluster.bed.ping(flannelContainer.ns, cluster.containerIP(weftContainer));
    expect(back.ok, back.output).toBe(true);
  }
});
