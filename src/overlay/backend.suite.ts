// One suite for every KernelBackend (after Hono's shared router suite): the in-memory backend runs
// it as a unit test, the netlink backend in a fresh network namespace as an e2e test. The kernel is
// the truth: where the memory backend disagrees with it, the memory backend is wrong.
import { describe, expect, it } from 'vitest';
import type { ApplyResult, KernelBackend, ReadScope } from './backend.ts';
import type { FdbEntry, KernelOp, NeighEntry, Observation, RouteEntry, VxlanDevice } from './kernel-state.ts';

export interface BackendFixture {
  backend: KernelBackend;
  /** The underlay interface: name, its one address as a CIDR, its MTU. */
  underlay: { name: string; cidr: string; mtu: number };
  /** Changes the kernel behind the backend's back (another process, an operator). */
  outside(ops: readonly KernelOp[]): Promise<ApplyResult>;
  /** The main-table blackhole routes of both families, as the kernel lists them (`ip route show type blackhole`). */
  blackholes(): Promise<string[]>;
  /** Gives the bridge `weftbhbr` (not ours) the first address of `cidr`: the kernel appends its connected route, even behind a blackhole. */
  bridgeRoute(cidr: string): Promise<void>;
  teardown(): Promise<void>;
}

const DEV = 'weft.1';
const NETWORK = '10.5.0.0/16';
const OWN = '10.5.1.0/24';
const mac = (n: number): string => `02:00:00:00:00:${n.toString(16).padStart(2, '0')}`;
const neigh = (n: number): NeighEntry => ({ ip: `10.5.${n}.0`, mac: mac(n) });
const route = (n: number, dev = DEV): RouteEntry => ({ dst: `10.5.${n}.0/24`, gateway: `10.5.${n}.0`, dev, onlink: true });

function fixtureParts(u: BackendFixture['underlay']) {
  const local = u.cidr.split('/')[0]!;
  const base = local.split('.').slice(0, 3).join('.');
  const device: VxlanDevice = {
    name: DEV, vni: 1, port: 8472, local, underlay: u.name, mtu: u.mtu - 50, mac: '0a:58:0a:05:01:00', learning: false, gbp: false, up: false, addresses: [],
  };
  const fdb = (n: number): FdbEntry => ({ mac: mac(n), dst: `${base}.${10 + n}` });
  const scope: ReadScope = { device: DEV, underlay: u.name, network: NETWORK, ownSubnet: OWN, directRouting: false };
  /** A peer reached directly over the underlay (DirectRouting). */
  const direct = (n: number): RouteEntry => ({ dst: `10.5.${n}.0/24`, gateway: `${base}.${10 + n}`, dev: u.name, onlink: false });
  const up: KernelOp[] = [
    { kind: 'link-add', device },
    { kind: 'link-set', name: DEV, up: true },
    { kind: 'addr-add', dev: DEV, cidr: '10.5.1.0/32' },
  ];
  const peer = (n: number): KernelOp[] => [
    { kind: 'fdb-set', dev: DEV, fdb: fdb(n) },
    { kind: 'neigh-set', dev: DEV, neigh: neigh(n) },
    { kind: 'route-set', route: route(n) },
  ];
  return { device, fdb, scope, direct, up, peer };
}

const sortState = <T extends { routes: RouteEntry[]; neighbours: NeighEntry[]; fdb: FdbEntry[] }>(s: T): T => ({
  ...s,
  routes: [...s.routes].sort((a, b) => a.dst.localeCompare(b.dst)),
  neighbours: [...s.neighbours].sort((a, b) => a.ip.localeCompare(b.ip)),
  fdb: [...s.fdb].sort((a, b) => a.mac.localeCompare(b.mac)),
});

async function ok(result: Promise<ApplyResult> | ApplyResult): Promise<ApplyResult> {
  const r = await result;
  expect(r.failures.map((f) => `${f.op.kind}: ${f.error.message}`)).toEqual([]);
  return r;
}

