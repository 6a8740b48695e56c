// Pure: the kernel state flannel's vxlan backend would hold for this lease set (see README.md).
import type { Lease } from './lease.ts';
import type { FdbEntry, KernelState, NeighEntry, RouteEntry } from './kernel-state.ts';
import { contains4, formatNet4, formatIp4, parseCidr4, parseIp4, type Net4 } from '../net/index.ts';
import { partitionPeers, type PeerLimits } from './peer-filter.ts';

export interface DesiredOptions {
  /** VXLAN device name (already resolved, e.g. "weft.1"). */
  device: string;
  /** UDP port (already resolved; 8472 is the Linux and flannel default). */
  port: number;
  /** Device MTU (already resolved from the underlay when configured as 0). */
  mtu: number;
  /** Underlay interface name. */
  underlay: string;
  /** The underlay interface's own IPv4 network (for DirectRouting's same-L2 check), e.g. "10.213.0.0/24". */
  underlayNet?: string;
  /** Our VTEP MAC (the device MAC). */
  vtepMAC: string;
  directRouting: boolean;
  /** flannel Backend.GBP / Backend.Learning: device attributes. */
  gbp: boolean;
  learning: boolean;
  /** What a peer lease must look like to be programmed (see peer-filter.ts). */
  limits: PeerLimits;
}

export { VXLAN } from './peer-filter.ts';

/** `<subnet>.0/32`: the address on the device and the onlink gateway peers route to. */
export function subnetBase(subnet: string): Net4 | undefined {
  const net = parseCidr4(subnet);
  return net === undefined ? undefined : { ip: net.ip, prefixLen: 32 };
}

export function desiredState(self: Lease, peers: readonly Lease[], opts: DesiredOptions): KernelState {
  const own = subnetBase(self.subnet);
  const device = {
    name: opts.device,
    vni: self.vni,
    port: opts.port,
    local: self.publicIP,
    underlay: opts.underlay,
    mtu: opts.mtu,
    mac: opts.vtepMAC,
    learning: opts.learning,
    gbp: opts.gbp,
    up: true,
    addresses: own === undefined ? [] : [formatNet4(own)],
  };
  const underlayNet = opts.underlayNet === undefined ? undefined : parseCidr4(opts.underlayNet);
  const routes = new Map<string, RouteEntry>();
  const neighbours = new Map<string, NeighEntry>();
  const fdb = new Map<string, FdbEntry>();
  // Only leases that pass the filter: a hostile one must never become a route (issue 11).
  for (const peer of partitionPeers(self, peers, opts.limits).accepted) {
    const net = parseCidr4(peer.subnet);
    const publicIP = parseIp4(peer.publicIP);
    if (net === undefined || publicIP === undefined) continue;
    const dst = formatNet4(net);
    if (opts.directRouting && underlayNet !== undefined && contains4(underlayNet, publicIP)) {
      routes.set(dst, { dst, gateway: formatIp4(publicIP), dev: opts.underlay, onlink: false });
      continue;
    }
    const gateway = formatIp4(net.ip);
    const mac = peer.vtepMAC.toLowerCase();
    routes.set(dst, { dst, gateway, dev: opts.device, onlink: true });
    neighbours.set(gateway, { ip: gateway, mac });
    fdb.set(mac, { mac, dst: formatIp4(publicIP) });
  }
  return { device, routes: [...routes.values()], neighbours: [...neighbours.values()], fdb: [...fdb.values()] };
}
