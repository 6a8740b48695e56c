// Runs the netlink kernel backend inside the current network namespace for the shared backend
// suite (a netlink socket belongs to the namespace of the process that opens it). stdin: one JSON
// call per line, {"id", "call", "arg"}; stdout: {"id", "ok"} or {"id", "error"} per call, and
// {"watch", "observation"} per notification. A second backend plays "someone else" (`outside`).
import { createInterface } from 'node:readline';
import { createNetlinkBackend } from '../../src/overlay/netlink.ts';
import type { ApplyResult, KernelBackend, ReadScope } from '../../src/overlay/backend.ts';
import type { KernelOp } from '../../src/overlay/kernel-state.ts';

export type DriverCall =
  | { call: 'underlay'; arg: string }
  | { call: 'read'; arg: ReadScope }
  | { call: 'apply' | 'outside'; arg: KernelOp[] }
  | { call: 'blackhole'; arg: string }
  | { call: 'watch'; arg: { id: number; scope: ReadScope } }
  | { call: 'unwatch'; arg: number };

/** ApplyResult with its errors as plain messages (JSON-safe). */
export interface WireApplyResult {
  applied: ApplyResult['applied'];
  failures: { op: KernelOp; message: string }[];
}

const backend = createNetlinkBackend();
const other = createNetlinkBackend();
const unwatchers = new Map<number, () => void>();
const emit = (line: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

async function wire(b: KernelBackend, ops: KernelOp[]): Promise<WireApplyResult> {
  const result = await b.apply(ops);
  return { applied: result.applied, failures: result.failures.map((f) => ({ op: f.op, message: f.error.message })) };
}

async function handle(c: DriverCall): Promise<unknown> {
  switch (c.call) {
    case 'underlay':
      return (await backend.underlay(c.arg)) ?? null;
    case 'read':
      return backend.read(c.arg);
    case 'apply':
      return wire(backend, c.arg);
    case 'outside':
      return wire(other, c.arg);
    case 'blackhole':
      return backend.ensureBlackhole(c.arg);
    case 'watch': {
      const { id, scope } = c.arg;
      unwatchers.set(id, backend.watch(scope, (observation) => emit({ watch: id, observation })));
      return id;
    }
    case 'unwatch':
      unwatchers.get(c.arg)?.();
      unwatchers.delete(c.arg);
      return null;
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') continue;
  const { id, ...call } = JSON.parse(line) as DriverCall & { id: number };
  try {
    emit({ id, ok: await handle(call) });
  } catch (error) {
    emit({ id, error: (error as Error).message });
  }
}
backend.close();
other.close();
