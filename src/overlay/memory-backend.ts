// An in-memory kernel for unit tests of the reconcile loop: applies KernelOps to a KernelState,
// records them, and lets a test break state or fail ops the way a real kernel would.
import type { ApplyResult, KernelBackend, ReadScope, UnderlayInfo } from './backend.ts';
import type { KernelOp, KernelState } from './kernel-state.ts';
import { applyOps, emptyState, type Observation } from './kernel-state.ts';

export interface MemoryBackend extends KernelBackend {
  state: KernelState;
  readonly applied: KernelOp[];
  underlayInfo: UnderlayInfo | undefined;
  /** Ops of these kinds fail (once each call to apply). */
  failKinds: Set<KernelOp['kind']>;
  /** Simulates a netlink notification. */
  notify(o: Observation): void;
  closed: boolean;
}

export function createMemoryBackend(underlayInfo: UnderlayInfo | undefined = { index: 2, mtu: 1500, addresses: ['10.0.0.1/24'] }): MemoryBackend {
  const listeners = new Set<(o: Observation) => void>();
  const mem: MemoryBackend = {
    state: emptyState(),
    applied: [],
    underlayInfo,
    failKinds: new Set(),
    closed: false,
    async underlay() {
      return mem.underlayInfo;
    },
    async read(scope: ReadScope) {
      const s = structuredClone(mem.state);
      return s.device?.name === scope.device ? s : { ...s, device: undefined, neighbours: [], fdb: [] };
    },
    async apply(ops) {
      const result: ApplyResult = { applied: {}, failures: [] };
      for (const op of ops) {
        if (mem.failKinds.has(op.kind)) {
          result.failures.push({ op, error: new Error('Request rejected: EINVAL') });
          continue;
        }
        mem.state = applyOps(mem.state, [op]);
        mem.applied.push(op);
        result.applied[op.kind] = (result.applied[op.kind] ?? 0) + 1;
      }
      return result;
    },
    watch(_scope, onChange) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
    notify(o) {
      for (const l of listeners) l(o);
    },
    close() {
      mem.closed = true;
    },
  };
  return mem;
}
