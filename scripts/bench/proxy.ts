// `npm run bench -- proxy [seconds=10] [rounds=5]`: weft (the real `weft proxy` process), nginx and
// HAProxy as reverse proxies in front of one backend, measured with wrk (keep-alive, 64
// connections, --latency). The backend is nginx serving a static 1 KiB file: C, one worker, so it
// is not the bottleneck and costs the same for every proxy. The proxy under test is pinned to core
// 0 (`taskset -c 0`, one worker/thread each); wrk and the backend share core 1. Rounds are
// interleaved (weft, nginx, haproxy, weft, ...) after a warm-up of each, so drift in the machine
// hits all three alike. Prints per-round rps and p99, median ratios, and writes
// bench-results/proxy.json. Loopback only; every process is ours and is stopped by its PID.
// WEFT_BENCH_PROXY_ONLY=nginx,haproxy measures a subset (e.g. before weft's proxy is built).
// Needs Debian's nginx, haproxy and wrk (scripts/setup.sh).
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { weftMain } from '../../test/harness/weft-process.ts';
import { freePort, haproxyConfig, nginxBackendConfig, nginxProxyConfig, parseWrk, summarize, weftRoutes, type Round } from './proxy/setup.ts';

const run = promisify(execFile);
const seconds = Number(process.argv[2] ?? 10);
const rounds = Number(process.argv[3] ?? 5);
const host = 'web.bench.test';
const all = ['weft', 'nginx', 'haproxy', 'node'] as const;
const only = process.env.WEFT_BENCH_PROXY_ONLY?.split(',').map((s) => s.trim());
const measured = all.filter((name) => only === undefined || only.includes(name));

const dir = mkdtempSync(join(tmpdir(), 'weft-bench-proxy-'));
// nginx workers run as nobody when started by root: they must read the static file.
chmodSync(dir, 0o755);
const children: ChildProcess[] = [];

function start(label: string, core: number, command: string, args: readonly string[]): ChildProcess {
  const child = spawn('taskset', ['-c', String(core), command, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (tail = (tail + chunk).slice(-4000)));
  child.once('exit', (code, signal) => {
    if (!stopping) process.stderr.write(`${label} (pid ${child.pid}) exited early: ${code ?? signal}\n${tail}\n`);
  });
  children.push(child);
  return child;
}

let stopping = false;
async function stopAll(): Promise<void> {
  stopping = true;
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }),
  );
  rmSync(dir, { recursive: true, force: true });
}

/** One GET with the bench's Host header: status and body length. */
function probe(port: number): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, timeout: 2000, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length)).on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout'))).on('error', reject).end();
  });
}

async function serving(label: string, port: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const answer = await probe(port).catch((error: Error) => ({ status: 0, bytes: 0, error: error.message }));
    if (answer.status === 200 && answer.bytes === 1024) return;
    last = 'error' in answer ? answer.error : `HTTP ${answer.status}, ${answer.bytes} bytes`;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${label} on port ${port} does not serve the 1 KiB page: ${last}`);
}

async function wrk(port: number, duration: number): Promise<Omit<Round, 'proxy' | 'round'>> {
  const args = ['-c', '1', 'wrk', '-t1', '-c64', `-d${duration}s`, '--latency', '--timeout', '5s', '-H', `Host: ${host}`, `http://127.0.0.1:${port}/`];
  const { stdout } = await run('taskset', args, { timeout: (duration + 30) * 1000 });
  return parseWrk(stdout);
}

