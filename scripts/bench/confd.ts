// `npm run bench -- confd [changes-per-round=200] [rounds=5]`: latency from an etcd put to the
// destination renamed and reload_cmd exited, with `weft confd -watch` (the real CLI, no wait), beside
// etcd's own put -> watch-event latency and, when a confd 0.16 binary is at hand, real confd's
// (`confd -backend etcdv3 -watch`; WEFT_BENCH_CONFD=/path/to/confd or `confd` on PATH; built
// offline by test/confd/migration/build-confd.sh). The method (lib/method.ts): weft confd and confd
// pinned to coresFor.subject, etcd and this process (the etcd client and watcher) to coresFor.load;
// a round is one block of sequential changes per subject, blocks interleaved (weft, etcd, confd,
// weft, ...) after a warm-up block each; p50/p99 per block, median and range of per-round ratios.
// Each subject has its own key, so the others' watches stay idle during its block. About 1 min with
// the defaults. Writes bench-results/confd.json. Every process is ours, stopped by its PID.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Etcd3, IWatchResponse } from 'etcd3';
import { startEtcd, type EtcdCluster } from '../../test/harness/etcd.ts';
import { testClient } from '../../test/harness/etcd-client.ts';
import { WeftProcess } from '../../test/harness/weft-process.ts';
import { cores, coresFor, interleave, percentile, pin, pinned, type Figures, type Subject } from './lib/method.ts';
import { writeResult } from './lib/result.ts';

const changes = Number(process.argv[2] ?? 200);
const rounds = Number(process.argv[3] ?? 5);
pin(process.pid, coresFor.load);

/** A confd 0.16 binary and its version line, or why there is none. */
function findConfd(): { binary: string; version: string } | { missing: string } {
  const binary = process.env.WEFT_BENCH_CONFD || 'confd';
  const run = spawnSync(binary, ['-version'], { encoding: 'utf8' });
  if (run.error !== undefined || run.status !== 0) return { missing: `no confd binary ('${binary}' does not run; set WEFT_BENCH_CONFD, see test/confd/migration/README.md)` };
  const version = run.stdout.trim().split('\n')[0] ?? '';
  return version.startsWith('confd 0.16') ? { binary, version } : { missing: `${binary} is ${version}, not confd 0.16` };
}

const dir = mkdtempSync(join(tmpdir(), 'weft-bench-confd-'));
const done = (name: string): string => join(dir, `${name}.done`);

/** A confdir whose one resource renders /bench/NAME/n; reload_cmd appends a line to NAME.done. */
function confdir(name: string): string {
  const root = join(dir, name);
  mkdirSync(join(root, 'conf.d'), { recursive: true });
  mkdirSync(join(root, 'templates'));
  // reload_cmd is a shell builtin (the cheapest real command); changes are sequential, so the
  // (k+1)th line means change k is in place and its reload_cmd has exited.
  writeFileSync(join(root, 'conf.d', 'app.toml'), `[template]\nsrc = "app.tmpl"\ndest = "${join(dir, `${name}.conf`)}"\nkeys = ["/bench/${name}"]\nreload_cmd = "echo reloaded >> ${done(name)}"\n`);
  writeFileSync(join(root, 'templates', 'app.tmpl'), `n={{getv "/bench/${name}/n"}}\n`);
  return root;
}

