// The seam between the reconcile loop and the kernel (after Hono's shared-suite idea): the real
// netlink backend and the in-memory one used by unit tests implement the same interface.
import type { KernelOp, KernelOpKind, KernelState, Observation } from './kernel-state.ts';

/** What the reader may consider ours; everything else in the kernel is invisible to `diff`. */
export interface ReadScope {
  /** Our VXLAN device name. */
  device: string;
  /** Underlay interface name (direct routes go through it). */
  underlay: string;
  /** The cluster network; only routes whose destination lies inside it are read. */
  network: string;
  /** Our own subnet: never read as a route of ours (the bridge or CNI owns it). */
  ownSubnet: string;
  /** With DirectRouting, gateway routes into the network via the underlay are ours too; without, never. */
  directRouting: boolean;
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

export interface KernelBackend {
  underlay(name: string): Promise<UnderlayInfo | undefined>;
  read(scope: ReadScope): Promise<KernelState>;
  apply(ops: readonly KernelOp[]): Promise<ApplyResult>;
  /** Reports kernel notifications about objects `scope` covers (decoded); returns unsubscribe. */
  watch(scope: ReadScope, onChange: (observation: Observation) => void): () => void;
  close(): void;
}
