// `npm run bench -- startup [rounds] [--dist] [--rss] [--rt]`: wall time of whole processes, each pinned to
// one core (taskset -c 0), in interleaved rounds (every command once per round, so load drifts hit
// all alike), median of `rounds` (default 10), beside `node -e 0` from the same run. `weft status`
// asks a daemon started here with only the admin area on a temp socket. `--dist` also times the
// compiled CLI (npm run build first); `--rss` also reports the idle RSS of a default daemon
// (subnet + overlay) against a real etcd that holds no network config (it waits; nothing on the host
// network changes). `--rt` runs the timed processes SCHED_FIFO (root; a busy shared machine).
// Writes bench-results/startup.json.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminRequest } from '../../src/admin/client.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 10);
const withDist = args.includes('--dist');
const withRss = args.includes('--rss');
// On a machine shared with other work, SCHED_FIFO (root only) keeps the timed processes from
// waiting behind it: the figures then show weft's cost rather than the neighbours' load.
const pin = (core: number): string[] => (args.includes('--rt') ? ['chrt', '-f', '10', 'taskset', '-c', String(core)] : ['taskset', '-c', String(core)]);
const node = process.execPath;
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
const cases: Case[] = [
  { name: 'node -e 0', argv: ['-e', '0'] },
  ...cliCases(join(repo, 'src/cli/main.ts'), ''),
  { name: 'weft-cni VERSION', argv: [join(repo, 'cni/main.ts')], env: cniEnv, input: cniInput },
];
if (withDist) {
  const built = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: repo, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build failed');
  cases.push(...cliCases(join(repo, 'dist/src/cli/main.js'), ' (dist)'));
  cases.push({ name: 'weft-cni VERSION (dist)', argv: [join(repo, 'dist/cni/main.js')], env: cniEnv, input: cniInput });
}

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
  const started = process.hrtime.bigint();
  const [command = 'taskset', ...prefix] = pin(0);
  const run = spawnSync(command, [...prefix, node, ...c.argv], { env: { ...process.env, ...c.env }, input: c.input ?? '', encoding: 'utf8', cwd: dir });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`${c.name} exited ${run.status}: ${run.stderr}`);
  return ms;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

writeFileSync(join(dir, 'empty.toml'), '');
// The daemon runs on the other core, so answering `weft status` does not share core 0 with it.
const daemonArgs = [join(repo, 'src/cli/main.ts'), 'daemon', '--admin-socket', socket, '--daemon-state-dir', dir, '--no-subnet-enabled', '--no-overlay-enabled'];
const [daemonCommand = 'taskset', ...daemonPrefix] = pin(1);
const daemon = spawn(daemonCommand, [...daemonPrefix, node, ...daemonArgs], { stdio: ['ignore', 'ignore', 'inherit'] });
const results: Record<string, number[]> = Object.fromEntries(cases.map((c) => [c.name, []]));
let rss: { before?: number; idleKiB: number; areas: string } | undefined;
try {
  await until('the daemon', async () => ((await adminRequest(socket, 'GET', '/readyz', undefined, 1000)).status === 200 ? true : undefined));
  for (const c of cases) timeOnce(c); // warm the page cache (and the compile cache when enabled)
  for (let round = 0; round < rounds; round++) for (const c of cases) results[c.name]!.push(timeOnce(c));
  if (withRss) rss = await idleRss();
} finally {
  daemon.kill('SIGTERM');
  await new Promise((resolve) => daemon.once('exit', resolve));
}

const base = median(results['node -e 0']!);
const rows = cases.map((c) => ({ command: c.name, medianMs: Math.round(median(results[c.name]!) * 10) / 10, ratio: Math.round((median(results[c.name]!) / base) * 100) / 100 }));
process.stdout.write(`startup, median of ${rounds} pinned runs (${pin(0).join(' ')}), node ${process.version}\n\n| command | median ms | x node -e 0 |\n|---|---:|---:|\n`);
for (const r of rows) process.stdout.write(`| ${r.command} | ${r.medianMs.toFixed(1)} | ${r.ratio.toFixed(2)} |\n`);
if (rss !== undefined) process.stdout.write(`\nidle RSS of the daemon (${rss.areas}): ${(rss.idleKiB / 1024).toFixed(1)} MiB\n`);
mkdirSync(join(repo, 'bench-results'), { recursive: true });
writeFileSync(join(repo, 'bench-results/startup.json'), `${JSON.stringify({ node: process.version, rounds, pinned: pin(0).join(' '), rows, samples: results, ...(rss === undefined ? {} : { rss }) }, null, 2)}\n`);
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

