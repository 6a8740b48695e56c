// Pure: which peer leases may become IPv6 kernel state, the IPv6 twin of peer-filter.ts. The
// overlay's IPv6 reconciler sees each lease's IPv6 side as a plain Lease (subnet = its IPv6
// subnet, publicIP = its PublicIPv6, vtepMAC = its IPv6 device's MAC; see family.ts), so the same
// rules apply: only a subnet the network config could have handed out becomes a route.
import type { Lease } from './lease.ts';
import { contains6, end6, isAligned6, isUnicastMac, normalizeMac, overlaps6, parseCidr6, parseIp6, size6, type Net6 } from '../net/index.ts';
import { VXLAN, partitionBy, type PeerLimits, type RejectReason, type Rejected } from './peer-filter.ts';

interface Bounds6 {
  network: Net6;
  subnetLen: number;
  min: bigint;
  max: bigint;
  own: Net6 | undefined;
  ownIP: bigint | undefined;
  underlay: Net6[];
}

function bounds6(self: Lease, limits: PeerLimits): Bounds6 | undefined {
  const network = parseCidr6(limits.network);
  if (network === undefined) return undefined;
  const own = parseCidr6(self.subnet);
  const subnetLen = limits.subnetLen ?? own?.prefixLen ?? 128;
  const min = limits.subnetMin === undefined ? undefined : parseIp6(limits.subnetMin);
  const max = limits.subnetMax === undefined ? undefined : parseIp6(limits.subnetMax);
  const underlay = limits.underlayNets.flatMap((n) => parseCidr6(n) ?? []);
  return { network, subnetLen, min: min ?? network.ip, max: max ?? end6(network) - size6(subnetLen) + 1n, own, ownIP: parseIp6(self.publicIP), underlay };
}

/** Unspecified, loopback, multicast (ff00::/8), link-local (fe80::/10): never a VXLAN endpoint. */
function unusableEndpoint6(ip: bigint): boolean {
  const top = ip >> 112n;
  return ip === 0n || ip === 1n || top >= 0xff00n || (top & 0xffc0n) === 0xfe80n;
}

function verdict6(peer: Lease, b: Bounds6): RejectReason | 'self' | undefined {
  if (peer.backendType !== VXLAN) return 'backend';
  const net = parseCidr6(peer.subnet);
  const address = parseIp6(peer.subnet.split('/')[0] ?? '');
  const publicIP = parseIp6(peer.publicIP);
  const mac = normalizeMac(peer.vtepMAC);
  if (net === undefined || address !== net.ip || !isAligned6(address, net.prefixLen) || publicIP === undefined || mac === undefined || !isUnicastMac(mac)) return 'malformed';
  if (publicIP === b.ownIP) return 'self';
  if (net.prefixLen !== b.subnetLen) return 'prefix_len';
  if (net.prefixLen < b.network.prefixLen || !contains6(b.network, net.ip)) return 'outside_network';
  if (net.ip < b.min || net.ip > b.max) return 'outside_range';
  if (b.own !== undefined && overlaps6(net, b.own)) return 'own_subnet';
  if (b.underlay.some((u) => overlaps6(net, u)) || (b.ownIP !== undefined && contains6(net, b.ownIP))) return 'underlay';
  if (unusableEndpoint6(publicIP) || contains6(b.network, publicIP)) return 'public_ip';
  return undefined;
}

/** partitionPeers for IPv6 sides: the peers that may be programmed, and those rejected (with the reason). */
export function partitionPeers6(self: Lease, peers: readonly Lease[], limits: PeerLimits): { accepted: Lease[]; rejected: Rejected[] } {
  const b = bounds6(self, limits);
  return partitionBy(peers, b === undefined ? undefined : (lease) => verdict6(lease, b));
}
