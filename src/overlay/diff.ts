// Pure: the operations that turn the actual kernel state into the desired one. Only objects in
// the two states are compared, so whatever the reader left out (other devices, routes outside
// the cluster network, dynamic neighbours) is never touched.
import type { FdbEntry, KernelOp, KernelState, NeighEntry, RouteEntry, VxlanDevice } from './kernel-state.ts';
import { opPhase } from './kernel-state.ts';

/** Attributes the kernel cannot change on a live VXLAN device: a mismatch means delete + create. */
export function needsRecreate(actual: VxlanDevice, desired: VxlanDevice): boolean {
  return actual.vni !== desired.vni || actual.port !== desired.port || actual.local !== desired.local
    || actual.underlay !== desired.underlay || actual.learning !== desired.learning || actual.gbp !== desired.gbp;
}

const routeKey = (r: RouteEntry): string => r.dst;
const sameRoute = (a: RouteEntry, b: RouteEntry): boolean =>
  a.gateway === b.gateway && a.dev === b.dev && a.onlink === b.onlink;

function index<T>(items: readonly T[], key: (item: T) => string): Map<string, T> {
  return new Map(items.map((item) => [key(item), item]));
}

export function diff(actual: KernelState, desired: KernelState): KernelOp[] {
  const ops: KernelOp[] = [];
  const want = desired.device;
  let have = actual.device;
  // Entries on a device we delete vanish with it; they must be re-added, not removed.
  let routes = actual.routes;
  let neighbours = actual.neighbours;
  let fdb = actual.fdb;
  if (want !== undefined) {
    if (have !== undefined && needsRecreate(have, want)) {
      ops.push({ kind: 'link-del', name: have.name });
      const gone = have.name;
      routes = routes.filter((r) => r.dev !== gone);
      neighbours = [];
      fdb = [];
      have = undefined;
    }
    if (have === undefined) {
      ops.push({ kind: 'link-add', device: want });
      ops.push({ kind: 'link-set', name: want.name, up: true });
      for (const cidr of want.addresses) ops.push({ kind: 'addr-add', dev: want.name, cidr });
    } else {
      const set: { mtu?: number; mac?: string; up?: boolean } = {};
      if (have.mtu !== want.mtu) set.mtu = want.mtu;
      if (have.mac !== want.mac) set.mac = want.mac;
      if (have.up !== want.up) set.up = want.up;
      if (Object.keys(set).length > 0) ops.push({ kind: 'link-set', name: want.name, ...set });
      for (const cidr of have.addresses) if (!want.addresses.includes(cidr)) ops.push({ kind: 'addr-del', dev: want.name, cidr });
      for (const cidr of want.addresses) if (!have.addresses.includes(cidr)) ops.push({ kind: 'addr-add', dev: want.name, cidr });
    }
  }
  const dev = want?.name ?? have?.name ?? '';
  diffEntries(neighbours, desired.neighbours, (n) => n.ip, (a, b) => a.mac === b.mac,
    (neigh) => ops.push({ kind: 'neigh-set', dev, neigh }), (neigh) => ops.push({ kind: 'neigh-del', dev, neigh }));
  diffEntries(fdb, desired.fdb, (f) => f.mac, (a, b) => a.dst === b.dst,
    (entry: FdbEntry) => ops.push({ kind: 'fdb-set', dev, fdb: entry }), (entry: FdbEntry) => ops.push({ kind: 'fdb-del', dev, fdb: entry }));
  diffEntries(routes, desired.routes, routeKey, sameRoute,
    (route) => ops.push({ kind: 'route-set', route }), (route) => ops.push({ kind: 'route-del', route }));
  // Stable sort: phase order, and within a phase the order above.
  return ops.map((op, i) => ({ op, i })).sort((a, b) => opPhase[a.op.kind] - opPhase[b.op.kind] || a.i - b.i).map((x) => x.op);
}

function diffEntries<T extends NeighEntry | FdbEntry | RouteEntry>(
  actual: readonly T[],
  desired: readonly T[],
  key: (item: T) => string,
  same: (a: T, b: T) => boolean,
  set: (item: T) => void,
  del: (item: T) => void,
): void {
  const have = index(actual, key);
  const want = index(desired, key);
  for (const [k, item] of have) if (!want.has(k)) del(item);
  for (const [k, item] of want) {
    const current = have.get(k);
    if (current === undefined || !same(current, item)) set(item);
  }
}
