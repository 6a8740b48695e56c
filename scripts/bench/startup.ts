// `npm run bench -- startup [rounds=10] [--dist] [--rss] [--rt]`: wall time of whole processes (spawn
// to exit), each command a subject of the shared method (docs/benchmarks.md): pinned to
// coresFor.subject (`taskset -c`), interleaved rounds (every command once per round, so load drifts
// hit all alike) after a warm-up run of each, beside `node -e 0` in the same rounds; reported per
// command as the median and range of per-round ratios to `node -e 0`. `weft status` asks a daemon
// started here through the CLI with only the admin area on a temp socket, pinned to coresFor.load
// (so answering does not share the timed command's core); this script runs there too. `--dist`
// also times the compiled CLI (built first); `--rss` also reports the idle RSS of a default daemon
// (subnet + overlay) against a real etcd that holds no network config (it waits; nothing on the host
// network changes). `--rt` runs the timed processes SCHED_FIFO (root; a busy shared machine).
// Writes bench-results/startup.json.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminRequest } from '../../src/admin/client.ts';
import { coresFor, interleave, pin, pinned, type Subject } from './lib/method.ts';
import { writeResult } from './lib/result.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 10);
const withDist = args.includes('--dist');
const withRss = args.includes('--rss');
// On a machine shared with other work, SCHED_FIFO (root only) keeps the timed processes from
// waiting behind it: the figures then show weft's cost rather than the neighbours' load.
const realtime = args.includes('--rt') ? ['chrt', '-f', '10'] : [];
const node = process.execPath;
pin(process.pid, coresFor.load);
const dir = mkdtempSync(join(tmpdir(), 'weft-bench-startup-'));
const socket = join(dir, 'weft.sock');

interface Case {
  readonly name: string;
  readonly argv: readonly string[];
  readonly env?: Record<string, string>;
  readonly input?: string;
}

function cliCases(main: string, suffix: string): Case[] {
  return [
    { name: `weft --help${suffix}`, argv: [main, '--help'] },
    { name: `weft version${suffix}`, argv: [main, 'version'] },
    { name: `weft config show${suffix}`, argv: [main, 'config', 'show', '--config', join(dir, 'empty.toml')] },
    { name: `weft status${suffix}`, argv: [main, 'status', '--socket', socket] },
  ];
}
const cniEnv = { CNI_COMMAND: 'VERSION', CNI_PATH: '/opt/cni/bin', CNI_CONTAINERID: 'bench', CNI_NETNS: '/var/run/netns/bench', CNI_IFNAME: 'eth0' };
const cniInput = '{"cniVersion":"1.0.0","name":"weft","type":"weft-cni"}';
const nodeCase: Case = { name: 'node -e 0', argv: ['-e', '0'] };
const cases: Case[] = [
  ...cliCases(join(repo, 'src/cli/main.ts'), ''),
  { name: 'weft-cni VERSION', argv: [join(repo, 'cni/main.ts')], env: cniEnv, input: cniInput },
];
if (withDist) {
  const built = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: repo, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build failed');
  cases.push(...cliCases(join(repo, 'dist/src/cli/main.js'), ' (dist)'));
  cases.push({ name: 'weft-cni VERSION (dist)', argv: [join(repo, 'dist/cni/main.js')], env: cniEnv, input: cniInput });
}
cases.push(nodeCase);

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Milliseconds from spawn to exit of one pinned run; throws on a failed run (a fast error is no result). */
function timeOnce(c: Case): number {
  const [command, argv] = pinned(coresFor.subject, node, c.argv);
  const [first = command, ...rest] = [...realtime, command, ...argv];
  const started = process.hrtime.bigint();
  const run = spawnSync(first, rest, { env: { ...process.env, ...c.env }, input: c.input ?? '', encoding: 'utf8', cwd: dir });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`${c.name} exited ${run.status}: ${run.stderr}`);
  return ms;
}

