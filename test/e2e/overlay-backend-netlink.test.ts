// The shared kernel-backend suite (src/overlay/backend.suite.ts) against the real netlink backend:
// each case gets a fresh host namespace with an underlay veth, and the backend runs in a driver
// process inside it (test/e2e/overlay-backend-driver.ts), reached through a KernelBackend proxy.
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect } from 'vitest';
import { createTestbed, leftovers, type Testbed } from '../harness/netns.ts';
import { describeKernelBackend, type BackendFixture } from '../../src/overlay/backend.suite.ts';
import type { ApplyResult, BlackholeOutcome, KernelBackend, UnderlayInfo } from '../../src/overlay/backend.ts';
import type { KernelOp, KernelState, Observation } from '../../src/overlay/kernel-state.ts';
import type { DriverCall, WireApplyResult } from './overlay-backend-driver.ts';

const driverPath = new URL('./overlay-backend-driver.ts', import.meta.url).pathname;
const CALL_TIMEOUT_MS = 30_000;
let bed: Testbed;

beforeAll(async () => {
  bed = await createTestbed({ hosts: 1 });
});

afterAll(async () => {
  await bed?.teardown();
  expect(await leftovers(bed.prefix)).toEqual({ namespaces: [], links: [] });
});

const unwire = (r: WireApplyResult): ApplyResult => ({ applied: r.applied, failures: r.failures.map((f) => ({ op: f.op, error: new Error(f.message) })) });

async function netlinkFixture(): Promise<BackendFixture> {
  const host = await bed.addHost();
  const child = bed.spawn(host.ns, process.execPath, [driverPath], { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  const watchers = new Map<number, (o: Observation) => void>();
  let nextId = 1;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const msg = JSON.parse(line) as { id?: number; ok?: unknown; error?: string; watch?: number; observation?: Observation };
    if (msg.watch !== undefined) {
      watchers.get(msg.watch)?.(msg.observation!);
      return;
    }
    const p = pending.get(msg.id!);
    if (p === undefined) return;
    pending.delete(msg.id!);
    clearTimeout(p.timer);
    if (msg.error !== undefined) p.reject(new Error(msg.error));
    else p.resolve(msg.ok);
  });
  const call = <T>(c: DriverCall): Promise<T> => new Promise<T>((resolve, reject) => {
    const id = nextId++;
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error(`driver call ${c.call} got no answer within ${CALL_TIMEOUT_MS} ms; stderr: ${stderr.join('\n')}`));
    }, CALL_TIMEOUT_MS);
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
    child.stdin!.write(`${JSON.stringify({ id, ...c })}\n`);
  });
  const backend: KernelBackend = {
    underlay: async (name) => (await call<UnderlayInfo | null>({ call: 'underlay', arg: name })) ?? undefined,
    read: (scope) => call<KernelState>({ call: 'read', arg: scope }),
    apply: async (ops) => unwire(await call<WireApplyResult>({ call: 'apply', arg: [...ops] })),
    ensureBlackhole: (dst) => call<BlackholeOutcome>({ call: 'blackhole', arg: dst }),
    watch(scope, onChange) {
      const id = nextId++;
      watchers.set(id, onChange);
      void call({ call: 'watch', arg: { id, scope } });
      return () => {
        if (!watchers.delete(id)) return;
        void call({ call: 'unwatch', arg: id });
      };
    },
    close: () => child.stdin!.end(),
  };
  return {
    backend,
    underlay: { name: host.link, cidr: `${host.ip}/24`, mtu: 1500 },
    outside: async (ops: readonly KernelOp[]) => unwire(await call<WireApplyResult>({ call: 'outside', arg: [...ops] })),
    async blackholes() {
      // What `ip route show type blackhole` lists (IPv4 and IPv6, main table): "blackhole 10.5.1.0/24".
      const out = await Promise.all(['-4', '-6'].map((f) => bed.exec(host.ns, 'ip', [f, 'route', 'show', 'type', 'blackhole'])));
      return out.flatMap((r) => r.stdout.split('\n').flatMap((line) => /^blackhole (\S+)/.exec(line)?.[1] ?? []));
    },
    async bridgeRoute(cidr) {
      const made = await bed.exec(host.ns, 'ip', ['link', 'show', 'weftbhbr']);
      const steps = made.code === 0 ? [] : [['link', 'add', 'weftbhbr', 'type', 'bridge'], ['link', 'set', 'weftbhbr', 'up']];
      // nodad: the IPv6 address (and its prefix route) is there at once.
      for (const args of [...steps, ['addr', 'add', cidr, 'dev', 'weftbhbr', ...(cidr.includes(':') ? ['nodad'] : [])]]) {
        const r = await bed.exec(host.ns, 'ip', args);
        if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
      }
    },
    async teardown() {
      backend.close();
      const deadline = Date.now() + 10_000;
      while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await bed.exec(host.ns, 'ip', ['link', 'del', 'weft.1']).catch(() => undefined);
    },
  };
}

describeKernelBackend('netlink in a network namespace', netlinkFixture);
