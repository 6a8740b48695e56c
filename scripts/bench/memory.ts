// `npm run bench -- memory [rounds=1] [settleSeconds=20] [--src] [--only NAME] [--soak SECONDS]`: RSS and V8 heap of
// `weft daemon` (the real CLI, its own process in a host namespace of a test bed, pinned to
// coresFor.subject; etcd and the load on coresFor.load) per scenario: bare (admin only, no etcd),
// idle (subnet + overlay, its own lease, no peers), 1000 peers (flannel leases: routes, neighbours
// and FDB entries really programmed in the namespace), 10,000 DNS names (SkyDNS keys), 1,000 proxy
// routes (services in etcd rendered into the route file by the services resource), 100 confd
// resources, the issue's goal (peers, names and routes together) and all of them together. Each scenario starts a fresh daemon, waits until its data
// is held (routes in the kernel, zone record count, route file, rendered files), lets it run
// `settleSeconds` with no load (no forced GC: production runs without --expose-gc; V8's idle
// collections are what an operator sees), then reads VmRSS from /proc/<pid>/status and the heap
// from the admin API's prom-client metrics. `--soak` runs the "all" daemon under dnsperf and wrk
// load instead and reports growth after warm-up (scripts/bench/memory/soak.ts).
// WEFT_BENCH_NODE_OPTIONS is passed to the daemon as NODE_OPTIONS (to try V8 flags).
// Writes bench-results/memory.json (docs/memory.md). Needs root, etcd, dnsperf and wrk.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCluster } from '../../test/harness/cluster.ts';
import { leftovers } from '../../test/harness/netns.ts';
import { weftMain } from '../../test/harness/weft-process.ts';
import { coresFor, cores, interleave, pin, pinned, type Subject } from './lib/method.ts';
import { writeResult } from './lib/result.ts';
import { BenchDaemon, metric, sleep } from './memory/daemon.ts';
import { idlePrefix, serviceHost, writeConfdir, writeFixture, type FixtureSizes } from './memory/fixture.ts';
import { soak } from './memory/soak.ts';

const sizes: FixtureSizes = { peers: 1000, names: 10_000, services: 1000, resources: 100, keysPerResource: 10 };
export const ports = { dns: 5300, proxy: 8080, backend: 18080 } as const;

if (process.env.WEFT_BENCH_MEMORY_WRITER === '1') {
  const { testClient } = await import('../../test/harness/etcd-client.ts');
  const client = testClient([process.env.WEFT_BENCH_ETCD ?? '']);
  await writeFixture(client, sizes, `http://127.0.0.1:${ports.backend}`);
  client.close();
  process.exit(0);
}

const args = process.argv.slice(2);
const soakAt = args.indexOf('--soak');
const soakSeconds = soakAt >= 0 ? Number(args[soakAt + 1] ?? 180) : undefined;
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
const fromSource = args.includes('--src');
const positional = args.filter((a, i) => /^\d+$/.test(a) && (soakAt < 0 || i !== soakAt + 1));
const rounds = Number(positional[0] ?? 1);
const settleSeconds = Number(positional[1] ?? 20);

interface Scenario {
  readonly name: string;
  readonly flags: readonly string[];
  /** Holds when the daemon holds the scenario's data. */
  readonly loaded?: (daemon: BenchDaemon) => Promise<boolean>;
}

const repoDir = fileURLToPath(new URL('../../', import.meta.url));
const main = fromSource ? weftMain : buildDist();
const cluster = await startCluster({ hosts: 1, containersPerHost: 0, network: '10.0.0.0/8', daemons: 0, wireContainers: false });
const host = cluster.bed.host(1);
const h = cluster.hosts[0]!;
const confdir = join(cluster.dir, 'confd');
const rendered = join(cluster.dir, 'rendered');
const routeFile = join(cluster.dir, 'routes.toml');
writeConfdir(confdir, rendered, sizes.resources);