writeFileSync(join(dir, 'empty.toml'), '');
// The daemon runs on the load core(s), so answering `weft status` does not share the timed core.
const daemonArgs = [join(repo, 'src/cli/main.ts'), 'daemon', '--admin-socket', socket, '--daemon-state-dir', dir, '--no-subnet-enabled', '--no-overlay-enabled'];
const [daemonCommand, daemonArgv] = pinned(coresFor.load, node, daemonArgs);
const daemon = spawn(daemonCommand, daemonArgv, { stdio: ['ignore', 'ignore', 'inherit'] });
const subjects: Subject[] = cases.map((c) => ({ name: c.name, measure: () => Promise.resolve({ ms: timeOnce(c) }) }));
let rss: { idleKiB: number; areas: string } | undefined;
let records;
try {
  await until('the daemon', async () => ((await adminRequest(socket, 'GET', '/readyz', undefined, 1000)).status === 200 ? true : undefined));
  // The warm-up run of each fills the page cache (and the compile cache when enabled).
  records = await interleave(subjects, { rounds, warmup: 1 });
  if (withRss) rss = await idleRss();
} finally {
  daemon.kill('SIGTERM');
  await new Promise((resolve) => daemon.once('exit', resolve));
}

process.stdout.write(`startup, ${rounds} interleaved rounds, each command pinned to core ${coresFor.subject}${realtime.length > 0 ? ' SCHED_FIFO' : ''}, node ${process.version}\n`);
const result = writeResult({
  bench: 'startup',
  title: 'wall time of whole processes (spawn to exit), beside node -e 0',
  method: {
    rounds, warmupRounds: 1, subjectCore: coresFor.subject, loadCores: coresFor.load, realtime: realtime.length > 0, dist: withDist,
    status: 'weft status against a daemon (admin area only) on the load cores',
    ...(rss === undefined ? {} : { idleRssMiB: Math.round((rss.idleKiB / 1024) * 10) / 10, idleRssAreas: rss.areas }),
  },
  metrics: [{ name: 'ms', unit: 'ms', better: 'lower', label: 'wall time' }],
  subjects: cases.map((c) => c.name),
  rounds: records,
  pairs: cases.filter((c) => c !== nodeCase).map((c) => [c.name, nodeCase.name] as const),
});
process.stdout.write('\n| command | median ms | x node -e 0, median (range) of rounds |\n|---|---:|---:|\n');
for (const c of cases) {
  const r = result.ratios.find((x) => x.pair === `${c.name}/${nodeCase.name}`);
  process.stdout.write(`| ${c.name} | ${(result.medians.ms?.[c.name] ?? NaN).toFixed(1)} | ${r === undefined ? '1.00' : `${r.median.toFixed(2)} (${r.min.toFixed(2)}–${r.max.toFixed(2)})`} |\n`);
}
if (rss !== undefined) process.stdout.write(`\nidle RSS of the daemon (${rss.areas}): ${(rss.idleKiB / 1024).toFixed(1)} MiB\n`);
rmSync(dir, { recursive: true, force: true });

/** VmRSS of a default daemon (subnet + overlay) 5 s after its admin socket answers, etcd running. */
async function idleRss(): Promise<{ idleKiB: number; areas: string }> {
  const { startEtcd } = await import('../../test/harness/etcd.ts');
  const etcd = await startEtcd();
  const state = join(dir, 'rss');
  mkdirSync(state);
  const rssSocket = join(state, 'weft.sock');
  const child = spawn(node, [join(repo, 'src/cli/main.ts'), 'daemon', '--admin-socket', rssSocket, '--daemon-state-dir', state, '--etcd-endpoints', etcd.endpoint, '--etcd-prefix', '/bench-rss/network', '--subnet-file', join(state, 'subnet.env')], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await until('the rss daemon', async () => ((await adminRequest(rssSocket, 'GET', '/healthz', undefined, 1000)).status === 200 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    return { idleKiB: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN), areas: 'subnet+overlay, waiting for a network config' };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await etcd.destroy();
  }
}

