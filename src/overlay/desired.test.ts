import { describe, expect, it } from 'vitest';
import { desiredState, type DesiredOptions } from './desired.ts';
import type { Lease } from './lease.ts';

const self: Lease = { subnet: '10.5.1.0/24', publicIP: '10.0.0.1', backendType: 'vxlan', vni: 1, vtepMAC: '02:00:00:00:00:01' };
const peer = (n: number, over: Partial<Lease> = {}): Lease => ({
  subnet: `10.5.${n}.0/24`, publicIP: `10.0.0.${n}`, backendType: 'vxlan', vni: 1, vtepMAC: `02:00:00:00:00:0${n}`, ...over,
});
const opts: DesiredOptions = { device: 'weft.1', port: 8472, mtu: 1450, underlay: 'eth0', underlayNet: '10.0.0.0/24', vtepMAC: '02:00:00:00:00:01', directRouting: false };

describe('desiredState: what the kernel should hold for a lease set', () => {
  it('describes the device: VNI, port, local = our public IP, learning off, <subnet>.0/32, up', () => {
    expect(desiredState(self, [], opts).device).toEqual({
      name: 'weft.1', vni: 1, port: 8472, local: '10.0.0.1', underlay: 'eth0', mtu: 1450, mac: '02:00:00:00:00:01',
      learning: false, up: true, addresses: ['10.5.1.0/32'],
    });
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

  it.each(cases)('$name', ({ peers, opts: over, routes, neighbours, fdb }) => {
    const state = desiredState(self, peers, { ...opts, ...over });
    expect(state.routes).toEqual(routes);
    expect(state.neighbours).toEqual(neighbours);
    expect(state.fdb).toEqual(fdb);
  });
});
