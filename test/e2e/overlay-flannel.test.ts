// Story: a 4th host is configured by hand exactly the way flannel's vxlan backend programs the
// kernel (device flannel.1, permanent neighbour, self FDB entry, onlink route); weft's containers
// reach its container, and its container reaches weft's, both ways.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestbed, leftovers, type Host, type Testbed } from '../harness/netns.ts';
import type { Lease } from '../../src/overlay/lease.ts';
import { containerIP, leaseOf, startDriver, wireContainers, type Driver } from './overlay-cluster.ts';

let bed: Testbed;
let drivers: Driver[] = [];
const FLANNEL_MAC = '0e:6a:2b:11:22:04';

async function sh(host: Host, args: string[]): Promise<void> {
  const [cmd, ...rest] = args;
  const r = await bed.exec(host.ns, cmd!, rest);
  if (r.code !== 0) throw new Error(`${args.join(' ')} in ${host.ns}: ${r.stderr}`);
}

/** What flannel's vxlan backend does (vxlan_device.go / vxlan_network.go), spelled in iproute2. */
async function configureFlannelHost(host: Host, self: Lease, peers: Lease[]): Promise<void> {
  await sh(host, ['ip', 'link', 'add', 'flannel.1', 'address', FLANNEL_MAC, 'type', 'vxlan', 'id', '1', 'local', host.ip, 'dev', host.link, 'dstport', '8472', 'nolearning']);
  await sh(host, ['ip', 'link', 'set', 'flannel.1', 'mtu', '1450', 'up']);
  await sh(host, ['ip', 'addr', 'add', `${self.subnet.split('/')[0]}/32`, 'dev', 'flannel.1']);
  for (const p of peers) {
    const gw = p.subnet.split('/')[0]!;
    await sh(host, ['ip', 'neigh', 'replace', gw, 'lladdr', p.vtepMAC, 'dev', 'flannel.1', 'nud', 'permanent']);
    await sh(host, ['bridge', 'fdb', 'replace', p.vtepMAC, 'dev', 'flannel.1', 'dst', p.publicIP, 'self', 'permanent']);
    await sh(host, ['ip', 'route', 'replace', p.subnet, 'via', gw, 'dev', 'flannel.1', 'onlink']);
  }
}

beforeAll(async () => {
  bed = await createTestbed({ hosts: 4, containersPerHost: 1 });
  for (const host of bed.hosts) await wireContainers(bed, host, host.index);
  drivers = await Promise.all(bed.hosts.slice(0, 3).map((host) => startDriver(bed, host)));
  const weftLeases = drivers.map((d) => leaseOf(d.host.index, d.host, d.vtepMAC));
  // The lease flannel would have written for host 4: {"PublicIP":"10.213.0.14","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"..."}}
  const flannelLease = leaseOf(4, bed.host(4), FLANNEL_MAC);
  const all = [...weftLeases, flannelLease];
  await Promise.all(drivers.map((d, i) => d.setLeases(weftLeases[i]!, all.filter((l) => l !== weftLeases[i]))));
  await configureFlannelHost(bed.host(4), flannelLease, weftLeases);
});

afterAll(async () => {
  await bed?.teardown();
  expect(await leftovers(bed.prefix)).toEqual({ namespaces: [], links: [] });
});

describe('overlay interoperates with a flannel-configured host', () => {
  it('weft containers reach the flannel host\'s container', async () => {
    for (const h of [1, 2, 3]) {
      const r = await bed.ping(bed.container(h, 1).ns, containerIP(4, 1));
      expect(r.ok, r.output).toBe(true);
    }
  });

  it('the flannel host\'s container reaches weft containers', async () => {
    for (const h of [1, 2, 3]) {
      const r = await bed.ping(bed.container(4, 1).ns, containerIP(h, 1));
      expect(r.ok, r.output).toBe(true);
    }
  });

  it('weft programs the flannel peer exactly as flannel programs weft peers', async () => {
    const weftSide = (await bed.exec(bed.host(1).ns, 'ip', ['route', 'show', '10.5.4.0/24'])).stdout.trim();
    const flannelSide = (await bed.exec(bed.host(4).ns, 'ip', ['route', 'show', '10.5.1.0/24'])).stdout.trim();
    expect(weftSide).toBe('10.5.4.0/24 via 10.5.4.0 dev weft.1 onlink');
    expect(flannelSide).toBe('10.5.1.0/24 via 10.5.1.0 dev flannel.1 onlink');
    const fdb = (await bed.exec(bed.host(1).ns, 'bridge', ['fdb', 'show', 'dev', 'weft.1'])).stdout;
    expect(fdb).toContain(`${FLANNEL_MAC} dst 10.213.0.14 self permanent`);
  });
});
