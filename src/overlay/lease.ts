// The overlay's whole view of the cluster: plain leases (from the subnet area, a file, a test).
export interface Lease {
  subnet: string; // "10.5.34.0/24"
  publicIP: string;
  backendType: string; // "vxlan"
  vni: number;
  vtepMAC: string;
  expires?: Date;
}
