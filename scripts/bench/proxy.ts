// `npm run bench -- proxy [seconds=5] [rounds=5]`: weft (the real `weft proxy` process, started
// through the CLI), nginx and HAProxy as reverse proxies in front of one backend, plus the runtime's
// ceiling 'node' (proxy/node-floor.ts: a bare Node forwarder), measured with wrk (keep-alive, 64
// connections, --latency). The backend is nginx serving a static 1 KiB file: C, one worker, so it
// is not the bottleneck and costs the same for every proxy. The method (scripts/bench/lib/method.ts):
// every proxy (one worker/thread each) pinned to coresFor.subject, wrk and the backend to
// coresFor.load; rounds interleaved (weft, nginx, haproxy, node, weft, ...) after a 3 s warm-up of
// each; median and range of per-round ratios; bench-results/proxy.json via writeResult. About 2 min
// with the defaults. Loopback only; every process is ours and is stopped by its PID.
// WEFT_BENCH_PROXY_ONLY=nginx,haproxy measures a subset (e.g. before weft's proxy is built).
// Needs Debian's nginx, haproxy and wrk (scripts/setup.sh).
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { weftMain } from '../../test/harness/weft-process.ts';
import { cores, coresFor, interleave, pin, pinned, type Subject } from './lib/method.ts';
import { writeResult } from './lib/result.ts';
import { freePort, haproxyConfig, nginxBackendConfig, nginxProxyConfig, parseWrk, proxyGoals, versionLine, weftRoutes } from './proxy/setup.ts';

const run = promisify(execFile);
const seconds = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 5);
const warmupSeconds = 3;
const host = 'web.bench.test';
const all = ['weft', 'nginx', 'haproxy', 'node'] as const;
const only = process.env.WEFT_BENCH_PROXY_ONLY?.split(',').map((s) => s.trim());
const measured = all.filter((name) => only === undefined || only.includes(name));

// This process only starts the others and waits on wrk: it stays off the subject core.
pin(process.pid, coresFor.load);
const dir = mkdtempSync(join(tmpdir(), 'weft-bench-proxy-'));
// nginx workers run as nobody when started by root: they must read the static file.
chmodSync(dir, 0o755);
const children: ChildProcess[] = [];

