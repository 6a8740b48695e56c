// Pure: the IPv6 kernel state flannel's vxlan backend holds with EnableIPv6 (its flannel-v6.<VNI>
// device): the device with `<own IPv6 subnet base>/128`, and per peer a permanent neighbour
// `<peer base> -> peer IPv6 VTEP MAC`, an FDB entry `MAC -> dst peer PublicIPv6` and a route
// `<peer IPv6 subnet> via <peer base> dev <device> onlink`. Leases come in as their IPv6 sides
// (family.ts). DirectRouting is IPv4-only here.
import type { Lease } from './lease.ts';
import type { FdbEntry, KernelState, NeighEntry, RouteEntry } from './kernel-state.ts';
import { formatIp6, formatNet6, parseCidr6, parseIp6 } from '../net/index.ts';
import type { DesiredOptions } from './desired.ts';
import { partitionPeers6 } from './peer-filter6.ts';

export function desiredState6(self: Lease, peers: readonly Lease[], opts: DesiredOptions): KernelState {
  const own = parseCidr6(self.subnet);
  const device = {
    name: opts.device, vni: self.vni, port: opts.port, local: self.publicIP, underlay: opts.underlay, mtu: opts.mtu,
    mac: opts.vtepMAC, learning: opts.learning, gbp: opts.gbp, up: true,
    addresses: own === undefined ? [] : [`${formatIp6(own.ip)}/128`],
  };
  const routes = new Map<string, RouteEntry>();
  const neighbours = new Map<string, NeighEntry>();
  const fdb = new Map<string, FdbEntry>();
  for (const peer of partitionPeers6(self, peers, opts.limits).accepted) {
    const net = parseCidr6(peer.subnet);
    const publicIP = parseIp6(peer.publicIP);
    if (net === undefined || publicIP === undefined) continue;
    const dst = formatNet6(net);
    const gateway = formatIp6(net.ip);
    const mac = peer.vtepMAC.toLowerCase();
    routes.set(dst, { dst, gateway, dev: opts.device, onlink: true });
    neighbours.set(gateway, { ip: gateway, mac });
    fdb.set(mac, { mac, dst: formatIp6(publicIP) });
  }
  return { device, routes: [...routes.values()], neighbours: [...neighbours.values()], fdb: [...fdb.values()] };
}
