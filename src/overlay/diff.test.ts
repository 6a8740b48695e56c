import { describe, expect, it } from 'vitest';
import { desiredState, type DesiredOptions } from './desired.ts';
import { diff } from './diff.ts';
import type { KernelOp, KernelState } from './kernel-state.ts';
import type { Lease } from './lease.ts';

const self: Lease = { subnet: '10.5.1.0/24', publicIP: '10.0.0.1', backendType: 'vxlan', vni: 1, vtepMAC: '02:00:00:00:00:01' };
const peer = (n: number, mac = `02:00:00:00:00:0${n}`): Lease => ({ subnet: `10.5.${n}.0/24`, publicIP: `10.0.0.${n}`, backendType: 'vxlan', vni: 1, vtepMAC: mac });
const opts: DesiredOptions = { device: 'weft.1', port: 8472, mtu: 1450, underlay: 'eth0', underlayNet: '10.0.0.0/24', vtepMAC: '02:00:00:00:00:01', directRouting: false, gbp: false, learning: false,
  limits: { network: '10.5.0.0/16', subnetLen: 24, subnetMin: '10.5.1.0', subnetMax: '10.5.255.0', underlayNets: ['10.0.0.0/24'] } };
const want = (peers: Lease[], over: Partial<DesiredOptions> = {}): KernelState => desiredState(self, peers, { ...opts, ...over });
const kinds = (ops: KernelOp[]): string[] => ops.map((op) => op.kind);