function start(label: string, cpus: string, command: string, args: readonly string[]): ChildProcess {
  const [file, argv] = pinned(cpus, command, args);
  const child = spawn(file, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
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

/** wrk on the load cores: rps, p99 (ms), requests, socket errors, non-2xx answers. */
async function wrk(port: number, duration: number): Promise<Record<string, number>> {
  const [file, args] = pinned(coresFor.load, 'wrk', ['-t1', '-c64', `-d${duration}s`, '--latency', '--timeout', '5s', '-H', `Host: ${host}`, `http://127.0.0.1:${port}/`]);
  const { stdout } = await run(file, args, { timeout: (duration + 30) * 1000 });
  const { p99Ms, ...rest } = parseWrk(stdout);
  // No request finished (a starved machine): wrk prints a p99 of 0, which is no latency at all.
  return rest.requests > 0 ? { p99Ms, ...rest } : rest;
}

/** The version line a peer binary prints (nginx -v writes to stderr, wrk -v exits 1). */
function version(command: string, flag: string): string {
  const out = spawnSync(command, [flag], { encoding: 'utf8' });
  return versionLine(out.stdout ?? '', out.stderr ?? '') || 'unknown';
}

async function main(): Promise<void> {
  const ports = { backend: await freePort(), weft: await freePort(), nginx: await freePort(), haproxy: await freePort(), node: await freePort() };
  writeFileSync(join(dir, 'index.html'), 'x'.repeat(1023) + '\n');
  for (const sub of ['backend', 'nginx']) mkdirSync(join(dir, sub), { mode: 0o755 });
  writeFileSync(join(dir, 'backend', 'nginx.conf'), nginxBackendConfig(ports.backend, dir));
  writeFileSync(join(dir, 'nginx', 'nginx.conf'), nginxProxyConfig(ports.nginx, ports.backend));
  writeFileSync(join(dir, 'haproxy.cfg'), haproxyConfig(ports.haproxy, ports.backend));
  writeFileSync(join(dir, 'routes.toml'), weftRoutes(host, ports.backend));

  start('backend nginx', coresFor.load, 'nginx', ['-p', join(dir, 'backend'), '-c', 'nginx.conf', '-e', 'stderr']);
  await serving('backend nginx', ports.backend);
  const subject = coresFor.subject;
  if (measured.includes('nginx')) start('nginx', subject, 'nginx', ['-p', join(dir, 'nginx'), '-c', 'nginx.conf', '-e', 'stderr']);
  if (measured.includes('haproxy')) start('haproxy', subject, 'haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')]);
  if (measured.includes('weft')) {
    start('weft', subject, process.execPath, [weftMain, 'proxy', '--routes', join(dir, 'routes.toml'), '--listen', `127.0.0.1:${ports.weft}`, '--no-proxy-access-log', '--log-level', 'warn']);
  }
  // The ceiling of the runtime: a bare Node forwarder (node-floor.ts), pinned like the others.
  if (measured.includes('node')) start('node', subject, process.execPath, [join(import.meta.dirname, 'proxy', 'node-floor.ts'), String(ports.node), String(ports.backend)]);
  for (const name of measured) await serving(name, ports[name]);

  process.stdout.write(
    `proxy benchmark: wrk -t1 -c64 ${seconds}s x ${rounds} rounds (warm-up ${warmupSeconds}s each), keep-alive, 1 KiB body from an nginx backend; ` +
      `proxies on core(s) ${subject}, wrk + backend on ${coresFor.load} (${cores} cores), ${process.version}\n`,
  );
  const subjects: Subject[] = measured.map((name) => ({ name, measure: (round) => wrk(ports[name], round === 0 ? warmupSeconds : seconds) }));
  const records = await interleave(subjects, {
    rounds,
    onRound: ({ round, subject: name, load1, figures: f }) => {
      const trouble = (f.errors ?? 0) + (f.non2xx ?? 0) > 0 ? `   errors ${f.errors}, non-2xx ${f.non2xx}` : '';
      process.stdout.write(`round ${round} ${name.padEnd(8)} ${(f.rps ?? 0).toFixed(0).padStart(8)} req/s   p99 ${(f.p99Ms ?? NaN).toFixed(2).padStart(7)} ms   load ${load1.toFixed(1)}${trouble}\n`);
    },
  });
  writeResult({
    bench: 'proxy',
    title: 'HTTP reverse proxy: weft proxy vs nginx, HAProxy and a bare Node forwarder (wrk, 1 KiB, keep-alive)',
    versions: { nginx: version('nginx', '-v'), haproxy: version('haproxy', '-v'), wrk: version('wrk', '-v') },
    method: {
      wrk: '-t1 -c64 --latency, keep-alive, Host header routed',
      seconds,
      rounds,
      warmupSeconds,
      body: '1 KiB static file from one nginx worker (backend)',
      subjectCores: subject,
      loadCores: `${coresFor.load} (wrk + backend)`,
      workers: 'one worker/thread per proxy; weft proxy --no-proxy-access-log',
    },
    metrics: [
      { name: 'rps', unit: 'req/s', better: 'higher', label: 'requests per second' },
      { name: 'p99Ms', unit: 'ms', better: 'lower', label: 'p99 latency' },
    ],
    subjects: measured,
    rounds: records,
    pairs: measured.includes('weft') ? measured.filter((name) => name !== 'weft').map((peer) => ['weft', peer] as const) : [],
    goals: (result) => proxyGoals(result.ratios),
  });
}

process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
try {
  await main();
} finally {
  await stopAll();
}
