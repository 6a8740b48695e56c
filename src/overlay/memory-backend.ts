// An in-memory kernel for unit tests of the reconcile loop: applies KernelOps to a KernelState,
// records them, and lets a test break state or fail ops the way a real kernel would. It runs the
// shared backend suite (backend.suite.ts) beside the netlink backend; where they disagreed, this
// file was made to answer as the kernel does (errors per op, scope filtering, echoes on watch).
import type { ApplyResult, BlackholeOutcome, KernelBackend, ReadScope, UnderlayInfo } from './backend.ts';
import type { KernelOp, KernelState } from './kernel-state.ts';
import { emptyState, type Observation } from './kernel-state.ts';
import { applyToKernel, kernelRefusal, observationsOf, readScoped } from './memory-kernel.ts';
import { formatCidr, parseCidr } from '../net/index.ts';

export interface MemoryBackend extends KernelBackend {
  state: KernelState;
  readonly applied: KernelOp[];
  underlayInfo: UnderlayInfo | undefined;
  /** Name of the one underlay interface the memory kernel has. */
  underlayName: string;
  /** Ops of these kinds fail (once each call to apply). */
  failKinds: Set<KernelOp['kind']>;
  /** The kernel's main-table blackhole routes (canonical CIDRs); `ensureBlackhole` adds to them. */
  blackholes: string[];
  /** Routes via links the memory kernel does not model (a bridge's connected route): they hold their prefix beside a blackhole. */
  foreignRoutes: { dst: string; dev: string }[];
  /** Adds or removes a foreign route (with its notification). */
  foreignRoute(dst: string, dev: string, present: boolean): void;
  /** When set, adding a blackhole route fails with this message (the kernel refusing it). */
  blackholeError: string | undefined;
  /** Simulates a netlink notification. */
  notify(o: Observation): void;
  /** Applies ops as another process would: changes and notifies, records nothing in `applied`. */
  outside(ops: readonly KernelOp[]): Promise<ApplyResult>;
  closed: boolean;
}

export function createMemoryBackend(
  underlayInfo: UnderlayInfo | undefined = { index: 2, mtu: 1500, addresses: ['10.0.0.1/24'] },
  underlayName = 'eth0',
): MemoryBackend {
  const listeners = new Set<{ scope: ReadScope; onChange: (o: Observation) => void }>();

  function run(ops: readonly KernelOp[], own: boolean): ApplyResult {
    const result: ApplyResult = { applied: {}, failures: [] };
    for (const op of ops) {
      const refusal = own && mem.failKinds.has(op.kind) ? 'Request rejected: EINVAL' : kernelRefusal(mem.state, op, mem.underlayName, mem.underlayInfo);
      if (refusal !== undefined) {
        result.failures.push({ op, error: new Error(refusal) });
        continue;
      }
      const before = mem.state;
      mem.state = applyToKernel(mem.state, op);
      // A route replace takes the blackhole's place (same prefix, same metric), as in the kernel.
      if (op.kind === 'route-set') mem.blackholes = mem.blackholes.filter((b) => b !== op.route.dst);
      if (op.kind === 'link-set' && op.up === false) {
        // The kernel flushes the IPv4 routes and the neighbours of a device that goes down.
        mem.state = { ...mem.state, routes: mem.state.routes.filter((r) => r.dev !== op.name), neighbours: [] };
      }
      if (own) mem.applied.push(op);
      result.applied[op.kind] = (result.applied[op.kind] ?? 0) + 1;
      // Like netlink multicast, every change is reported to every watcher, our own ones included.
      for (const l of [...listeners]) {
        for (const o of observationsOf(op, before, mem.state, l.scope)) queueMicrotask(() => listeners.has(l) && l.onChange(o));
      }
    }
    return result;
  }

  function blackholeStep(dst: string): BlackholeOutcome {
    const cidr = parseCidr(dst);
    if (cidr === undefined) throw new Error('Request rejected: EINVAL');
    const canonical = formatCidr(cidr);
    const holder = [...mem.state.routes, ...mem.foreignRoutes].find((r) => r.dst === canonical)?.dev;
    const ours = mem.blackholes.includes(canonical);
    if (holder !== undefined) {
      if (!ours) return { outcome: 'held', holder };
      mem.blackholes = mem.blackholes.filter((b) => b !== canonical);
      return { outcome: 'removed', holder };
    }
    if (ours) return { outcome: 'present' };
    if (mem.blackholeError !== undefined) throw new Error(mem.blackholeError);
    mem.blackholes.push(canonical);
    return { outcome: 'added' };
  }

  // As the kernel's notifications: a route to a watcher's own subnet that is not its own came or went.
  function ownSubnetChanged(dst: string, present: boolean, blackhole: boolean): void {
    for (const l of [...listeners]) {
      if (l.scope.ownSubnet === dst) queueMicrotask(() => listeners.has(l) && l.onChange({ kind: 'own-subnet', present, blackhole }));
    }
  }

  const mem: MemoryBackend = {
    state: emptyState(),
    applied: [],
    underlayInfo,
    underlayName,
    failKinds: new Set(),
    blackholes: [],
    foreignRoutes: [],
    blackholeError: undefined,
    closed: false,
    async underlay(name: string) {
      return name === mem.underlayName ? mem.underlayInfo : undefined;
    },
    async read(scope: ReadScope) {
      return readScoped(structuredClone(mem.state), scope, mem.underlayName);
    },
    async apply(ops) {
      return run(ops, true);
    },
    async ensureBlackhole(dst) {
      const result = blackholeStep(dst);
      if (result.outcome === 'added' || result.outcome === 'removed') ownSubnetChanged(formatCidr(parseCidr(dst)!), result.outcome === 'added', true);
      return result;
    },
    foreignRoute(dst, dev, present) {
      mem.foreignRoutes = present ? [...mem.foreignRoutes, { dst, dev }] : mem.foreignRoutes.filter((r) => r.dst !== dst || r.dev !== dev);
      ownSubnetChanged(dst, present, false);
    },

    async outside(ops) {
      return run(ops, false);
    },
    watch(scope, onChange) {
      const listener = { scope, onChange };
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    notify(o) {
      for (const l of listeners) l.onChange(o);
    },
    close() {
      listeners.clear();
      mem.closed = true;
    },
  };
  return mem;
}
