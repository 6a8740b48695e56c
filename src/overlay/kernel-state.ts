// The kernel objects the overlay owns, as plain data: what `desiredState` wants, what the netlink
// backend reads back, and the operations `diff` emits to get from one to the other.

/** The VXLAN device, with the attributes weft sets. */
export interface VxlanDevice {
  name: string;
  vni: number;
  /** UDP destination port. */
  port: number;
  /** Local (source) underlay IPv4 address. */
  local: string;
  /** Underlay interface name the VXLAN device is bound to. */
  underlay: string;
  mtu: number;
  /** Device MAC, which is the VTEP MAC published in our lease. */
  mac: string;
  learning: boolean;
  /** VXLAN Group Based Policy extension (IFLA_VXLAN_GBP): a GBP device drops a non-GBP peer's packets and vice versa. */
  gbp: boolean;
  up: boolean;
  /** IPv4 addresses on the device as CIDRs ("10.5.34.0/32"). */
  addresses: string[];
}

export interface RouteEntry {
  /** Destination CIDR, "10.5.2.0/24". */
  dst: string;
  gateway: string;
  /** Output device name: our VXLAN device, or the underlay interface for direct routes. */
  dev: string;
  onlink: boolean;
}

/** A permanent IPv4 neighbour on our device: `<peer subnet>.0 -> peer VTEP MAC`. */
export interface NeighEntry {
  ip: string;
  mac: string;
}

/** A permanent bridge FDB entry (NTF_SELF) on our device: `peer VTEP MAC -> dst peer public IP`. */
export interface FdbEntry {
  mac: string;
  dst: string;
}

export interface KernelState {
  device: VxlanDevice | undefined;
  routes: RouteEntry[];
  neighbours: NeighEntry[];
  fdb: FdbEntry[];
}

export type KernelOp =
  | { kind: 'route-del'; route: RouteEntry }
  | { kind: 'neigh-del'; dev: string; neigh: NeighEntry }
  | { kind: 'fdb-del'; dev: string; fdb: FdbEntry }
  | { kind: 'link-del'; name: string }
  | { kind: 'link-add'; device: VxlanDevice }
  | { kind: 'link-set'; name: string; mtu?: number; mac?: string; up?: boolean }
  | { kind: 'addr-del'; dev: string; cidr: string }
  | { kind: 'addr-add'; dev: string; cidr: string }
  | { kind: 'fdb-set'; dev: string; fdb: FdbEntry }
  | { kind: 'neigh-set'; dev: string; neigh: NeighEntry }
  | { kind: 'route-set'; route: RouteEntry };

export type KernelOpKind = KernelOp['kind'];

/**
 * Apply order. Ops of one phase are independent of each other (the backend pipelines them);
 * a phase starts when the one before it is done: removals first, then the device, then its
 * address, then the neighbour/FDB entries the onlink routes depend on, then the routes.
 */
export const opPhase: Record<KernelOpKind, number> = {
  'route-del': 0,
  'neigh-del': 1,
  'fdb-del': 1,
  'link-del': 2,
  'link-add': 3,
  'link-set': 4,
  'addr-del': 5,
  'addr-add': 5,
  'fdb-set': 6,
  'neigh-set': 6,
  'route-set': 7,
};

export const emptyState = (): KernelState => ({ device: undefined, routes: [], neighbours: [], fdb: [] });

