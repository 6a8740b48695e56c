import { describe, expect, it } from 'vitest';
import type { Lease } from './lease.ts';
import { partitionPeers, type PeerLimits, type RejectReason } from './peer-filter.ts';

const self: Lease = { subnet: '10.5.1.0/24', publicIP: '10.0.0.1', backendType: 'vxlan', vni: 1, vtepMAC: '02:00:00:00:00:01' };
const limits: PeerLimits = { network: '10.5.0.0/16', subnetLen: 24, subnetMin: '10.5.1.0', subnetMax: '10.5.200.0', underlayNets: ['10.0.0.0/24'] };
const peer = (over: Partial<Lease> = {}): Lease => ({ subnet: '10.5.2.0/24', publicIP: '10.0.0.2', backendType: 'vxlan', vni: 1, vtepMAC: '02:00:00:00:00:02', ...over });

const verdict = (p: Lease, l: PeerLimits = limits): RejectReason | 'accepted' | 'skipped' => {
  const { accepted, rejected } = partitionPeers(self, [p], l);
  return rejected[0]?.reason ?? (accepted.length === 1 ? 'accepted' : 'skipped');
};

describe('partitionPeers: which peer leases may become routes', () => {
  const cases: [string, Lease, RejectReason | 'accepted' | 'skipped', PeerLimits?][] = [
    ['a good peer', peer(), 'accepted'],
    ['the first and the last subnet of SubnetMin..SubnetMax', peer({ subnet: '10.5.200.0/24' }), 'accepted'],
    ['a peer on another underlay network', peer({ publicIP: '192.168.7.3' }), 'accepted'],
    ['our own lease', self, 'skipped'],
    ['an older lease of ours (same public IP, other subnet)', peer({ publicIP: '10.0.0.1' }), 'skipped'],
    ['another backend type', peer({ backendType: 'host-gw' }), 'backend'],
    ['a subnet that is not a CIDR', peer({ subnet: '10.5.2.0' }), 'malformed'],
    ['a subnet with host bits set', peer({ subnet: '10.5.2.7/24' }), 'malformed'],
    ['a public IP that is not an address', peer({ publicIP: 'nope' }), 'malformed'],
    ['a VTEP MAC that is not a MAC', peer({ vtepMAC: 'zz' }), 'malformed'],
    ['an all-zero VTEP MAC', peer({ vtepMAC: '00:00:00:00:00:00' }), 'malformed'],
    ['a multicast VTEP MAC', peer({ vtepMAC: '01:00:5e:00:00:01' }), 'malformed'],
    ['0.0.0.0/0', peer({ subnet: '0.0.0.0/0' }), 'prefix_len'],
    ['a /8 covering the underlay', peer({ subnet: '10.0.0.0/8' }), 'prefix_len'],
    ['a /25 inside our own subnet', peer({ subnet: '10.5.1.128/25' }), 'prefix_len'],
    ['a /23 inside the network', peer({ subnet: '10.5.4.0/23' }), 'prefix_len'],
    ['a /24 outside the network', peer({ subnet: '10.6.2.0/24' }), 'outside_network'],
    ['the underlay /24 itself', peer({ subnet: '10.0.0.0/24' }), 'outside_network'],
    ['a /24 before SubnetMin', peer({ subnet: '10.5.0.0/24' }), 'outside_range'],
    ['a /24 after SubnetMax', peer({ subnet: '10.5.201.0/24' }), 'outside_range'],
    ['our own subnet under another public IP', peer({ subnet: '10.5.1.0/24' }), 'own_subnet'],
    ['a subnet equal to the underlay network (network config overlapping the underlay)', peer({ subnet: '10.0.0.0/24' }), 'underlay',
      { network: '10.0.0.0/8', subnetLen: 24, underlayNets: ['10.0.0.0/24'] }],
    ['a subnet holding our public IP (underlay not reported)', peer({ subnet: '10.0.0.0/24' }), 'underlay', { network: '10.0.0.0/8', subnetLen: 24, underlayNets: [] }],
    ['a public IP inside the cluster network', peer({ publicIP: '10.5.3.1' }), 'public_ip'],
    ['a loopback public IP', peer({ publicIP: '127.0.0.1' }), 'public_ip'],
    ['a multicast public IP', peer({ publicIP: '239.1.1.1' }), 'public_ip'],
    ['a broadcast public IP', peer({ publicIP: '255.255.255.255' }), 'public_ip'],
  ];
  it.each(cases)('%s -> %s', (_name, lease, expected, l) => {
    expect(verdict(lease, l)).toBe(expected);
  });

  it('without SubnetLen/Min/Max takes our own prefix length and the whole network', () => {
    const loose: PeerLimits = { network: '10.5.0.0/16', underlayNets: [] };
    expect(verdict(peer({ subnet: '10.5.0.0/24' }), loose)).toBe('accepted');
    expect(verdict(peer({ subnet: '10.5.255.0/24' }), loose)).toBe('accepted');
    expect(verdict(peer({ subnet: '10.5.4.0/23' }), loose)).toBe('prefix_len');
    expect(verdict(peer({ subnet: '0.0.0.0/0' }), loose)).toBe('prefix_len');
  });

  it('keeps the order of the good peers and reports every bad one', () => {
    const peers = [peer({ subnet: '10.5.3.0/24' }), peer({ subnet: '0.0.0.0/0' }), peer(), peer({ subnet: '10.5.1.128/25' })];
    const { accepted, rejected } = partitionPeers(self, peers, limits);
    expect(accepted.map((l) => l.subnet)).toEqual(['10.5.3.0/24', '10.5.2.0/24']);
    expect(rejected.map((r) => `${r.lease.subnet} ${r.reason}`)).toEqual(['0.0.0.0/0 prefix_len', '10.5.1.128/25 prefix_len']);
  });
});
