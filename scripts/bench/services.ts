// `npm run bench -- services [changes]`: the time from the etcd write of a new server key to the
// first request the proxy answers with that server, over N sequential changes (default 200); beside
// it, in the same run, etcd's own put -> watch-event latency for the same writes.
// Setup: etcd on loopback; `weft daemon` (only the proxy, services rendering and the templates area
// that renders them; no subnet/overlay) as its own process on core 1 (taskset); this script on
// core 0 with etcd: it runs the upstream servers (one port each, answering their own port) and
// the client. Each change is one etcd transaction that deletes the current server's key and puts
// a new one (so the proxy has exactly one server and the first request naming the new port is the
// first the new server answered); the client asks every 0.5 ms from the write on. Writes
// bench-results/services.json. Loopback only; every process is ours, stopped by its PID.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, Agent, type Server } from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IWatchResponse } from 'etcd3';
import { adminRequest } from '../../src/admin/client.ts';
import { freePort, startEtcd } from '../../test/harness/etcd.ts';
import { testClient } from '../../test/harness/etcd-client.ts';
import { WeftProcess } from '../../test/harness/weft-process.ts';

const changes = Number(process.argv[2] ?? 200);
const prefix = '/weft/services';
const dir = mkdtempSync(join(tmpdir(), 'weft-bench-services-'));
const socket = join(dir, 'weft.sock');
const routeFile = join(dir, 'routes.toml');

// Counted before this process pins itself (availableParallelism() follows the affinity mask).
const cores = availableParallelism();
function pin(pid: number | undefined, core: number): void {
  if (pid !== undefined && cores >= 2) execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
}
pin(process.pid, 0);

// Upstreams: one server per change, each answering its own port.
const upstreams: Server[] = [];
const ports: number[] = [];
for (let i = 0; i <= changes; i++) {
  const port = await freePort();
  const server = createServer((req, res) => res.end(String(port)));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  upstreams.push(server);
  ports.push(port);
}

const etcd = await startEtcd();
for (const member of etcd.members) pin(member.pid, 0);
const client = testClient(etcd.endpoints);
const proxyPort = await freePort();
await client.put(`${prefix}/bench/config`).value(JSON.stringify({ rule: 'Host(`bench.example.test`)' }));
await client.put(`${prefix}/bench/servers/s0`).value(JSON.stringify({ url: `http://127.0.0.1:${ports[0]}` }));
const daemon = new WeftProcess([
  'daemon', '--etcd-endpoints', etcd.endpoint, '--no-subnet-enabled', '--no-overlay-enabled',
  '--proxy-enabled', '--proxy-listen', `127.0.0.1:${proxyPort}`, '--proxy-route-file', routeFile, '--no-proxy-access-log',
  '--admin-socket', socket, '--daemon-state-dir', join(dir, 'state'), '--log-level', process.env.WEFT_BENCH_LOG ?? 'warn',
]);
pin(daemon.child.pid, 1);

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

try {
  for (const deadline = Date.now() + 60_000; (await adminRequest(socket, 'GET', '/readyz').catch(() => undefined))?.status !== 200; ) {
    if (Date.now() > deadline) throw new Error(`daemon not ready:\n${daemon.stdout}${daemon.stderr}`);
    await sleep(100);
  }
  await untilAnswer(ports[0]!, 20_000);
  const proxyMs: number[] = [];
  const watchMs: number[] = [];
  for (let i = 1; i <= changes; i++) {
    const key = `${prefix}/bench/servers/s${i}`;
    const begun = performance.now();
    await client.if(`${prefix}/bench/servers/s${i - 1}`, 'Version', '>', 0).then(client.delete().key(`${prefix}/bench/servers/s${i - 1}`), client.put(key).value(JSON.stringify({ url: `http://127.0.0.1:${ports[i]}` }))).commit();
    const answered = await untilAnswer(ports[i]!, 10_000);
    proxyMs.push(answered - begun);
    while (!watchSeen.has(key)) await sleep(0.5);
    watchMs.push((watchSeen.get(key) ?? 0) - begun);
  }
  const pct = (values: number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? NaN;
  const f = (n: number): string => n.toFixed(2);
  const result = { p50: pct(proxyMs, 50), p99: pct(proxyMs, 99), etcdP50: pct(watchMs, 50), etcdP99: pct(watchMs, 99) };
  process.stdout.write(
    [
      `services bench: ${changes} sequential server changes (one txn: delete the old server key, put the new), weft daemon on core 1`,
      `  etcd put -> watch event              p50 ${f(result.etcdP50)} ms   p99 ${f(result.etcdP99)} ms`,
      `  etcd put -> first answer from it      p50 ${f(result.p50)} ms   p99 ${f(result.p99)} ms`,
      `  weft above etcd                       p50 +${f(result.p50 - result.etcdP50)} ms   p99 +${f(result.p99 - result.etcdP99)} ms   (goal: p50 <= +15 ms: ${result.p50 - result.etcdP50 <= 15 ? 'met' : 'NOT met'})`,
      '',
    ].join('\n'),
  );
  mkdirSync('bench-results', { recursive: true });
  writeFileSync(join('bench-results', 'services.json'), `${JSON.stringify({ date: new Date().toISOString(), changes, cores, loadAverage: loadavg(), node: process.version, ...result, aboveEtcdP50: result.p50 - result.etcdP50 }, null, 2)}\n`);
  process.stdout.write('wrote bench-results/services.json\n');
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