describe('diff: the kernel operations from actual to desired', () => {
  it('creates the device, brings it up, addresses it, then adds fdb/neigh before routes', () => {
    const ops = diff({ device: undefined, routes: [], neighbours: [], fdb: [] }, want([peer(2)]));
    expect(kinds(ops)).toEqual(['link-add', 'link-set', 'addr-add', 'neigh-set', 'fdb-set', 'route-set']);
  });

  it('does nothing when the kernel already matches', () => {
    expect(diff(want([peer(2), peer(3)]), want([peer(2), peer(3)]))).toEqual([]);
  });

  const cases: { name: string; actual: KernelState; desired: KernelState; ops: KernelOp[] }[] = [
    {
      name: 'a removed peer loses its route, neighbour and fdb entry',
      actual: want([peer(2), peer(3)]),
      desired: want([peer(2)]),
      ops: [
        { kind: 'route-del', route: { dst: '10.5.3.0/24', gateway: '10.5.3.0', dev: 'weft.1', onlink: true } },
        { kind: 'neigh-del', dev: 'weft.1', neigh: { ip: '10.5.3.0', mac: '02:00:00:00:00:03' } },
        { kind: 'fdb-del', dev: 'weft.1', fdb: { mac: '02:00:00:00:00:03', dst: '10.0.0.3' } },
      ],
    },
    {
      name: 'a peer whose VTEP MAC changed: old fdb entry removed, neighbour replaced, new fdb added',
      actual: want([peer(2)]),
      desired: want([peer(2, '02:00:00:00:00:99')]),
      ops: [
        { kind: 'fdb-del', dev: 'weft.1', fdb: { mac: '02:00:00:00:00:02', dst: '10.0.0.2' } },
        { kind: 'neigh-set', dev: 'weft.1', neigh: { ip: '10.5.2.0', mac: '02:00:00:00:00:99' } },
        { kind: 'fdb-set', dev: 'weft.1', fdb: { mac: '02:00:00:00:00:99', dst: '10.0.0.2' } },
      ],
    },
    {
      name: 'switching a peer to DirectRouting replaces its route and drops its neighbour and fdb entry',
      actual: want([peer(2)]),
      desired: want([peer(2)], { directRouting: true }),
      ops: [
        { kind: 'neigh-del', dev: 'weft.1', neigh: { ip: '10.5.2.0', mac: '02:00:00:00:00:02' } },
        { kind: 'fdb-del', dev: 'weft.1', fdb: { mac: '02:00:00:00:00:02', dst: '10.0.0.2' } },
        { kind: 'route-set', route: { dst: '10.5.2.0/24', gateway: '10.0.0.2', dev: 'eth0', onlink: false } },
      ],
    },
    {
      name: 'a deleted route, neighbour and fdb entry are put back',
      actual: { ...want([peer(2)]), routes: [], neighbours: [], fdb: [] },
      desired: want([peer(2)]),
      ops: [
        { kind: 'neigh-set', dev: 'weft.1', neigh: { ip: '10.5.2.0', mac: '02:00:00:00:00:02' } },
        { kind: 'fdb-set', dev: 'weft.1', fdb: { mac: '02:00:00:00:00:02', dst: '10.0.0.2' } },
        { kind: 'route-set', route: { dst: '10.5.2.0/24', gateway: '10.5.2.0', dev: 'weft.1', onlink: true } },
      ],
    },
    {
      name: 'a route of ours pointed elsewhere is replaced',
      actual: { ...want([peer(2)]), routes: [{ dst: '10.5.2.0/24', gateway: '10.5.2.7', dev: 'weft.1', onlink: true }] },
      desired: want([peer(2)]),
      ops: [{ kind: 'route-set', route: { dst: '10.5.2.0/24', gateway: '10.5.2.0', dev: 'weft.1', onlink: true } }],
    },
    {
      name: 'a device with another VNI is recreated and everything re-added (no deletes of entries it took along)',
      actual: { ...want([peer(2)]), device: { ...want([]).device!, vni: 7 } },
      desired: want([peer(2)]),
      ops: [
        { kind: 'link-del', name: 'weft.1' },
        { kind: 'link-add', device: want([]).device! },
        { kind: 'link-set', name: 'weft.1', up: true },
        { kind: 'addr-add', dev: 'weft.1', cidr: '10.5.1.0/32' },
        { kind: 'neigh-set', dev: 'weft.1', neigh: { ip: '10.5.2.0', mac: '02:00:00:00:00:02' } },
        { kind: 'fdb-set', dev: 'weft.1', fdb: { mac: '02:00:00:00:00:02', dst: '10.0.0.2' } },
        { kind: 'route-set', route: { dst: '10.5.2.0/24', gateway: '10.5.2.0', dev: 'weft.1', onlink: true } },
      ],
    },
    {
      name: 'a device with another port or local address is recreated too',
      actual: { ...want([]), device: { ...want([]).device!, port: 4789, local: '10.0.0.9' } },
      desired: want([]),
      ops: [
        { kind: 'link-del', name: 'weft.1' },
        { kind: 'link-add', device: want([]).device! },
        { kind: 'link-set', name: 'weft.1', up: true },
        { kind: 'addr-add', dev: 'weft.1', cidr: '10.5.1.0/32' },
      ],
    },
    {
      // The kernel cannot switch GBP on a live device; a GBP peer's packets are dropped without it.
      name: 'a device without GBP is recreated when the network config turns GBP on',
      actual: want([]),
      desired: { ...want([]), device: { ...want([]).device!, gbp: true } },
      ops: [
        { kind: 'link-del', name: 'weft.1' },
        { kind: 'link-add', device: { ...want([]).device!, gbp: true } },
        { kind: 'link-set', name: 'weft.1', up: true },
        { kind: 'addr-add', dev: 'weft.1', cidr: '10.5.1.0/32' },
      ],
    },
    {
      name: 'MTU, MAC and down state are fixed in place; a stray address is removed',
      actual: { ...want([]), device: { ...want([]).device!, mtu: 1400, mac: '02:00:00:00:00:aa', up: false, addresses: ['10.5.1.0/32', '10.5.1.9/24'] } },
      desired: want([]),
      ops: [
        { kind: 'link-set', name: 'weft.1', mtu: 1450, mac: '02:00:00:00:00:01', up: true },
        { kind: 'addr-del', dev: 'weft.1', cidr: '10.5.1.9/24' },
      ],
    },
    {
      name: 'a new subnet of our own moves the device address',
      actual: want([]),
      desired: desiredState({ ...self, subnet: '10.5.8.0/24' }, [], opts),
      ops: [
        { kind: 'addr-del', dev: 'weft.1', cidr: '10.5.1.0/32' },
        { kind: 'addr-add', dev: 'weft.1', cidr: '10.5.8.0/32' },
      ],
    },
  ];

  it.each(cases)('$name', ({ actual, desired, ops }) => {
    expect(diff(actual, desired)).toEqual(ops);
  });

  it('leaves alone what the reader did not report as ours (other devices, routes outside the network)', () => {
    // The netlink reader only returns objects on our device and routes into the cluster network;
    // diff never invents deletes for anything else.
    const ops = diff(want([peer(2)]), want([peer(2), peer(3)]));
    expect(ops.every((op) => !op.kind.endsWith('-del'))).toBe(true);
    expect(kinds(ops)).toEqual(['neigh-set', 'fdb-set', 'route-set']);
  });
});

