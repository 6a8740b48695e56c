import { describe, expect, it } from 'vitest';
import { desiredState, type DesiredOptions } from './desired.ts';
import type { Lease } from './lease.ts';

const self: Lease = { subnet: '10.5.1.0/24', publicIP: '10.0.0.1', backendType: 'vxlan', vni: 1, vtepMAC: '02:00:00:00:00:01' };
const peer = (n: number, over: Partial<Lease> = {}): Lease => ({
  subnet: `10.5.${n}.0/24`, publicIP: `10.0.0.${n}`, backendType: 'vxlan', vni: 1, vtepMAC: `02:00:00:00:00:0${n}`, ...over,
});
const opts: DesiredOptions = { device: 'weft.1', port: 8472, mtu: 1450, underlay: 'eth0', underlayNet: '10.0.0.0/24', vtepMAC: '02:00:00:00:00:01', directRouting: false, gbp: false, learning: false,
  limits: { network: '10.5.0.0/16', subnetLen: 24, subnetMin: '10.5.1.0', subnetMax: '10.5.255.0', underlayNets: ['10.0.0.0/24'] } };

describe('desiredState: what the kernel should hold for a lease set', () => {
  it('describes the device: VNI, port, local = our public IP, learning off, <subnet>.0/32, up', () => {
    expect(desiredState(self, [], opts).device).toEqual({
      name: 'weft.1', vni: 1, port: 8472, local: '10.0.0.1', underlay: 'eth0', mtu: 1450, mac: '02:00:00:00:00:01',
      learning: false, gbp: false, up: true, addresses: ['10.5.1.0/32'],
    });
  });

  it("carries the network config's GBP and Learning onto the device", () => {
    expect(desiredState(self, [], { ...opts, gbp: true, learning: true }).device).toMatchObject({ gbp: true, learning: true });
  });

  const cases: { name: string; peers: Lease[]; opts?: Partial<DesiredOptions>; routes: unknown[]; neighbours: unknown[]; fdb: unknown[] }[] = [
    {
      name: 'a vxlan peer gets neighbour <subnet>.0 -> MAC, fdb MAC -> public IP, and an onlink route via <subnet>.0',
      peers: [peer(2)],
      routes: [{ dst: '10.5.2.0/24', gateway: '10.5.2.0', dev: 'weft.1', onlink: true }],
      neighbours: [{ ip: '10.5.2.0', mac: '02:00:00:00:00:02' }],
      fdb: [{ mac: '02:00:00:00:00:02', dst: '10.0.0.2' }],
    },
    {
      name: 'peers of another backend type are skipped',
      peers: [peer(2, { backendType: 'host-gw' }), peer(3)],
      routes: [{ dst: '10.5.3.0/24', gateway: '10.5.3.0', dev: 'weft.1', onlink: true }],
      neighbours: [{ ip: '10.5.3.0', mac: '02:00:00:00:00:03' }],
      fdb: [{ mac: '02:00:00:00:00:03', dst: '10.0.0.3' }],
    },
    {
      name: 'our own lease among the peers is skipped',
      peers: [self, peer(2, { subnet: '10.5.9.0/24', publicIP: '10.0.0.1' })],
      routes: [], neighbours: [], fdb: [],
    },
    {
      name: 'a peer with a malformed subnet or public IP is skipped',
      peers: [peer(2, { subnet: '10.5.2.0' }), peer(3, { publicIP: 'nope' })],
      routes: [], neighbours: [], fdb: [],
    },
    {
      name: 'DirectRouting: a peer on our underlay subnet gets a plain route via its public IP, nothing else',
      peers: [peer(2), peer(3, { publicIP: '192.168.7.3' })],
      opts: { directRouting: true },
      routes: [
        { dst: '10.5.2.0/24', gateway: '10.0.0.2', dev: 'eth0', onlink: false },
        { dst: '10.5.3.0/24', gateway: '10.5.3.0', dev: 'weft.1', onlink: true },
      ],
      neighbours: [{ ip: '10.5.3.0', mac: '02:00:00:00:00:03' }],
      fdb: [{ mac: '02:00:00:00:00:03', dst: '192.168.7.3' }],
    },
    {
      name: 'without DirectRouting a same-subnet peer still goes over VXLAN',
      peers: [peer(2)],
      opts: { directRouting: false },
      routes: [{ dst: '10.5.2.0/24', gateway: '10.5.2.0', dev: 'weft.1', onlink: true }],
      neighbours: [{ ip: '10.5.2.0', mac: '02:00:00:00:00:02' }],
      fdb: [{ mac: '02:00:00:00:00:02', dst: '10.0.0.2' }],
    },
    {
      name: 'MACs are compared in lower case',
      peers: [peer(2, { vtepMAC: '0A:00:00:00:00:02' })],
      routes: [{ dst: '10.5.2.0/24', gateway: '10.5.2.0', dev: 'weft.1', onlink: true }],
      neighbours: [{ ip: '10.5.2.0', mac: '0a:00:00:00:00:02' }],
      fdb: [{ mac: '0a:00:00:00:00:02', dst: '10.0.0.2' }],
    },
  ];

  // Issue 11: anyone who can write under the leases prefix must not be able to reroute the host.
  const good = { dst: '10.5.3.0/24', gateway: '10.5.3.0', dev: 'weft.1', onlink: true };
  const hostile: [string, Partial<Lease>, Partial<DesiredOptions>?][] = [
    ['0.0.0.0/0 (would replace the default route)', { subnet: '0.0.0.0/0' }],
    ['a /8 covering the underlay', { subnet: '10.0.0.0/8' }],
    ['the underlay network itself (would replace the connected route)', { subnet: '10.0.0.0/24' }],
    ['a subnet inside our own subnet', { subnet: '10.5.1.128/25' }],
    ['our own subnet under another public IP', { subnet: '10.5.1.0/24' }],
    ['a prefix length other than SubnetLen', { subnet: '10.5.4.0/23' }],
    ['a subnet of the right length outside the network', { subnet: '10.6.2.0/24' }],
    ['a subnet before SubnetMin', { subnet: '10.5.0.0/24' }],
    ['a subnet after SubnetMax', { subnet: '10.5.9.0/24' }, { limits: { ...opts.limits, subnetMax: '10.5.8.0' } }],
    ['an all-zero VTEP MAC (the FDB default destination)', { vtepMAC: '00:00:00:00:00:00' }],
  ];
  it.each(hostile)('a hostile peer lease produces no route, neighbour or FDB entry: %s', (_name, over, optsOver = {}) => {
    const state = desiredState(self, [peer(2, over), peer(3)], { ...opts, ...optsOver });
    expect(state.routes).toEqual([good]);
    expect(state.neighbours).toEqual([{ ip: '10.5.3.0', mac: '02:00:00:00:00:03' }]);
    expect(state.fdb).toEqual([{ mac: '02:00:00:00:00:03', dst: '10.0.0.3' }]);
  });

  it.each(cases)('$name', ({ peers, opts: over, routes, neighbours, fdb }) => {
    const state = desiredState(self, peers, { ...opts, ...over });
    expect(state.routes).toEqual(routes);
    expect(state.neighbours).toEqual(neighbours);
    expect(state.fdb).toEqual(fdb);
  });
});
