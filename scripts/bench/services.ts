// `npm run bench -- services [changes=40] [rounds=5]`: the time from the etcd write of a new server
// key to the first request the proxy answers with that server (subject `weft`), against etcd's own
// put -> watch-event latency for the same kind of write (subject `etcd`). A round is a block of
// `changes` sequential changes; blocks are interleaved (weft, etcd, weft, ...) after a warm-up block
// of each (docs/benchmarks.md). Each change is one etcd transaction that deletes the current
// server's key and puts a new one, so the proxy has exactly one server and the first request naming
// the new port is the first the new server answered; the client asks every 0.5 ms from the write
// on. In etcd's blocks the proxy still follows every change (untimed, before the next one), so
// both subjects see the same writes and the same daemon work.
// Setup: etcd on loopback; `weft daemon` (only the proxy, services rendering and the templates area
// that renders them; no subnet/overlay) as its own process, pinned to coresFor.subject; etcd and
// this script (upstream servers, client, etcd watcher) on coresFor.load. Writes
// bench-results/services.json. Loopback only; every process is ours, stopped by its PID.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, Agent, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IWatchResponse } from 'etcd3';
import { adminRequest } from '../../src/admin/client.ts';
import { findEtcdBinary, freePort, startEtcd } from '../../test/harness/etcd.ts';
import { testClient } from '../../test/harness/etcd-client.ts';
import { WeftProcess } from '../../test/harness/weft-process.ts';
import { coresFor, interleave, percentile, pin, type Subject } from './lib/method.ts';
import { writeResult } from './lib/result.ts';

const changes = Number(process.argv[2] ?? 40);
const rounds = Number(process.argv[3] ?? 5);
const warmup = 1;
const prefix = '/weft/services';
const dir = mkdtempSync(join(tmpdir(), 'weft-bench-services-'));
const socket = join(dir, 'weft.sock');
const routeFile = join(dir, 'routes.toml');
pin(process.pid, coresFor.load);

// Upstreams: one server per change (both subjects, warm-up included), each answering its own port.
const upstreams: Server[] = [];
const ports: number[] = [];
for (let i = 0; i <= (rounds + warmup) * 2 * changes; i++) {
  const port = await freePort();
  const server = createServer((req, res) => res.end(String(port)));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  upstreams.push(server);
  ports.push(port);
}

const etcd = await startEtcd();
for (const member of etcd.members) pin(member.pid, coresFor.load);
const client = testClient(etcd.endpoints);
const proxyPort = await freePort();
await client.put(`${prefix}/bench/config`).value(JSON.stringify({ rule: 'Host(`bench.example.test`)' }));
await client.put(`${prefix}/bench/servers/s0`).value(JSON.stringify({ url: `http://127.0.0.1:${ports[0]}` }));
const daemon = new WeftProcess([
  'daemon', '--etcd-endpoints', etcd.endpoint, '--no-subnet-enabled', '--no-overlay-enabled',
  '--proxy-enabled', '--proxy-listen', `127.0.0.1:${proxyPort}`, '--proxy-route-file', routeFile, '--no-proxy-access-log',
  '--admin-socket', socket, '--daemon-state-dir', join(dir, 'state'), '--log-level', process.env.WEFT_BENCH_LOG ?? 'warn',
]);
pin(daemon.child.pid, coresFor.subject);

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function ask(): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: proxyPort, path: '/', agent, headers: { host: 'bench.example.test' }, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(res.statusCode === 200 ? body : `status ${res.statusCode}`));
    });
    req.on('error', (error) => resolve(error.message));
    req.end();
  });
}
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function untilAnswer(port: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if ((await ask()) === String(port)) return performance.now();
    if (performance.now() > deadline) throw new Error(`no answer from port ${port} within ${timeoutMs} ms\n${daemon.stdout.slice(-3000)}${daemon.stderr.slice(-3000)}`);
    await sleep(0.5);
  }
}

const watchSeen = new Map<string, number>();
const watcher = await client.watch().prefix(`${prefix}/bench/servers/`).create();
watcher.on('data', (response: IWatchResponse) => {
  for (const event of response.events) if (event.type === 'Put') watchSeen.set(event.kv.key.toString(), performance.now());
});