describe('the model between reads', () => {
  const actual = want([peer(2)]);
  it('applies ops to a state so that diffing again yields nothing', async () => {
    const { applyOps } = await import('./kernel-state.ts');
    const desired = want([peer(3)]);
    expect(diff(applyOps(actual, diff(actual, desired)), desired)).toEqual([]);
    const empty = { device: undefined, routes: [], neighbours: [], fdb: [] };
    expect(diff(applyOps(empty, diff(empty, desired)), desired)).toEqual([]);
  });

  it.each([
    { name: 'the echo of our route', o: { kind: 'route', present: true, route: actual.routes[0]! }, agrees: true },
    { name: 'our route deleted by someone', o: { kind: 'route', present: false, route: actual.routes[0]! }, agrees: false },
    { name: 'our route pointed elsewhere', o: { kind: 'route', present: true, route: { ...actual.routes[0]!, gateway: '10.0.0.9' } }, agrees: false },
    { name: 'a foreign route into the network on another device', o: { kind: 'route', present: true, route: { dst: '10.5.200.0/24', gateway: '10.0.0.254', dev: 'eth0', onlink: false } }, agrees: true },
    { name: 'a stray route on our device', o: { kind: 'route', present: true, route: { dst: '10.5.200.0/24', gateway: '10.5.200.0', dev: 'weft.1', onlink: true } }, agrees: false },
    { name: 'our neighbour deleted', o: { kind: 'neighbour', present: false, permanent: true, neigh: actual.neighbours[0]! }, agrees: false },
    { name: 'a dynamic neighbour for an address we do not program', o: { kind: 'neighbour', present: true, permanent: false, neigh: { ip: '10.5.9.9', mac: '' } }, agrees: true },
    { name: 'our fdb entry deleted', o: { kind: 'fdb', present: false, fdb: actual.fdb[0]! }, agrees: false },
    { name: 'the device deleted', o: { kind: 'link', present: false, name: 'weft.1', mtu: 0, mac: '', up: false }, agrees: false },
    { name: 'the device set down', o: { kind: 'link', present: true, name: 'weft.1', mtu: 1450, mac: '02:00:00:00:00:01', up: false }, agrees: false },
    { name: 'the device echo', o: { kind: 'link', present: true, name: 'weft.1', mtu: 1450, mac: '02:00:00:00:00:01', up: true }, agrees: true },
    { name: 'our address removed', o: { kind: 'address', present: false, cidr: '10.5.1.0/32' }, agrees: false },
    { name: 'lost notifications', o: { kind: 'unknown' }, agrees: false },
  ] as const)('a notification of $name agrees with the model: $agrees', async ({ o, agrees: expected }) => {
    const { agrees } = await import('./kernel-state.ts');
    expect(agrees(actual, o)).toBe(expected);
  });
});
