// Which address families this host leases under a network config (flannel's EnableIPv4 and
// EnableIPv6), and what its lease says for each: the IPv4 side (PublicIP, BackendData) and the
// IPv6 side (PublicIPv6, BackendV6Data with the IPv6 device's own VTEP MAC). Pure.
import { WeftError } from '../errors.ts';
import { formatNet4, formatNet6, type Net4, type Net6 } from '../net/index.ts';
import type { Lease, LeaseAttrs } from './lease-codec.ts';
import type { NetworkConfig } from './network-config.ts';

export interface HostAddresses {
  /** '' when the host has no IPv4 underlay address. */
  readonly publicIP: string;
  readonly publicIPv6?: string | undefined;
  readonly vtepMAC: string;
  readonly vtepMACv6?: string | undefined;
}

/** Throws WEFT_E_PUBLIC_IP when the config enables a family this host has no underlay address for. */
export function checkHostFamilies(network: NetworkConfig, host: HostAddresses, where: string): void {
  if (network.ipv4 !== undefined && host.publicIP === '') {
    throw new WeftError('WEFT_E_PUBLIC_IP', `network config at ${where} enables IPv4 but this host has no IPv4 underlay address; set --public-ip or an --iface with one`);
  }
  if (network.ipv6 !== undefined && host.publicIPv6 === undefined) {
    throw new WeftError('WEFT_E_PUBLIC_IP', `network config at ${where} enables IPv6 but this host has no IPv6 underlay address; set --public-ipv6 or an --iface with a global one`);
  }
}

/** The attributes this host writes into its lease under `network`. */
export function ownAttrs(network: NetworkConfig, host: HostAddresses): LeaseAttrs {
  const v4 = network.ipv4 !== undefined;
  const v6 = network.ipv6 !== undefined && host.publicIPv6 !== undefined
    ? { publicIPv6: host.publicIPv6, vtepMACv6: host.vtepMACv6 ?? host.vtepMAC }
    : {};
  return { publicIP: v4 ? host.publicIP : '', backendType: 'vxlan', vni: network.backend.vni, vtepMAC: v4 ? host.vtepMAC : '', ...v6 };
}

/** The plain Lease for our own key, shaped as decodeLease would read it back. */
export function ownLeaseValue(attrs: LeaseAttrs, subnet: Net4, subnet6: Net6 | undefined, expires: Date | undefined): Lease {
  const { publicIPv6, vtepMACv6, ...v4attrs } = attrs;
  const v6 = subnet6 === undefined || publicIPv6 === undefined ? {} : { ipv6Subnet: formatNet6(subnet6), publicIPv6, vtepMACv6: vtepMACv6 ?? '' };
  return { ...v4attrs, subnet: attrs.publicIP === '' ? '' : formatNet4(subnet), ...v6, ...(expires === undefined ? {} : { expires }) };
}

/** "10.5.34.0/24", "fc00:0:0:22::/64" or both, for logs. */
export function describeSubnets(subnet: Net4, subnet6: Net6 | undefined): string {
  const v4 = subnet.prefixLen === 0 && subnet6 !== undefined ? [] : [formatNet4(subnet)];
  return [...v4, ...(subnet6 === undefined ? [] : [formatNet6(subnet6)])].join(' ');
}
