// Pure rules of the in-memory kernel (memory-backend.ts), each checked against the real kernel by
// the shared backend suite: which ops the kernel refuses and with what errno, what a scoped read
// shows, and which notifications a change produces.
import { inClusterNetwork, isOwnedRoute, type ReadScope, type UnderlayInfo } from './backend.ts';
import { applyOps, type KernelOp, type KernelState, type Observation, type RouteEntry } from './kernel-state.ts';
import { contains4, parseCidr4, parseIp4, parseIp6 } from '../net/index.ts';

const rejected = (errno: string): string => `Request rejected: ${errno}`;
const noLink = (name: string): string => `link ${name} does not exist`;


/** Local addresses and connected networks of a link (the device or the underlay). */
function linkAddresses(state: KernelState, dev: string, underlayName: string, underlay: UnderlayInfo | undefined): string[] {
  if (dev === underlayName) return underlay?.addresses ?? [];
  return state.device?.name === dev ? state.device.addresses : [];
}

function routeRefusal(state: KernelState, route: RouteEntry, underlayName: string, underlay: UnderlayInfo | undefined): string | undefined {
  const onDevice = state.device?.name === route.dev;
  if (!onDevice && route.dev !== underlayName) return noLink(route.dev);
  const gateway = parseIp4(route.gateway);
  // The IPv6 device's onlink gateways (EnableIPv6) are IPv6.
  const gateway6 = gateway === undefined ? parseIp6(route.gateway) : undefined;
  const locals = [...(underlay?.addresses ?? []), ...(state.device?.addresses ?? [])];
  if ((gateway === undefined && gateway6 === undefined) || locals.some((a) => a.split('/')[0] === route.gateway)) return rejected('EINVAL');
  if (onDevice && state.device?.up !== true) return rejected('ENETDOWN');
  if (route.onlink) return undefined;
  if (gateway === undefined) return rejected('ENETUNREACH');
  const connected = linkAddresses(state, route.dev, underlayName, underlay).some((a) => {
    const net = parseCidr4(a);
    return net !== undefined && net.prefixLen < 32 && contains4(net, gateway);
  });
  return connected ? undefined : rejected('ENETUNREACH');
}

/** The error the kernel answers `op` with in `state`, or undefined when it accepts it. */
export function kernelRefusal(state: KernelState, op: KernelOp, underlayName: string, underlay: UnderlayInfo | undefined): string | undefined {
  const device = state.device;
  const hasDev = (name: string): boolean => device?.name === name;
  switch (op.kind) {
    case 'link-add':
      if (op.device.underlay !== underlayName) return noLink(op.device.underlay);
      // The kernel also refuses a second device receiving the same VNI on the same port.
      if (device !== undefined) return device.name === op.device.name || (device.vni === op.device.vni && device.port === op.device.port) ? rejected('EEXIST') : `memory backend: holds one device (${device.name})`;
      return undefined;
    case 'link-del':
    case 'link-set':
      return hasDev(op.name) ? undefined : noLink(op.name);
    case 'addr-add':
      return hasDev(op.dev) ? undefined : noLink(op.dev);
    case 'addr-del':
      if (!hasDev(op.dev)) return noLink(op.dev);
      return device!.addresses.includes(op.cidr) ? undefined : rejected('EADDRNOTAVAIL');
    case 'neigh-set':
    case 'fdb-set':
      return hasDev(op.dev) ? undefined : noLink(op.dev);
    case 'neigh-del':
      if (!hasDev(op.dev)) return noLink(op.dev);
      return state.neighbours.some((n) => n.ip === op.neigh.ip) ? undefined : rejected('ENOENT');
    case 'fdb-del':
      if (!hasDev(op.dev)) return noLink(op.dev);
      return state.fdb.some((f) => f.mac === op.fdb.mac && f.dst === op.fdb.dst) ? undefined : rejected('ENOENT');
    case 'route-set':
      return routeRefusal(state, op.route, underlayName, underlay);
    case 'route-del': {
      if (!hasDev(op.route.dev) && op.route.dev !== underlayName) return noLink(op.route.dev);
      const r = op.route;
      return state.routes.some((x) => x.dst === r.dst && x.dev === r.dev && x.gateway === r.gateway) ? undefined : rejected('ESRCH');
    }
  }
}

/** What the netlink backend's read shows of `state` through `scope`. */
export function readScoped(state: KernelState, scope: ReadScope, underlayName: string): KernelState {
  const ours = state.device?.name === scope.device;
  // Mirrors netlink.ts: every route via our device, whatever its destination, plus direct ones.
  const routes = state.routes.filter((r) => isOwnedRoute(scope, r) && (r.dev === scope.device ? ours : r.dev === underlayName));
  return ours ? { ...state, routes } : { device: undefined, routes, neighbours: [], fdb: [] };
}

/** The notifications a watcher on `scope` gets for `op`, which took the state from `before` to `after`. */
export function observationsOf(op: KernelOp, before: KernelState, after: KernelState, scope: ReadScope): Observation[] {
  switch (op.kind) {
    case 'link-add':
    case 'link-set':
    case 'link-del': {
      const d = op.kind === 'link-del' ? before.device : after.device;
      if (d === undefined || d.name !== scope.device) return [];
      return [{ kind: 'link', present: op.kind !== 'link-del', name: d.name, mtu: d.mtu, mac: d.mac, up: d.up }];
    }
    case 'addr-add':
    case 'addr-del':
      return op.dev === scope.device ? [{ kind: 'address', present: op.kind === 'addr-add', cidr: op.cidr }] : [];
    case 'neigh-set':
    case 'neigh-del':
      return op.dev === scope.device ? [{ kind: 'neighbour', present: op.kind === 'neigh-set', permanent: true, neigh: op.neigh }] : [];
    case 'fdb-set':
    case 'fdb-del':
      return op.dev === scope.device ? [{ kind: 'fdb', present: op.kind === 'fdb-set', fdb: op.fdb }] : [];
    case 'route-set':
    case 'route-del':
      // As netlink-decode.ts: ours, or any route into the cluster network (one of ours may have moved).
      return isOwnedRoute(scope, op.route) || inClusterNetwork(scope, op.route.dst) ? [{ kind: 'route', present: op.kind === 'route-set', route: op.route }] : [];
  }
}

/**
 * One op as the kernel takes it. Unlike the reconcile loop's model (routes keyed by destination),
 * routes of different devices with one destination coexist: a delete names its device, a replace
 * takes any route to that destination (metric 0), as `ip route del/replace` do.
 */
export function applyToKernel(state: KernelState, op: KernelOp): KernelState {
  if (op.kind === 'route-set') return { ...state, routes: [...state.routes.filter((r) => r.dst !== op.route.dst), op.route] };
  if (op.kind === 'route-del') return { ...state, routes: state.routes.filter((r) => r.dst !== op.route.dst || r.dev !== op.route.dev) };
  const next = applyOps({ ...state, routes: [] }, [op]);
  return { ...next, routes: op.kind === 'link-del' ? state.routes.filter((r) => r.dev !== op.name) : state.routes };
}