// One wake-up for every wait: inotify on the directory (reload_cmd wrote) or an etcd watch event,
// instead of a busy loop competing with etcd on the load core. A 50 ms timer covers a missed event.
let wake: (() => void) | undefined;
async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, 50);
    });
  }
}
const lines = (file: string): number => {
  try {
    return readFileSync(file, 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
};

const stats = (ms: number[]): Figures => ({ p50Ms: percentile(ms, 50), p99Ms: percentile(ms, 99), maxMs: Math.max(...ms) });

let etcd: EtcdCluster | undefined;
let client: Etcd3 | undefined;
let inotify: FSWatcher | undefined;
const children: ChildProcess[] = [];
const confd = findConfd();
try {
  etcd = await startEtcd();
  pin(etcd.members[0]?.pid, coresFor.load);
  const kv = testClient(etcd.endpoints);
  client = kv;
  const names = ['weft', 'etcd', ...('binary' in confd ? ['confd'] : [])];
  for (const name of names) await kv.put(`/bench/${name}/n`).value('start');
  inotify = watch(dir, () => wake?.());

  const weft = new WeftProcess(['confd', '-watch', '-confdir', confdir('weft'), '-node', etcd.endpoint, '-log-level', 'warn']);
  children.push(weft.child);
  pin(weft.child.pid, coresFor.subject);
  if ('binary' in confd) {
    const [command, args] = pinned(coresFor.subject, confd.binary, ['-backend', 'etcdv3', '-node', etcd.endpoint, '-watch', '-confdir', confdir('confd'), '-log-level', 'warn']);
    children.push(spawn(command, args, { stdio: 'ignore' }));
  }
  const seen = new Map<string, number>();
  const watcher = await kv.watch().key('/bench/etcd/n').create();
  watcher.on('data', (response: IWatchResponse) => {
    for (const event of response.events) seen.set(event.kv.value.toString(), performance.now());
    wake?.();
  });
  // Both confds render once at start: wait for that before the first change.
  for (const name of names.filter((n) => n !== 'etcd')) await until(() => lines(done(name)) >= 1, `${name}'s first render`, 20_000);

  /** A block of sequential changes: put -> reload_cmd done (a confd), or put -> watch event (etcd). */
  const block = (name: string): Subject => ({
    name,
    measure: async (round) => {
      const ms: number[] = [];
      for (let i = 0; i < changes; i++) {
        const value = `r${round}-${i}`;
        const before = lines(done(name));
        const begun = performance.now();
        await kv.put(`/bench/${name}/n`).value(value);
        if (name === 'etcd') {
          await until(() => seen.has(value), `the watch event of ${value}`);
          ms.push((seen.get(value) ?? NaN) - begun);
        } else {
          await until(() => lines(done(name)) > before, `${name}'s reload for ${value}`);
          ms.push(performance.now() - begun);
        }
      }
      return stats(ms);
    },
  });

  process.stdout.write(`confd bench: ${changes} sequential changes per round x ${rounds} rounds (+1 warm-up), no wait, reload_cmd included; confds on core(s) ${coresFor.subject}, etcd + bench on ${coresFor.load} (${cores} cores)\n`);
  if ('missing' in confd) process.stdout.write(`no confd peer: ${confd.missing}\n`);
  const records = await interleave(names.map(block), {
    rounds,
    onRound: ({ round, subject, load1, figures: f }) =>
      process.stdout.write(`round ${round} ${subject.padEnd(5)} p50 ${(f.p50Ms ?? NaN).toFixed(2)} ms   p99 ${(f.p99Ms ?? NaN).toFixed(2)} ms   max ${(f.maxMs ?? NaN).toFixed(1)} ms   load ${load1.toFixed(1)}\n`),
  });
  writeResult({
    bench: 'confd',
    title: 'confd -watch: etcd put -> file renamed + reload_cmd done (weft confd, confd 0.16) and etcd put -> watch event',
    versions: { etcd: spawnSync('etcd', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? 'unknown', ...('binary' in confd ? { confd: confd.version } : {}) },
    method: {
      changesPerRound: changes,
      rounds,
      warmupRounds: 1,
      reloadCmd: 'echo reloaded >> FILE (shell builtin)',
      subjectCores: `${coresFor.subject} (weft confd${'binary' in confd ? ', confd' : ''})`,
      loadCores: `${coresFor.load} (etcd, the bench's client and watcher)`,
      confdPeer: 'binary' in confd ? confd.binary : confd.missing,
    },
    metrics: [
      { name: 'p50Ms', unit: 'ms', better: 'lower', label: 'latency p50' },
      { name: 'p99Ms', unit: 'ms', better: 'lower', label: 'latency p99' },
    ],
    subjects: names,
    rounds: records,
    pairs: names.filter((n) => n !== 'weft').map((peer) => ['weft', peer] as const),
    goals: ({ medians }) => {
      const above = (medians.p50Ms?.weft ?? NaN) - (medians.p50Ms?.etcd ?? NaN);
      return [{ text: `weft confd p50 <= etcd watch p50 + 5 ms (+${above.toFixed(2)} ms)`, met: above <= 5 }];
    },
  });
  await watcher.cancel();
} finally {
  inotify?.close();
  client?.close();
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
  await Promise.all(running.map((child) => new Promise((resolve) => child.once('exit', resolve))));
  await etcd?.destroy();
  rmSync(dir, { recursive: true, force: true });
}
