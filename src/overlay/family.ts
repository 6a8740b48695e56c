// flannel's EnableIPv6 runs a second VXLAN device (flannel-v6.<VNI>) beside the IPv4 one. The
// overlay runs a second reconciler for it and hands that one each lease's IPv6 side as a plain
// Lease: subnet = the IPv6 subnet, publicIP = PublicIPv6, vtepMAC = the IPv6 device's MAC. Pure.
import type { OverlayView } from './area.ts';
import type { Lease } from './lease.ts';

export type Family = 4 | 6;

/** The IPv6 side of a lease, or undefined when it has none. */
export function ipv6Side(lease: Lease): Lease | undefined {
  if (lease.ipv6Subnet === undefined || lease.publicIPv6 === undefined) return undefined;
  return {
    subnet: lease.ipv6Subnet, publicIP: lease.publicIPv6, backendType: lease.backendType, vni: lease.vni, vtepMAC: lease.vtepMACv6 ?? '',
    ...(lease.expires === undefined ? {} : { expires: lease.expires }),
  };
}

/**
 * The IPv6 device's name: `weft-v6.<VNI>` by default; for a configured `flannel.1` (taking over a
 * flannel host) flannel's own `flannel-v6.1`; else the configured name with `-v6` (within IFNAMSIZ).
 */
export function ipv6DeviceName(configured: string, vni: number): string {
  if (configured === '') return `weft-v6.${vni}`;
  const dotted = /^(.*)\.(\d+)$/.exec(configured);
  return dotted === null ? `${configured.slice(0, 12)}-v6` : `${dotted[1]!.slice(0, 14 - 3 - dotted[2]!.length)}-v6.${dotted[2]}`;
}

/** The view one family's reconciler follows: the IPv4 one as is, the IPv6 one as each lease's IPv6 side (family.ts). */
export function familyView(view: OverlayView, family: Family): OverlayView | undefined {
  if (family === 4) return view.self.subnet === '' ? undefined : view;
  const self = ipv6Side(view.self);
  if (view.network6 === undefined || self === undefined || view.underlay.publicIPv6 === undefined) return undefined;
  const { backendType, port, mtu, gbp, learning } = view.network;
  return {
    self, peers: view.peers.flatMap((p) => ipv6Side(p) ?? []),
    // The IPv6 device's own bounds; DirectRouting is IPv4-only.
    network: { backendType, port, mtu, ...(gbp === undefined ? {} : { gbp }), ...(learning === undefined ? {} : { learning }), ...view.network6, directRouting: false },
    underlay: { iface: view.underlay.iface, publicIP: view.underlay.publicIPv6 },
  };
}
