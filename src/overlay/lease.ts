// The overlay's whole view of the cluster: plain leases (from the subnet area, a file, a test).
export interface Lease {
  subnet: string; // "10.5.34.0/24"
  publicIP: string;
  backendType: string; // "vxlan"
  vni: number;
  vtepMAC: string;
  /** The IPv6 side (flannel's EnableIPv6), programmed on the IPv6 device; see family.ts. */
  ipv6Subnet?: string;
  publicIPv6?: string;
  vtepMACv6?: string;
  expires?: Date;
}
