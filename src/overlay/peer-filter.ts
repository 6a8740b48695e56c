// Pure: which peer leases may become kernel state. Anyone who can write under the leases prefix
// can publish a "lease"; only one shaped like a subnet the network config could have handed out
// becomes a route, so no lease can reroute the host (default route, underlay, our own subnet).
import type { Lease } from './lease.ts';
import { contains4, isUnicastMac, mask4, normalizeMac, parseCidr4, parseIp4, within4, type Net4 } from '../net/index.ts';

/** The backend type this overlay serves; peers of another type are skipped, as flannel does. */
export const VXLAN = 'vxlan';

/** Why a peer lease was not programmed: a fixed set, so it is safe as a metric label. */
export const REJECT_REASONS = ['backend', 'malformed', 'prefix_len', 'outside_network', 'outside_range', 'own_subnet', 'underlay', 'public_ip'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface PeerLimits {
  /** The cluster network (flannel `Network`), "10.5.0.0/16". */
  network: string;
  /** flannel `SubnetLen`; default: our own lease's prefix length (every lease has the same). */
  subnetLen?: number;
  /** flannel `SubnetMin`/`SubnetMax`: first and last subnet address a lease may start at. */
  subnetMin?: string;
  subnetMax?: string;
  /** IPv4 networks on the underlay interface (CIDRs): no lease may cover any of them. */
  underlayNets: readonly string[];
}

export interface Rejected {
  lease: Lease;
  reason: RejectReason;
}

interface Bounds {
  network: Net4;
  subnetLen: number;
  min: number;
  max: number;
  own: Net4 | undefined;
  ownIP: number | undefined;
  underlay: Net4[];
}

const overlaps = (a: Net4, b: Net4): boolean => within4(a, b) || within4(b, a);

function bounds(self: Lease, limits: PeerLimits): Bounds | undefined {
  const network = parseCidr4(limits.network);
  if (network === undefined) return undefined;
  const own = parseCidr4(self.subnet);
  const subnetLen = limits.subnetLen ?? own?.prefixLen ?? 32;
  const last = (network.ip | ~mask4(network.prefixLen)) >>> 0;
  const min = limits.subnetMin === undefined ? undefined : parseIp4(limits.subnetMin);
  const max = limits.subnetMax === undefined ? undefined : parseIp4(limits.subnetMax);
  const underlay = limits.underlayNets.flatMap((n) => parseCidr4(n) ?? []);
  return { network, subnetLen, min: min ?? network.ip, max: max ?? last, own, ownIP: parseIp4(self.publicIP), underlay };
}

/** Unspecified, loopback, multicast/reserved, broadcast: never a VXLAN endpoint. */
function unusableEndpoint(ip: number): boolean {
  const first = ip >>> 24;
  return ip === 0 || first === 127 || first >= 224;
}

/**
 * The verdict on one peer: undefined = program it, 'self' = one of our own leases (skipped
 * silently, e.g. the lease we held before a subnet change), otherwise the reason it is rejected.
 * The first failing check names the reason.
 */
function verdict(peer: Lease, b: Bounds): RejectReason | 'self' | undefined {
  if (peer.backendType !== VXLAN) return 'backend';
  const net = parseCidr4(peer.subnet);
  const address = parseIp4(peer.subnet.split('/')[0] ?? '');
  const publicIP = parseIp4(peer.publicIP);
  const mac = normalizeMac(peer.vtepMAC);
  // Host bits set, or a MAC the FDB would treat as "all unknown destinations" (00:00:...), are not leases.
  if (net === undefined || address !== net.ip || publicIP === undefined || mac === undefined || !isUnicastMac(mac)) return 'malformed';
  if (publicIP === b.ownIP) return 'self';
  if (net.prefixLen !== b.subnetLen) return 'prefix_len';
  if (!within4(net, b.network)) return 'outside_network';
  if (net.ip < b.min || net.ip > b.max) return 'outside_range';
  if (b.own !== undefined && overlaps(net, b.own)) return 'own_subnet';
  if (b.underlay.some((u) => overlaps(net, u)) || (b.ownIP !== undefined && contains4(net, b.ownIP))) return 'underlay';
  // An endpoint inside the overlay would send the tunnel through itself.
  if (unusableEndpoint(publicIP) || contains4(b.network, publicIP)) return 'public_ip';
  return undefined;
}

/** Splits peers into those that may be programmed and those rejected (with the reason). */
export function partitionPeers(self: Lease, peers: readonly Lease[], limits: PeerLimits): { accepted: Lease[]; rejected: Rejected[] } {
  const b = bounds(self, limits);
  return partitionBy(peers, b === undefined ? undefined : (lease) => verdict(lease, b));
}

/** Peers by verdict (undefined: accepted, 'self': skipped); without a verdict (no network) all are outside it. */
export function partitionBy(peers: readonly Lease[], judge: ((lease: Lease) => RejectReason | 'self' | undefined) | undefined): { accepted: Lease[]; rejected: Rejected[] } {
  if (judge === undefined) return { accepted: [], rejected: peers.map((lease) => ({ lease, reason: 'outside_network' })) };
  const accepted: Lease[] = [];
  const rejected: Rejected[] = [];
  for (const lease of peers) {
    const v = judge(lease);
    if (v === undefined) accepted.push(lease);
    else if (v !== 'self') rejected.push({ lease, reason: v });
  }
  return { accepted, rejected };
}