/** Polls `seen` until `match` finds an observation (generous deadline: the machine is shared). */
async function waitForObservation(seen: Observation[], match: (o: Observation) => boolean, what: string, timeoutMs = 10_000): Promise<Observation> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = seen.find(match);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no notification for ${what} within ${timeoutMs} ms; saw ${JSON.stringify(seen)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function describeKernelBackend(name: string, create: () => Promise<BackendFixture>): void {
  async function withFixture(body: (f: BackendFixture, p: ReturnType<typeof fixtureParts>) => Promise<void>): Promise<void> {
    const f = await create();
    try {
      await body(f, fixtureParts(f.underlay));
    } finally {
      await f.teardown();
    }
  }

  describe(`kernel backend: ${name}`, () => {
    it('underlay() reports the interface MTU and addresses, undefined for a missing one', () => withFixture(async (f) => {
      const info = await f.backend.underlay(f.underlay.name);
      expect(info).toMatchObject({ mtu: f.underlay.mtu, addresses: [f.underlay.cidr] });
      expect(info!.index).toBeGreaterThan(0);
      expect(await f.backend.underlay('weftnosuch0')).toBeUndefined();
    }));

    it('link-add creates the VXLAN device with every attribute, down and unaddressed', () => withFixture(async (f, p) => {
      expect(await f.backend.read(p.scope)).toEqual({ device: undefined, routes: [], neighbours: [], fdb: [] });
      const r = await ok(f.backend.apply([{ kind: 'link-add', device: p.device }]));
      expect(r.applied).toEqual({ 'link-add': 1 });
      expect(await f.backend.read(p.scope)).toEqual({ device: p.device, routes: [], neighbours: [], fdb: [] });
    }));

    it('link-add with GBP and learning (flannel Backend.GBP/Learning) reads both back', () => withFixture(async (f, p) => {
      const device = { ...p.device, gbp: true, learning: true };
      await ok(f.backend.apply([{ kind: 'link-add', device }]));
      expect((await f.backend.read({ ...p.scope, learning: true })).device).toEqual(device);
    }));

    it('link-set changes MTU, MAC and up; addr-add and addr-del change the addresses', () => withFixture(async (f, p) => {
      await ok(f.backend.apply(p.up));
      await ok(f.backend.apply([{ kind: 'link-set', name: DEV, mtu: 1400, mac: '0a:58:0a:05:01:01' }, { kind: 'addr-add', dev: DEV, cidr: '10.5.9.0/32' }]));
      expect((await f.backend.read(p.scope)).device).toEqual({ ...p.device, mtu: 1400, mac: '0a:58:0a:05:01:01', up: true, addresses: ['10.5.1.0/32', '10.5.9.0/32'] });
      await ok(f.backend.apply([{ kind: 'addr-del', dev: DEV, cidr: '10.5.1.0/32' }, { kind: 'link-set', name: DEV, up: false }]));
      expect((await f.backend.read(p.scope)).device).toMatchObject({ up: false, addresses: ['10.5.9.0/32'] });
    }));

    it('fdb, neighbour and onlink route entries read back exactly as applied', () => withFixture(async (f, p) => {
      await ok(f.backend.apply(p.up));
      const r = await ok(f.backend.apply([...p.peer(2), ...p.peer(3)]));
      expect(r.applied).toEqual({ 'fdb-set': 2, 'neigh-set': 2, 'route-set': 2 });
      expect(sortState(await f.backend.read(p.scope))).toEqual({
        device: { ...p.device, up: true, addresses: ['10.5.1.0/32'] },
        routes: [route(2), route(3)], neighbours: [neigh(2), neigh(3)], fdb: [p.fdb(2), p.fdb(3)],
      });
    }));

    it('route-set, neigh-set and fdb-set replace the entry for the same key; the -del ops remove it', () => withFixture(async (f, p) => {
      await ok(f.backend.apply([...p.up, ...p.peer(2)]));
      const moved = { ...route(2), gateway: '10.5.2.1' };
      await ok(f.backend.apply([
        { kind: 'fdb-set', dev: DEV, fdb: { ...p.fdb(2), dst: p.fdb(5).dst } },
        { kind: 'neigh-set', dev: DEV, neigh: { ...neigh(2), mac: mac(7) } },
        { kind: 'route-set', route: moved },
      ]));
      const s = await f.backend.read(p.scope);
      expect(s).toMatchObject({ routes: [moved], neighbours: [{ ...neigh(2), mac: mac(7) }], fdb: [{ ...p.fdb(2), dst: p.fdb(5).dst }] });
      await ok(f.backend.apply([
        { kind: 'route-del', route: moved },
        { kind: 'neigh-del', dev: DEV, neigh: { ...neigh(2), mac: mac(7) } },
        { kind: 'fdb-del', dev: DEV, fdb: { ...p.fdb(2), dst: p.fdb(5).dst } },
      ]));
      expect(await f.backend.read(p.scope)).toMatchObject({ routes: [], neighbours: [], fdb: [] });
    }));

    it('re-applying the same set/add ops is idempotent; a second link-add fails and changes nothing', () => withFixture(async (f, p) => {
      const ops = [...p.up, ...p.peer(2), ...p.peer(3)];
      await ok(f.backend.apply(ops));
      const before = sortState(await f.backend.read(p.scope));
      const again = await f.backend.apply(ops.filter((op) => op.kind !== 'link-add'));
      expect(again.failures).toEqual([]);
      expect(sortState(await f.backend.read(p.scope))).toEqual(before);
      const dup = await f.backend.apply([{ kind: 'link-add', device: { ...p.device, mtu: 1300 } }]);
      expect(dup.failures.map((x) => x.op.kind)).toEqual(['link-add']);
      expect(dup.applied).toEqual({});
      expect(sortState(await f.backend.read(p.scope))).toEqual(before);
    }));

    it("a second device with the same VNI and port under another name is refused with EEXIST (flanneld's beside weft's)", () => withFixture(async (f, p) => {
      await ok(f.backend.apply(p.up));
      const twin = await f.backend.apply([{ kind: 'link-add', device: { ...p.device, name: 'flannel.1', mac: mac(9) } }]);
      expect(twin.failures.map((x) => `${x.op.kind}: ${x.error.message}`)).toEqual([expect.stringMatching(/^link-add: .*EEXIST/)]);
      expect((await f.backend.read({ ...p.scope, device: 'flannel.1' })).device).toBeUndefined();
    }));

    it('deleting objects that do not exist fails per op and changes nothing', () => withFixture(async (f, p) => {
      await ok(f.backend.apply([...p.up, ...p.peer(2)]));
      const before = sortState(await f.backend.read(p.scope));
      const missing: KernelOp[] = [
        { kind: 'route-del', route: route(4) },
        { kind: 'neigh-del', dev: DEV, neigh: neigh(4) },
        { kind: 'fdb-del', dev: DEV, fdb: p.fdb(4) },
        { kind: 'addr-del', dev: DEV, cidr: '10.5.4.0/32' },
        { kind: 'link-del', name: 'weft.99' },
      ];
      const r = await f.backend.apply(missing);
      expect(r.failures.map((x) => x.op.kind).sort()).toEqual(missing.map((op) => op.kind).sort());
      for (const failure of r.failures) expect(failure.error).toBeInstanceOf(Error);
      expect(r.applied).toEqual({});
      expect(sortState(await f.backend.read(p.scope))).toEqual(before);
    }));

    it("a second device with the same VNI and port under another name is refused with EEXIST (flanneld's beside weft's)", () => withFixture(async (f, p) => {
      await ok(f.backend.apply(p.up));
      const twin = await f.backend.apply([{ kind: 'link-add', device: { ...p.device, name: 'flannel.1', mac: mac(9) } }]);
      expect(twin.failures.map((x) => `${x.op.kind}: ${x.error.message}`)).toEqual([expect.stringMatching(/^link-add: .*EEXIST/)]);
      expect((await f.backend.read({ ...p.scope, device: 'flannel.1' })).device).toBeUndefined();
    }));

    it('a failing op is reported alone; the rest of the batch is applied', () => withFixture(async (f, p) => {
      await ok(f.backend.apply(p.up));
      const bad: KernelOp[] = [
        { kind: 'neigh-set', dev: 'weft.99', neigh: neigh(3) },
        { kind: 'route-set', route: route(4, 'weft.99') },
        // Not onlink: the gateway is not reachable through the device.
        { kind: 'route-set', route: { ...route(5), onlink: false } },
        // The gateway is one of our own addresses.
        { kind: 'route-set', route: { ...route(7), gateway: '10.5.1.0' } },
      ];
      const r = await f.backend.apply([...p.peer(2), ...bad, ...p.peer(6)]);
      expect(r.failures.map((x) => x.op)).toEqual(bad);
      expect(r.applied).toEqual({ 'fdb-set': 2, 'neigh-set': 2, 'route-set': 2 });
      expect(sortState(await f.backend.read(p.scope))).toMatchObject({ routes: [route(2), route(6)], neighbours: [neigh(2), neigh(6)] });
    }));

    it('link-del removes the device with its addresses, neighbours, FDB entries and routes', () => withFixture(async (f, p) => {
      await ok(f.backend.apply([...p.up, ...p.peer(2)]));
      expect(await ok(f.backend.apply([{ kind: 'link-del', name: DEV }]))).toMatchObject({ applied: { 'link-del': 1 } });
      expect(await f.backend.read(p.scope)).toEqual({ device: undefined, routes: [], neighbours: [], fdb: [] });
      // The name is free again.
      await ok(f.backend.apply([{ kind: 'link-add', device: p.device }]));
      expect((await f.backend.read(p.scope)).device).toEqual(p.device);
    }));

    it('setting the device down drops its routes and neighbours, keeps FDB entries and addresses', () => withFixture(async (f, p) => {
      await ok(f.backend.apply([...p.up, ...p.peer(2)]));
      await ok(f.backend.apply([{ kind: 'link-set', name: DEV, up: false }]));
      expect(await f.backend.read(p.scope)).toEqual({ device: { ...p.device, addresses: ['10.5.1.0/32'] }, routes: [], neighbours: [], fdb: [p.fdb(2)] });
      // Neighbours may be set on a down device; onlink routes may not.
      const r = await f.backend.apply(p.peer(3));
      expect(r.failures.map((x) => x.op.kind)).toEqual(['route-set']);
      expect(r.applied).toEqual({ 'fdb-set': 1, 'neigh-set': 1 });
    }));

    it('ensureBlackhole adds a blackhole route once per prefix, IPv4 and IPv6; read() never shows it', () => withFixture(async (f, p) => {
      await ok(f.backend.apply(p.up));
      expect(await f.blackholes()).toEqual([]);
      expect(await f.backend.ensureBlackhole(OWN)).toEqual({ outcome: 'added' });
      expect(await f.backend.ensureBlackhole(OWN)).toEqual({ outcome: 'present' });
      expect(await f.backend.ensureBlackhole('fd00:5:1::/64')).toEqual({ outcome: 'added' });
      expect(await f.backend.ensureBlackhole('fd00:5:1::/64')).toEqual({ outcome: 'present' });
      expect((await f.blackholes()).sort()).toEqual([OWN, 'fd00:5:1::/64']);
      expect(await f.backend.read(p.scope)).toMatchObject({ routes: [] });
    }));

    it('ensureBlackhole adds none beside a route holding the prefix; a route replace takes a blackhole\'s place', () => withFixture(async (f, p) => {
      await ok(f.backend.apply([...p.up, ...p.peer(2)]));
      expect(await f.backend.ensureBlackhole(route(2).dst)).toEqual({ outcome: 'held', holder: DEV });
      expect(await f.blackholes()).toEqual([]);
      expect(await f.backend.ensureBlackhole(route(3).dst)).toEqual({ outcome: 'added' });
      await ok(f.backend.apply(p.peer(3)));
      expect(await f.blackholes()).toEqual([]);
      expect(sortState(await f.backend.read(p.scope)).routes).toEqual([route(2), route(3)]);
    }));

    it('a bridge route that came after the blackhole (which shadows it) makes ensureBlackhole delete ours, only ours', () => withFixture(async (f) => {
      for (const [dst, bridgeCidr] of [['10.5.7.0/24', '10.5.7.1/24'], ['fd00:5:7::/64', 'fd00:5:7::1/64']] as const) {
        expect(await f.backend.ensureBlackhole(dst)).toEqual({ outcome: 'added' });
        await f.bridgeRoute(bridgeCidr);
        expect(await f.blackholes()).toEqual([dst]);
        expect(await f.backend.ensureBlackhole(dst)).toEqual({ outcome: 'removed', holder: 'weftbhbr' });
        expect(await f.blackholes()).toEqual([]);
        // The bridge's route is still there.
        expect(await f.backend.ensureBlackhole(dst)).toEqual({ outcome: 'held', holder: 'weftbhbr' });
      }
    }));

    it('read() returns only what the scope covers: every route via our device, direct routes only with DirectRouting', () => withFixture(async (f, p) => {
      await ok(f.backend.apply([...p.up, ...p.peer(2)]));
      // Strays via our device (outside the network, into the own subnet) are read, so diff removes them.
      const strayOutside: RouteEntry = { dst: '10.99.0.0/24', gateway: '10.99.0.0', dev: DEV, onlink: true };
      const strayOwn: RouteEntry = { dst: OWN, gateway: '10.5.1.7', dev: DEV, onlink: true };
      // Via the underlay outside the network: never ours, whatever the scope.
      const foreign: RouteEntry = { ...p.direct(3), dst: '10.98.0.0/24' };
      await ok(f.outside([
        { kind: 'route-set', route: strayOutside },
        { kind: 'route-set', route: strayOwn },
        { kind: 'route-set', route: p.direct(3) },
        { kind: 'route-set', route: foreign },
      ]));
      const onDevice = [route(2), strayOutside, strayOwn];
      const inScope = sortState({ device: { ...p.device, up: true, addresses: ['10.5.1.0/32'] }, routes: onDevice, neighbours: [neigh(2)], fdb: [p.fdb(2)] });
      expect(sortState(await f.backend.read(p.scope))).toEqual(inScope);
      // DirectRouting: the gateway route via the underlay into the network is ours too.
      expect(sortState(await f.backend.read({ ...p.scope, directRouting: true }))).toEqual(sortState({ ...inScope, routes: [...onDevice, p.direct(3)] }));
      // Another device name: no device, no neighbours or FDB entries, no routes via ours.
      expect(await f.backend.read({ ...p.scope, device: 'weft.2' })).toEqual({ device: undefined, routes: [], neighbours: [], fdb: [] });
      // Another network: the routes via our device still, the direct one no longer.
      expect(sortState(await f.backend.read({ ...p.scope, network: '10.6.0.0/16', directRouting: true })).routes).toEqual(sortState({ ...inScope, routes: onDevice }).routes);
    }));

    it("watch() reports routes to our own subnet that are not ours to reconcile (a bridge's, the blackhole) as own-subnet", () => withFixture(async (f, p) => {
      const seen: Observation[] = [];
      const unwatch = f.backend.watch(p.scope, (o) => seen.push(o));
      const ownSubnet = (present: boolean, blackhole: boolean) => (o: Observation) => o.kind === 'own-subnet' && o.present === present && o.blackhole === blackhole;
      try {
        expect(await f.backend.ensureBlackhole(OWN)).toEqual({ outcome: 'added' });
        await waitForObservation(seen, ownSubnet(true, true), 'blackhole added');
        await f.bridgeRoute('10.5.1.1/24');
        await waitForObservation(seen, ownSubnet(true, false), 'bridge route');
        expect(await f.backend.ensureBlackhole(OWN)).toEqual({ outcome: 'removed', holder: 'weftbhbr' });
        await waitForObservation(seen, ownSubnet(false, true), 'blackhole removed');
        expect(seen.filter((o) => o.kind !== 'own-subnet')).toEqual([]);
      } finally {
        unwatch();
      }
    }));

    it('watch() reports changes made behind its back, within its scope only', () => withFixture(async (f, p) => {
      await ok(f.backend.apply([...p.up, ...p.peer(2), ...p.peer(3)]));
      const seen: Observation[] = [];
      const unwatch = f.backend.watch(p.scope, (o) => seen.push(o));
      try {
        // Out of scope first: a route via the underlay outside the network.
        await ok(f.outside([{ kind: 'route-set', route: { ...p.direct(3), dst: '10.99.0.0/24' } }]));
        await ok(f.outside([{ kind: 'route-del', route: route(2) }]));
        await waitForObservation(seen, (o) => o.kind === 'route' && !o.present && o.route.dst === '10.5.2.0/24', 'route-del');
        expect(seen.find((o) => o.kind === 'route' && o.route.dst === '10.99.0.0/24')).toBeUndefined();
        expect(seen.find((o) => o.kind === 'route' && !o.present)).toEqual({ kind: 'route', present: false, route: route(2) });
        await ok(f.outside([{ kind: 'neigh-del', dev: DEV, neigh: neigh(2) }]));
        await waitForObservation(seen, (o) => o.kind === 'neighbour' && !o.present && o.neigh.ip === '10.5.2.0', 'neigh-del');
        await ok(f.outside([{ kind: 'fdb-del', dev: DEV, fdb: p.fdb(2) }]));
        expect(await waitForObservation(seen, (o) => o.kind === 'fdb' && !o.present, 'fdb-del')).toEqual({ kind: 'fdb', present: false, fdb: p.fdb(2) });
        await ok(f.outside([{ kind: 'neigh-set', dev: DEV, neigh: { ...neigh(3), mac: mac(9) } }]));
        expect(await waitForObservation(seen, (o) => o.kind === 'neighbour' && o.present && o.neigh.mac === mac(9), 'neigh-set'))
          .toEqual({ kind: 'neighbour', present: true, permanent: true, neigh: { ...neigh(3), mac: mac(9) } });
        await ok(f.outside([{ kind: 'addr-add', dev: DEV, cidr: '10.5.8.0/32' }]));
        expect(await waitForObservation(seen, (o) => o.kind === 'address', 'addr-add')).toEqual({ kind: 'address', present: true, cidr: '10.5.8.0/32' });
        await ok(f.outside([{ kind: 'link-set', name: DEV, mtu: 1300 }]));
        expect(await waitForObservation(seen, (o) => o.kind === 'link' && o.mtu === 1300, 'link-set'))
          .toEqual({ kind: 'link', present: true, name: DEV, mtu: 1300, mac: p.device.mac, up: true });
        await ok(f.outside([{ kind: 'link-del', name: DEV }]));
        await waitForObservation(seen, (o) => o.kind === 'link' && !o.present, 'link-del');
      } finally {
        unwatch();
      }
    }));

    it('watch() also echoes the backend\'s own changes; unwatch stops the reports', () => withFixture(async (f, p) => {
      await ok(f.backend.apply(p.up));
      const seen: Observation[] = [];
      const sentinel: Observation[] = [];
      const unwatch = f.backend.watch(p.scope, (o) => seen.push(o));
      const unwatchSentinel = f.backend.watch(p.scope, (o) => sentinel.push(o));
      try {
        await ok(f.backend.apply([{ kind: 'route-set', route: route(2) }]));
        expect(await waitForObservation(seen, (o) => o.kind === 'route', 'own route-set')).toEqual({ kind: 'route', present: true, route: route(2) });
        unwatch();
        const count = seen.length;
        await ok(f.backend.apply([{ kind: 'route-set', route: route(3) }]));
        await waitForObservation(sentinel, (o) => o.kind === 'route' && o.route.dst === '10.5.3.0/24', 'sentinel route-set');
        expect(seen).toHaveLength(count);
      } finally {
        unwatch();
        unwatchSentinel();
      }
    }));
  });
}
