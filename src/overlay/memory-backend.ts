// An in-memory kernel for unit tests of the reconcile loop: applies KernelOps to a KernelState,
// records them, and lets a test break state or fail ops the way a real kernel would.
import { isOwnedRoute, type ApplyResult, type KernelBackend, type ReadScope, type UnderlayInfo } from './backend.ts';
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
      // Mirrors netlink.ts: routes via our device anywhere (+ direct ones), never other devices' routes.
      const s = { ...structuredClone(mem.state), routes: mem.state.routes.filter((r) => isOwnedRoute(scope, r)).map((r) => ({ ...r })) };
      return s.device?.name === scope.device ? s : { ...s, device: undefined, neighbours: [], fdb: [] };
    },
    async apply(ops) {
      const result: ApplyResult = { applied: {}, failures: [] };
      for (const op of ops) {
        if (mem.failKinds.has(op.kind)) {
          result.failures.push({ op, error: new Error('Request rejected: EINVAL') });
          continue;
        }
        mem.state = applyToKernel(mem.state, op);
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

/**
 * One op as the kernel takes it. Unlike the reconcile loop's model (routes keyed by destination),
 * routes of different devices with one destination coexist: a delete names its device, a replace
 * takes any route to that destination (metric 0), as `ip route del/replace` do.
 */
function applyToKernel(state: KernelState, op: KernelOp): KernelState {
  if (op.kind === 'route-set') return { ...state, routes: [...state.routes.filter((r) => r.dst !== op.route.dst), op.route] };
  if (op.kind === 'route-del') return { ...state, routes: state.routes.filter((r) => r.dst !== op.route.dst || r.dev !== op.route.dev) };
  const next = applyOps({ ...state, routes: [] }, [op]);
  return { ...next, routes: op.kind === 'link-del' ? state.routes.filter((r) => r.dev !== op.name) : state.routes };
}
