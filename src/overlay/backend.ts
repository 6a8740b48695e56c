// The seam between the reconcile loop and the kernel (after Hono's shared-suite idea): the real
// netlink backend and the in-memory one used by unit tests implement the same interface.
import type { KernelOp, KernelOpKind, KernelState, Observation, RouteEntry } from './kernel-state.ts';
import { parseCidr4, within4 } from '../net/index.ts';

/** What the reader may consider ours; everything else in the kernel is invisible to `diff`. */
export interface ReadScope {
  /** Our VXLAN device name. */
  device: string;
  /** Underlay interface name (direct routes go through it). */
  underlay: string;
  /** The cluster network: direct routes via the underlay are read only inside it. */
  network: string;
  /** Our own subnet: never read as a direct route of ours (the bridge or CNI owns it). */
  ownSubnet: string;
  /** With DirectRouting, gateway routes into the network via the underlay are ours too; without, never. */
  directRouting: boolean;
  /** With learning on, the kernel's own (non-permanent) FDB entries are not ours: never read, never removed. */
  learning?: boolean;
  /** 6: the IPv6 device (family.ts): IPv6 routes, neighbours and addresses are read. Default 4. */
  family?: 6;
}

export interface UnderlayInfo {
  index: number;
  mtu: number;
  /** CIDRs of the interface's IPv4 addresses ("10.213.0.11/24"). */
  addresses: string[];
}

export interface ApplyFailure {
  op: KernelOp;
  error: Error;
}

export interface ApplyResult {
  applied: Partial<Record<KernelOpKind, number>>;
  failures: ApplyFailure[];
}

export type BlackholeOutcome =
  | { outcome: 'added' | 'present' }
  /** `holder`: the other route's device (or its type, for a route without one). */
  | { outcome: 'held' | 'removed'; holder: string };

export interface KernelBackend {
  underlay(name: string): Promise<UnderlayInfo | undefined>;
  read(scope: ReadScope): Promise<KernelState>;
  apply(ops: readonly KernelOp[]): Promise<ApplyResult>;
  /**
   * flannel's `ip.AddBlackholeV4Route`/`AddBlackholeV6Route` (`--ip-blackhole-route`), plus one
   * rule of weft's: a main-table blackhole route to `dst` (a CIDR of either family, no device),
   * added unless one is there. Where another main-table route holds the prefix (a bridge's) none is
   * added ('held'), and one already there is deleted ('removed'): the kernel appends a bridge's
   * route behind an older blackhole, which would then drop every packet to the bridge. A refusal is thrown.
   */
  ensureBlackhole(dst: string): Promise<BlackholeOutcome>;
  /** Reports kernel notifications about objects `scope` covers (decoded); returns unsubscribe. */
  watch(scope: ReadScope, onChange: (observation: Observation) => void): () => void;
  close(): void;
}

/** Pure: does `dst` lie in the cluster network without being our own subnet? */
export function inClusterNetwork(scope: ReadScope, dst: string): boolean {
  const net = parseCidr4(dst);
  const network = parseCidr4(scope.network);
  if (net === undefined || network === undefined || !within4(net, network)) return false;
  const own = parseCidr4(scope.ownSubnet);
  return own === undefined || own.ip !== net.ip || own.prefixLen !== net.prefixLen;
}

/**
 * Pure: is this main-table unicast route one the reader reports (both backends use it)? Every route
 * via our device, whatever its destination and whoever wrote it (an older weft, a hostile lease, a
 * hand): nothing but our peers belongs there, so diff removes the rest. With DirectRouting also
 * gateway routes via the underlay into the cluster network. Nothing else is ever read or touched.
 */
export function isOwnedRoute(scope: ReadScope, route: RouteEntry): boolean {
  if (route.dev === scope.device) return true;
  return scope.directRouting && route.dev === scope.underlay && route.gateway !== '' && inClusterNetwork(scope, route.dst);
}