const peersHeld = async (): Promise<boolean> => {
  const routes = await cluster.bed.exec(host.ns, 'ip', ['-4', 'route', 'show', 'dev', 'weft.1']);
  return routes.stdout.split('\n').filter((l) => l.includes(' via ')).length >= sizes.peers;
};
const namesHeld = async (d: BenchDaemon): Promise<boolean> => metric(await d.metrics(), 'weft_dns_zone_records') >= sizes.names;
const routesHeld = async (): Promise<boolean> => existsSync(routeFile) && readFileSync(routeFile, 'utf8').includes(serviceHost(sizes.services - 1));
const confdHeld = async (): Promise<boolean> => existsSync(rendered) && readdirSync(rendered).length >= sizes.resources;

const base = ['daemon', '--etcd-endpoints', cluster.etcd.endpoint, '--iface', host.link, '--public-ip', host.ip, '--admin-socket', h.socket, '--subnet-file', h.subnetFile, '--daemon-state-dir', h.stateDir, '--log-level', 'warn'];
const subnet = ['--subnet-enabled', '--overlay-enabled'];
const dns = ['--dns-enabled', '--dns-listen', `127.0.0.1:${ports.dns}`, '--no-dns-forward'];
const proxy = ['--proxy-enabled', '--proxy-listen', `127.0.0.1:${ports.proxy}`, '--proxy-route-file', routeFile, '--no-proxy-access-log'];
const templates = ['--templates-enabled', '--templates-confdir', confdir];
const goal = async (d: BenchDaemon): Promise<boolean> => (await peersHeld()) && (await namesHeld(d)) && (await routesHeld());
const all = async (d: BenchDaemon): Promise<boolean> => (await goal(d)) && (await confdHeld());
const scenarios: Scenario[] = [
  { name: 'weft bare', flags: ['--no-subnet-enabled', '--no-overlay-enabled'] },
  { name: 'weft idle', flags: [...subnet, '--etcd-prefix', idlePrefix] },
  { name: 'weft 1000 peers', flags: subnet, loaded: peersHeld },
  { name: 'weft 10k names', flags: [...subnet, '--etcd-prefix', idlePrefix, ...dns], loaded: namesHeld },
  { name: 'weft 1000 routes', flags: [...subnet, '--etcd-prefix', idlePrefix, ...proxy], loaded: routesHeld },
  { name: 'weft 100 confd', flags: [...subnet, '--etcd-prefix', idlePrefix, ...templates], loaded: confdHeld },
  { name: 'weft goal', flags: [...subnet, ...dns, ...proxy], loaded: goal },
  { name: 'weft all', flags: [...subnet, ...dns, ...proxy, ...templates], loaded: all },
];

/** The compiled CLI, as `npm install` puts it on the PATH (type stripping alone costs ~18 MiB). */
function buildDist(): string {
  const repo = repoDir;
  rmSync(join(repo, 'dist'), { recursive: true, force: true });
  execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: repo, stdio: 'inherit' });
  return join(repo, 'dist/src/cli/main.js');
}

async function startDaemon(scenario: Scenario): Promise<BenchDaemon> {
  const daemon = new BenchDaemon(cluster, h.socket, main, [...base, ...scenario.flags]);
  await daemon.ready();
  if (scenario.loaded !== undefined) await daemon.until(`${scenario.name} loaded`, () => scenario.loaded!(daemon));
  return daemon;
}

