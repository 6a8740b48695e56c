// `npm run bench -- overlay [peers=1000] [rounds=5] [--no-etcd]`: how fast the overlay programs the
// kernel, against the ceiling of programming it from userspace. Each round builds a fresh `weftob`
// namespace per subject (host + underlay; nothing in the root namespace) and times, from the
// bench's own clock: a cold first pass of N peers -> every route, neighbour and FDB entry acked;
// then, after removing them, the same N again (the main figure); one more peer -> acked; all N+1
// removed. Every step is checked against a dump of the kernel (not timed); a weft pass that fails
// (a refused op, a lost ack) is redone at once, timed, and counted as `retries`. Subjects:
// - weft: the overlay reconciler (src/overlay with its netlink backend, the code `weft daemon`
//   runs) in a worker process of its own (scripts/bench/overlay/worker.ts, started with
//   `ip netns exec`, pinned), handed the leases directly. Not the CLI on purpose: this bench asks
//   what the reconciler costs against iproute2 given the same list; the whole CLI path
//   (`weft daemon`, etcd watch included) is `overlay-etcd`, which runs after this one.
// - iproute2: `ip -n NS -batch -` (neighbours, routes) then `bridge -n NS -batch -` (FDB) with the
//   same entries on an identical VXLAN device made by hand: the C tools' one-request-at-a-time
//   netlink, process start included. (flannel itself is not packaged by Debian.)
// Both pinned to coresFor.subject, this script on coresFor.load; rounds interleaved after one
// warm-up of each. Goals (src/overlay/README.md): < 1 s for 1000 peers, < 50 ms for one more.
// Writes bench-results/overlay.json.
import { fileURLToPath } from 'node:url';
import { coresFor, interleave, pin, pinned, type Figures, type Subject } from './lib/method.ts';
import { writeResult } from './lib/result.ts';
import { applyBatch, assertNothingLeft, batchLines, benchBed, expectCounts, lineReader, makeDevice, peerAt, printRound, toolVersion } from './overlay/common.ts';

const numbers = process.argv.slice(2).filter((a) => /^\d+$/.test(a)).map(Number);
const peersWanted = numbers[0] ?? 1000;
const rounds = numbers[1] ?? 5;
const workerPath = fileURLToPath(new URL('./overlay/worker.ts', import.meta.url));
const peers = Array.from({ length: peersWanted + 1 }, (_, i) => peerAt(i + 2, 64, 0));

async function timed(step: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await step();
  return performance.now() - t0;
}

/** The four steps of a round, each timed and then checked against the kernel. */
async function steps(ns: string, hand: (count: number) => Promise<unknown>): Promise<Figures> {
  const coldMs = await timed(() => hand(peersWanted));
  expectCounts(ns, peersWanted, 'cold pass');
  await hand(0);
  expectCounts(ns, 0, 'removal after the cold pass');
  const bulkMs = await timed(() => hand(peersWanted));
  expectCounts(ns, peersWanted, `${peersWanted} peers`);
  const oneMs = await timed(() => hand(peersWanted + 1));
  expectCounts(ns, peersWanted + 1, 'one more peer');
  const removeMs = await timed(() => hand(0));
  expectCounts(ns, 0, 'removal');
  return { bulkMs, oneMs, removeMs, coldMs };
}

const weft: Subject = {
  name: 'weft',
  async measure() {
    const bed = await benchBed();
    try {
      const host = bed.host(1);
      const [cmd, args] = pinned(coresFor.subject, process.execPath, [workerPath, host.link, host.ip, String(peersWanted + 1)]);
      const child = bed.spawn(host.ns, cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
      const next = lineReader(child);
      if ((await next()) !== 'ready') throw new Error('the weft worker did not start');
      let retries = 0;
      const figures = await steps(host.ns, async (count) => {
        child.stdin!.write(`${JSON.stringify({ count })}\n`);
        retries += (JSON.parse(await next()) as { retries: number }).retries;
      });
      child.stdin!.end();
      await new Promise((resolve) => child.once('exit', resolve));
      return { ...figures, retries };
    } finally {
      await bed.teardown();
    }
  },
};

const iproute2: Subject = {
  name: 'iproute2',
  async measure() {
    const bed = await benchBed();
    try {
      const host = bed.host(1);
      makeDevice(host.ns, host.link, host.ip, '10.64.1.0');
      const wrap = (cmd: string, args: string[]): [string, string[]] => pinned(coresFor.subject, cmd, args);
      let held = 0;
      // Each count prepared before the clock starts: the lines are the input, as the leases are weft's.
      const batches = new Map<string, { ip: string; bridge: string }>();
      const lines = (from: number, to: number): { ip: string; bridge: string } => {
        const key = `${from}-${to}`;
        if (!batches.has(key)) batches.set(key, to > from ? batchLines(peers.slice(from, to), 'add') : batchLines(peers.slice(0, from), 'del'));
        return batches.get(key)!;
      };
      for (const [from, to] of [[0, peersWanted], [peersWanted, 0], [peersWanted, peersWanted + 1], [peersWanted + 1, 0]] as const) lines(from, to);
      return await steps(host.ns, async (count) => {
        await applyBatch(host.ns, lines(held, count), wrap);
        held = count;
      });
    } finally {
      await bed.teardown();
    }
  },
};

pin(process.pid, coresFor.load);
try {
  const records = await interleave([weft, iproute2], {
    rounds,
    warmup: 1,
    onRound: printRound,
  });
  writeResult({
    bench: 'overlay',
    title: `Overlay: ${peersWanted} peers -> kernel (routes, neighbours, FDB), weft's reconciler vs iproute2 batch`,
    versions: { iproute2: toolVersion('ip', ['-V'], /(iproute2-[\w.]+)/) },
    method: {
      peers: peersWanted, rounds, warmup: 1, subjectCores: coresFor.subject, loadCores: coresFor.load,
      weft: 'overlay reconciler in its own worker process (scripts/bench/overlay/worker.ts), netlink backend',
      iproute2: 'ip -batch (neigh, route) then bridge -batch (fdb), process start included',
      namespace: 'fresh weftob test bed per subject per round', clock: "the bench's, around the hand-over / the batch processes",
    },
    metrics: [
      { name: 'bulkMs', unit: 'ms', better: 'lower', label: `${peersWanted} peers -> all acked` },
      { name: 'oneMs', unit: 'ms', better: 'lower', label: 'one more peer -> acked' },
      { name: 'removeMs', unit: 'ms', better: 'lower', label: `${peersWanted + 1} peers removed` },
      { name: 'coldMs', unit: 'ms', better: 'lower', label: `first ${peersWanted} peers of a fresh process` },
    ],
    subjects: ['weft', 'iproute2'],
    rounds: records,
    pairs: [['weft', 'iproute2']],
    goals: (r) => [
      { text: `weft: ${peersWanted} peers -> every route, neighbour and FDB entry acked in < 1 s (median)`, met: (r.medians.bulkMs?.weft ?? Infinity) < 1000 },
      { text: 'weft: one more peer -> acked in < 50 ms (median)', met: (r.medians.oneMs?.weft ?? Infinity) < 50 },
    ],
  });
} finally {
  await assertNothingLeft();
}

// Then the whole path, from the etcd put, through `weft daemon`.
if (!process.argv.includes('--no-etcd')) await import('./overlay-etcd.ts');
