// A flannel host made by hand among weft hosts: what flanneld (v0.2x, etcd v3, vxlan backend)
// leaves in etcd and in the kernel, done with etcdctl, ip, bridge and iptables, so the e2e tests
// check weft against flannel's facts (read in its source), not against weft's own idea of them:
// - the lease: <prefix>/subnets/<a.b.c.d>-<len> on an etcd lease, json.Marshal(LeaseAttrs) as value;
// - flannel.<VNI> (device.go): nolearning unless Learning, gbp with GBP, MTU = Backend.MTU − 50
//   (else the underlay's − 50), the VTEP MAC, <subnet>.0/32, up;
// - per peer lease (vxlan_network.go): permanent neighbour <subnet>.0 → VtepMAC, permanent FDB entry
//   VtepMAC → PublicIP (self), route <subnet> via <subnet>.0 onlink;
// - --iptables-forward-rules (default true): FLANNEL-FWD with two accepts, its jump appended to FORWARD;
// - optionally subnet.env (pkg/subnet/subnet.go WriteSubnetFile): NETWORK, SUBNET (first address), MTU, IPMASQ.
import { writeFileSync } from 'node:fs';
import { WeftError } from '../../src/errors.ts';
import type { WeftCluster } from './cluster.ts';
import type { Host } from './netns.ts';

export interface FlannelPeerOptions {
  /** The subnet flannel leased, e.g. 10.5.200.0/24. */
  readonly subnet: string;
  readonly vtepMAC: string;
  /** The cluster network (FLANNEL-FWD accepts it). */
  readonly network: string;
  readonly vni?: number;
  /** Backend.MTU (the underlay MTU); the device gets 50 less. Default 1500. */
  readonly backendMtu?: number;
  readonly gbp?: boolean;
  /** flanneld --iptables-forward-rules (default true). */
  readonly forwardRules?: boolean;
  /** Where to write flanneld's subnet.env (--subnet-file), as its WriteSubnetFile does; default: none. */
  readonly subnetFile?: string;
}

export async function startFlannelPeer(cluster: WeftCluster, host: Host, o: FlannelPeerOptions): Promise<void> {
  const sh = async (args: string[]): Promise<string> => {
    const [cmd = '', ...rest] = args;
    const r = await cluster.bed.exec(host.ns, cmd, rest);
    if (r.code !== 0) throw new WeftError('WEFT_E_HARNESS', `${args.join(' ')} in ${host.ns}: ${r.stderr}`);
    return r.stdout;
  };
  const etcdctl = (args: string[]): Promise<string> => sh(['etcdctl', '--endpoints', cluster.etcd.endpoint, ...args]);
  const vni = o.vni ?? 1;
  const dev = `flannel.${vni}`;

  const grant = await etcdctl(['lease', 'grant', '3600']);
  const leaseId = /lease ([0-9a-f]+) granted/.exec(grant)?.[1] ?? '';
  const value = JSON.stringify({ PublicIP: host.ip, PublicIPv6: null, BackendType: 'vxlan', BackendData: { VNI: vni, VtepMAC: o.vtepMAC } });
  await etcdctl(['put', '--lease', leaseId, `/coreos.com/network/subnets/${o.subnet.replace('/', '-')}`, value]);

  await sh(['ip', 'link', 'add', dev, 'address', o.vtepMAC, 'mtu', String((o.backendMtu ?? 1500) - 50), 'type', 'vxlan', 'id', String(vni),
    'local', host.ip, 'dev', host.link, 'dstport', '8472', 'nolearning', ...(o.gbp === true ? ['gbp'] : [])]);
  await sh(['ip', 'addr', 'add', `${o.subnet.split('/')[0]}/32`, 'dev', dev]);
  await sh(['ip', 'link', 'set', dev, 'up']);

  const listing = await etcdctl(['get', '--prefix', '/coreos.com/network/subnets/']);
  const lines = listing.split('\n').filter((l) => l !== '');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const subnet = (lines[i] ?? '').split('/').pop()?.replace('-', '/') ?? '';
    const lease = JSON.parse(lines[i + 1] ?? '{}') as { PublicIP: string; BackendData: { VtepMAC: string } };
    if (subnet === o.subnet) continue;
    const gateway = subnet.split('/')[0] ?? '';
    await sh(['ip', 'neigh', 'replace', gateway, 'lladdr', lease.BackendData.VtepMAC, 'dev', dev, 'nud', 'permanent']);
    await sh(['bridge', 'fdb', 'replace', lease.BackendData.VtepMAC, 'dev', dev, 'dst', lease.PublicIP, 'self', 'permanent']);
    await sh(['ip', 'route', 'replace', subnet, 'via', gateway, 'dev', dev, 'onlink']);
  }

  if (o.forwardRules !== false) {
    const restore = ['*filter', ':FLANNEL-FWD - [0:0]', '-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD',
      `-A FLANNEL-FWD -s ${o.network} -m comment --comment "flanneld forward" -j ACCEPT`,
      `-A FLANNEL-FWD -d ${o.network} -m comment --comment "flanneld forward" -j ACCEPT`, 'COMMIT', ''].join('\n');
    await sh(['sh', '-c', `printf '%s' '${restore}' | iptables-restore --noflush --wait`]);
  }
  if (o.subnetFile !== undefined) {
    // FLANNEL_SUBNET is the subnet's first usable address; FLANNEL_MTU the device's.
    const first = o.subnet.replace(/\.0\/(\d+)$/, '.1/$1');
    writeFileSync(o.subnetFile, `FLANNEL_NETWORK=${o.network}\nFLANNEL_SUBNET=${first}\nFLANNEL_MTU=${(o.backendMtu ?? 1500) - 50}\nFLANNEL_IPMASQ=false\n`);
  }
  cluster.bareSubnets.set(host.index, o.subnet);
  await cluster.wireHost(host, o.subnet);
}