let current = 0;
/** Replaces server s<current> by s<current+1> in one transaction; resolves with the key and the write's start. */
async function change(): Promise<{ key: string; port: number; begun: number }> {
  const next = current + 1;
  const key = `${prefix}/bench/servers/s${next}`;
  const old = `${prefix}/bench/servers/s${current}`;
  const begun = performance.now();
  await client.if(old, 'Version', '>', 0).then(client.delete().key(old), client.put(key).value(JSON.stringify({ url: `http://127.0.0.1:${ports[next]}` }))).commit();
  current = next;
  return { key, port: ports[next]!, begun };
}

const block = (name: string, one: () => Promise<number>): Subject => ({
  name,
  async measure() {
    const ms: number[] = [];
    for (let i = 0; i < changes; i++) ms.push(await one());
    return { p50: percentile(ms, 50), p99: percentile(ms, 99), mean: ms.reduce((a, b) => a + b, 0) / ms.length };
  },
});
const weft = block('weft', async () => {
  const { port, begun } = await change();
  return (await untilAnswer(port, 10_000)) - begun;
});
const etcdWatch = block('etcd', async () => {
  const { key, port, begun } = await change();
  while (!watchSeen.has(key)) await sleep(0.5);
  const seen = (watchSeen.get(key) ?? NaN) - begun;
  await untilAnswer(port, 10_000); // untimed: the proxy follows before the next change
  return seen;
});

try {
  for (const deadline = Date.now() + 60_000; (await adminRequest(socket, 'GET', '/readyz').catch(() => undefined))?.status !== 200; ) {
    if (Date.now() > deadline) throw new Error(`daemon not ready:\n${daemon.stdout}${daemon.stderr}`);
    await sleep(100);
  }
  await untilAnswer(ports[0]!, 20_000);
  process.stdout.write(`services bench: ${rounds} rounds of ${changes} changes per subject (weft, etcd), interleaved; weft daemon on core ${coresFor.subject}, etcd + bench on ${coresFor.load}\n`);
  const records = await interleave([weft, etcdWatch], {
    rounds, warmup,
    onRound: (r) => process.stdout.write(`  round ${r.round} ${r.subject.padEnd(5)} p50 ${r.figures.p50?.toFixed(2)} ms  p99 ${r.figures.p99?.toFixed(2)} ms  (load ${r.load1.toFixed(1)})\n`),
  });
  writeResult({
    bench: 'services',
    title: 'etcd write -> first request the proxy answers with the new server, beside etcd put -> watch event',
    versions: { etcd: execFileSync(findEtcdBinary(), ['--version'], { encoding: 'utf8' }).split('\n')[0]?.replace(/^etcd Version:\s*/, '') ?? 'unknown' },
    method: { changesPerRound: changes, rounds, warmupRounds: warmup, pollMs: 0.5, subjectCore: coresFor.subject, loadCores: coresFor.load, daemon: 'weft daemon (proxy + services + templates), pinned to the subject core', etcd: 'one member on loopback, load cores' },
    metrics: [{ name: 'p50', unit: 'ms', better: 'lower', label: 'p50 latency' }, { name: 'p99', unit: 'ms', better: 'lower', label: 'p99 latency' }, { name: 'mean', unit: 'ms', better: 'lower', label: 'mean latency' }],
    subjects: ['weft', 'etcd'],
    rounds: records,
    pairs: [['weft', 'etcd']],
    goals: (r) => {
      const above = (r.medians.p50?.weft ?? NaN) - (r.medians.p50?.etcd ?? NaN);
      return [{ text: `p50 at most etcd's + 15 ms (weft above etcd: +${above.toFixed(2)} ms)`, met: above <= 15 }];
    },
  });
} finally {
  await watcher.cancel();
  agent.destroy();
  daemon.kill('SIGTERM');
  await daemon.exited;
  client.close();
  await etcd.destroy();
  for (const server of upstreams) server.close();
  if (process.env.WEFT_BENCH_LOG !== undefined) writeFileSync('/tmp/weft-bench-services-daemon.log', daemon.stdout + daemon.stderr);
  rmSync(dir, { recursive: true, force: true });
}