let backend: ReturnType<typeof cluster.bed.spawn> | undefined;
try {
  for (const member of cluster.etcd.members) pin(member.pid, coresFor.load);
  const here = fileURLToPath(import.meta.url);
  const writer = cluster.bed.spawn(host.ns, process.execPath, [here], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, WEFT_BENCH_MEMORY_WRITER: '1', WEFT_BENCH_ETCD: cluster.etcd.endpoint } });
  const code = await new Promise((resolve) => writer.once('exit', resolve));
  if (code !== 0) throw new Error(`fixture writer exited ${String(code)}`);
  const [bc, ba] = pinned(coresFor.load, process.execPath, ['-e', `require('node:http').createServer((q, s) => s.end('ok')).listen(${ports.backend}, '127.0.0.1')`]);
  backend = cluster.bed.spawn(host.ns, bc, ba, { stdio: 'ignore' });

  if (soakSeconds !== undefined) {
    const daemon = await startDaemon(scenarios.at(-1)!);
    try {
      await sleep(settleSeconds * 1000);
      await soak({ daemon, ns: host.ns, seconds: soakSeconds, sizes, ports, routeCount: sizes.services });
    } finally {
      await daemon.stop();
    }
  } else {
    const subjects: Subject[] = scenarios.filter((s) => only === undefined || s.name.includes(only)).map((scenario) => ({
      name: scenario.name,
      async measure() {
        const daemon = await startDaemon(scenario);
        try {
          await sleep(settleSeconds * 1000);
          const sample = await daemon.sample();
          if (process.env.WEFT_BENCH_MEMORY_SNAPSHOT === '1') await daemon.snapshot(join(repoDir, 'bench-results', `${scenario.name.replaceAll(' ', '-')}.heapsnapshot`));
          return { ...sample };
        } finally {
          await daemon.stop();
        }
      },
    }));
    const records = await interleave(subjects, {
      rounds,
      warmup: 0,
      onRound: (r) => process.stdout.write(`round ${r.round} ${r.subject.padEnd(18)} rss ${r.figures.rssMB?.toFixed(1)} MB (anon ${r.figures.rssAnonMB?.toFixed(1)}, file ${r.figures.rssFileMB?.toFixed(1)})  heap used ${r.figures.heapUsedMB?.toFixed(1)} MB (total ${r.figures.heapTotalMB?.toFixed(1)}, external ${r.figures.externalMB?.toFixed(1)})\n`),
    });
    writeResult({
      bench: only === undefined ? 'memory' : 'memory-partial',
      title: 'Memory of weft daemon per scenario (VmRSS and V8 heap after settling)',
      method: {
        daemon: `weft daemon (${fromSource ? 'src/cli/main.ts, type stripping' : 'dist/src/cli/main.js, compiled'}) in a host namespace, ${cores >= 2 ? `taskset -c ${coresFor.subject}` : 'unpinned (1 core)'}; etcd + writer + backend on ${coresFor.load}`,
        settleSeconds,
        rounds,
        measurement: 'VmRSS from /proc/<pid>/status after the data is held and settleSeconds without load, no forced GC; heap = prom-client nodejs_heap_size_used_bytes from /metrics, read right after',
        sizes: `${sizes.peers} peers, ${sizes.names} SkyDNS names, ${sizes.services} services (routes), ${sizes.resources} confd resources x ${sizes.keysPerResource} keys`,
        nodeOptions: process.env.WEFT_BENCH_NODE_OPTIONS ?? '',
      },
      metrics: [
        { name: 'rssMB', unit: 'MiB', better: 'lower', label: 'RSS' },
        { name: 'rssAnonMB', unit: 'MiB', better: 'lower', label: 'RSS anonymous' },
        { name: 'rssFileMB', unit: 'MiB', better: 'lower', label: 'RSS file-backed (node binary, shared)' },
        { name: 'heapUsedMB', unit: 'MiB', better: 'lower', label: 'V8 heap used' },
        { name: 'heapTotalMB', unit: 'MiB', better: 'lower', label: 'V8 heap total' },
        { name: 'externalMB', unit: 'MiB', better: 'lower', label: 'external (Buffers)' },
      ],
      subjects: subjects.map((s) => s.name),
      rounds: records,
      pairs: [],
      goals: (result) => [{ text: 'RSS <= 100 MiB with 1000 peers, 10,000 names and 1,000 routes together (scenario "goal")', met: (result.medians.rssMB?.['weft goal'] ?? Infinity) <= 100 }],
    });
  }
} finally {
  backend?.kill('SIGTERM');
  await cluster.teardown();
  const left = await leftovers(cluster.bed.prefix);
  if (left.namespaces.length > 0 || left.links.length > 0) throw new Error(`bench left ${JSON.stringify(left)}`);
}