/** Pure: the state after `ops` succeed (the reconcile loop's model of the kernel between reads). */
export function applyOps(state: KernelState, ops: readonly KernelOp[]): KernelState {
  // Entries are immutable values; maps keep this linear for thousands of ops.
  const routes = new Map(state.routes.map((r) => [r.dst, r]));
  const neighbours = new Map(state.neighbours.map((n) => [n.ip, n]));
  const fdb = new Map(state.fdb.map((f) => [f.mac, f]));
  let device = state.device === undefined ? undefined : { ...state.device, addresses: [...state.device.addresses] };
  for (const op of ops) {
    switch (op.kind) {
      case 'link-add':
        device = { ...op.device, up: false, addresses: [] };
        break;
      case 'link-del':
        device = undefined;
        neighbours.clear();
        fdb.clear();
        for (const [dst, r] of routes) if (r.dev === op.name) routes.delete(dst);
        break;
      case 'link-set':
        if (device === undefined) break;
        if (op.mtu !== undefined) device.mtu = op.mtu;
        if (op.mac !== undefined) device.mac = op.mac;
        if (op.up !== undefined) device.up = op.up;
        break;
      case 'addr-add':
        // Adding an address the device already has replaces it (NLM_F_REPLACE): never a duplicate.
        if (device !== undefined && !device.addresses.includes(op.cidr)) device.addresses.push(op.cidr);
        break;
      case 'addr-del':
        if (device) device.addresses = device.addresses.filter((a) => a !== op.cidr);
        break;
      case 'neigh-set':
        neighbours.set(op.neigh.ip, op.neigh);
        break;
      case 'neigh-del':
        neighbours.delete(op.neigh.ip);
        break;
      case 'fdb-set':
        fdb.set(op.fdb.mac, op.fdb);
        break;
      case 'fdb-del':
        fdb.delete(op.fdb.mac);
        break;
      case 'route-set':
        routes.set(op.route.dst, op.route);
        break;
      case 'route-del':
        routes.delete(op.route.dst);
        break;
    }
  }
  return { device, routes: [...routes.values()], neighbours: [...neighbours.values()], fdb: [...fdb.values()] };
}

interface ModelIndex {
  routes: Map<string, RouteEntry>;
  neighbours: Map<string, NeighEntry>;
  fdb: Map<string, FdbEntry>;
}
const modelIndexes = new WeakMap<KernelState, ModelIndex>();

function indexModel(model: KernelState): ModelIndex {
  let index = modelIndexes.get(model);
  if (index === undefined) {
    index = {
      routes: new Map(model.routes.map((r) => [r.dst, r])),
      neighbours: new Map(model.neighbours.map((n) => [n.ip, n])),
      fdb: new Map(model.fdb.map((f) => [f.mac, f])),
    };
    modelIndexes.set(model, index);
  }
  return index;
}

/** One kernel notification about an object the overlay may own, decoded by the backend. */
export type Observation =
  | { kind: 'route'; present: boolean; route: RouteEntry }
  | { kind: 'neighbour'; present: boolean; permanent: boolean; neigh: NeighEntry }
  | { kind: 'fdb'; present: boolean; fdb: FdbEntry }
  | { kind: 'link'; present: boolean; name: string; mtu: number; mac: string; up: boolean }
  | { kind: 'address'; present: boolean; cidr: string }
  /** A main-table route to our own subnet that is not ours to reconcile (a bridge's, or the blackhole of blackhole.ts). */
  | { kind: 'own-subnet'; present: boolean; blackhole: boolean }
  /** Notifications were lost (socket overrun) or could not be decoded: anything may have changed. */
  | { kind: 'unknown' };

/**
 * Pure: does the notification agree with the model? Echoes of our own changes agree and cost
 * nothing; anything else (someone else's change) means the model is stale and the kernel must be read.
 */
export function agrees(model: KernelState, o: Observation): boolean {
  switch (o.kind) {
    case 'route': {
      const r = indexModel(model).routes.get(o.route.dst);
      if (!o.present) return r === undefined || r.dev !== o.route.dev || r.gateway !== o.route.gateway;
      // A route we do not hold is someone else's, unless it sits on our device.
      if (r === undefined) return o.route.dev !== model.device?.name;
      return r.dev === o.route.dev && r.gateway === o.route.gateway && r.onlink === o.route.onlink;
    }
    case 'neighbour': {
      const n = indexModel(model).neighbours.get(o.neigh.ip);
      // Deleted, or dynamic (the kernel's business): fine only for addresses we do not program.
      if (!o.present || !o.permanent) return n === undefined;
      return n !== undefined && n.mac === o.neigh.mac;
    }
    case 'fdb': {
      const f = indexModel(model).fdb.get(o.fdb.mac);
      if (!o.present) return f === undefined || f.dst !== o.fdb.dst;
      return f !== undefined && f.dst === o.fdb.dst;
    }
    case 'link': {
      const d = model.device;
      if (!o.present) return d === undefined;
      return d !== undefined && d.name === o.name && d.mtu === o.mtu && d.mac === o.mac && d.up === o.up;
    }
    case 'address': {
      const has = model.device?.addresses.includes(o.cidr) ?? false;
      return o.present === has;
    }
    case 'own-subnet':
      // Not in the model: only the blackhole check (reconciler.ts) looks at it.
      return true;
    case 'unknown':
      return false;
  }
}