async function main(): Promise<void> {
  const ports = { backend: await freePort(), weft: await freePort(), nginx: await freePort(), haproxy: await freePort(), node: await freePort() };
  writeFileSync(join(dir, 'index.html'), 'x'.repeat(1023) + '\n');
  for (const sub of ['backend', 'nginx']) mkdirSync(join(dir, sub), { mode: 0o755 });
  writeFileSync(join(dir, 'backend', 'nginx.conf'), nginxBackendConfig(ports.backend, dir));
  writeFileSync(join(dir, 'nginx', 'nginx.conf'), nginxProxyConfig(ports.nginx, ports.backend));
  writeFileSync(join(dir, 'haproxy.cfg'), haproxyConfig(ports.haproxy, ports.backend));
  writeFileSync(join(dir, 'routes.toml'), weftRoutes(host, ports.backend));

  start('backend nginx', 1, 'nginx', ['-p', join(dir, 'backend'), '-c', 'nginx.conf', '-e', 'stderr']);
  await serving('backend nginx', ports.backend);
  if (measured.includes('nginx')) start('nginx', 0, 'nginx', ['-p', join(dir, 'nginx'), '-c', 'nginx.conf', '-e', 'stderr']);
  if (measured.includes('haproxy')) start('haproxy', 0, 'haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')]);
  if (measured.includes('weft')) {
    start('weft', 0, process.execPath, [weftMain, 'proxy', '--routes', join(dir, 'routes.toml'), '--listen', `127.0.0.1:${ports.weft}`, '--no-proxy-access-log', '--log-level', 'warn']);
  }
  // The ceiling of the runtime: a bare Node forwarder (node-floor.ts), pinned like the others.
  if (measured.includes('node')) start('node', 0, process.execPath, [join(import.meta.dirname, 'proxy', 'node-floor.ts'), String(ports.node), String(ports.backend)]);
  for (const name of measured) await serving(name, ports[name]);

  const versions = {
    node: process.version,
    nginx: execFileSync('nginx', ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim() || 'nginx',
    haproxy: execFileSync('haproxy', ['-v'], { encoding: 'utf8' }).split('\n')[0] ?? '',
    wrk: 'wrk 4',
  };
  process.stdout.write(`proxy benchmark: wrk -t1 -c64 ${seconds}s x ${rounds} rounds, keep-alive, 1 KiB body from an nginx backend; proxy on core 0, wrk + backend on core 1 (${availableParallelism()} cores), ${process.version}\n`);
  const load = loadavg()[0] ?? 0;
  // Other work on the machine skews the figures (it lands on either core): say so with them.
  if (load > 1.5) process.stdout.write(`warning: load average ${load.toFixed(1)} on ${availableParallelism()} cores; figures are not comparable with a quiet machine's\n`);
  for (const name of measured) await wrk(ports[name], 3); // warm-up: JIT, pools, caches
  const results: Round[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const name of measured) {
      const r = { proxy: name, round, ...(await wrk(ports[name], seconds)) };
      results.push(r);
      const trouble = r.errors + r.non2xx > 0 ? `   errors ${r.errors}, non-2xx ${r.non2xx}` : '';
      process.stdout.write(`round ${round} ${name.padEnd(8)} ${r.rps.toFixed(0).padStart(8)} req/s   p99 ${r.p99Ms.toFixed(2).padStart(7)} ms${trouble}\n`);
    }
  }
  const summary = summarize(results, measured);
  for (const [name, s] of Object.entries(summary.medians)) process.stdout.write(`median ${name.padEnd(8)} ${s.rps.toFixed(0).padStart(8)} req/s   p99 ${s.p99Ms.toFixed(2).padStart(7)} ms\n`);
  for (const [pair, ratio] of Object.entries(summary.ratios)) {
    process.stdout.write(`${pair.padEnd(14)} rps ${ratio.rps.toFixed(2)}x (rounds ${ratio.rpsPerRound.map((x) => x.toFixed(2)).join(' ')})   p99 ${ratio.p99.toFixed(2)}x\n`);
  }
  if (summary.ratios['weft/nginx'] !== undefined) {
    const r = summary.ratios['weft/nginx'];
    process.stdout.write(`goal: weft >= 0.6x nginx rps (${r.rps >= 0.6 ? 'met' : 'NOT met'}), p99 <= 2x nginx (${r.p99 <= 2 ? 'met' : 'NOT met'})\n`);
  }
  mkdirSync('bench-results', { recursive: true });
  writeFileSync(join('bench-results', 'proxy.json'), `${JSON.stringify({ date: new Date().toISOString(), seconds, rounds, cores: availableParallelism(), loadAverage: load, versions, results, ...summary }, null, 2)}\n`);
  process.stdout.write('wrote bench-results/proxy.json\n');
}

process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
try {
  await main();
} finally {
  await stopAll();
}

