// `npm run bench -- cni [cycles=200]`: ADD+DEL cycles through the reference runtime (test/cni/
// driver: Debian's libcni, as containerd and podman use it) for weft-cni and for Debian's bridge +
// host-local configured the same way (isGateway, ipMasq off, hairpin, MTU, the route to the
// cluster network), on one namespace host where a weft daemon (subnet + overlay + dns, etcd on the
// underlay) runs. Cycles are interleaved, which arm goes first alternating, after 10 warm-up
// cycles of each. The driver, and so the plugins it execs, runs on core 0 (`taskset -c 0`); the
// daemon and etcd on core 1. Times are the libcni call as the driver measures it (plugin start,
// delegates, DNS registration; not the driver's own start). Prints ADD/DEL p50/p99 per arm and the
// ADD p50 ratio (goal: weft <= 1.5x), writes bench-results/cni.json. WEFT_BENCH_CNI_ONLY=reference
// measures the baseline alone (before weft-cni can ADD). Namespaces only; everything is removed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { clusterNetwork } from '../../test/harness/cluster.ts';
import { smallestConflist, startCniCluster, type CniCluster } from '../../test/cni/cluster.ts';
import { linksIn, pluginVeths, type CniContainer } from '../../test/cni/containers.ts';
import { cniAttachment, describeRun, libcniDir, podArgs } from '../../test/cni/driver.ts';

const cycles = Number(process.argv[2] ?? 200);
const warmup = 10;
const arms = process.env.WEFT_BENCH_CNI_ONLY === 'reference' ? (['reference'] as const) : (['weft', 'reference'] as const);
type Arm = 'weft' | 'reference';

function conflists(subnetMtu: number): Record<Arm, object> {
  // What weft-cni gives its bridge delegate by default (ipMasq off here, as for the reference).
  const bridge = { isGateway: true, ipMasq: false, hairpinMode: true, mtu: subnetMtu };
  return {
    weft: { ...smallestConflist, name: 'weft', plugins: [{ type: 'weft-cni', delegate: { ipMasq: false } }] },
    reference: {
      cniVersion: '1.0.0', name: 'weft-ref',
      plugins: [{ type: 'bridge', bridge: 'weftref0', ...bridge, ipam: { type: 'host-local', ranges: [[{ subnet: '10.6.0.0/24' }]], routes: [{ dst: clusterNetwork }] } }],
    },
  };
}

const percentile = (xs: readonly number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;
const summary = (xs: readonly number[]): { p50: number; p99: number; n: number } => ({ p50: percentile(xs, 0.5), p99: percentile(xs, 0.99), n: xs.length });
const version = (pkg: string): string => execFileSync('dpkg-query', ['-W', '-f', '${Version}', pkg], { encoding: 'utf8' });

function pin(pid: number | undefined, core: number): void {
  if (pid !== undefined) execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
}

async function main(cni: CniCluster): Promise<void> {
  const host = cni.hosts[0]!;
  pin(cni.cluster.hosts[0]!.daemon?.pid, 1);
  for (const member of cni.cluster.etcd.members) pin(member.pid, 1);
  const mtu = Number(/FLANNEL_MTU=(\d+)/.exec(readFileSync(cni.cluster.hosts[0]!.subnetFile, 'utf8'))?.[1] ?? 1450);
  const lists = conflists(mtu);
  const files = { weft: host.conflist('weft.conflist', lists.weft), reference: host.conflist('reference.conflist', lists.reference) };
  const containers: Record<Arm, CniContainer> = { weft: await cni.containers.create(1), reference: await cni.containers.create(1) };
  const times: Record<Arm, { add: number[]; del: number[] }> = { weft: { add: [], del: [] }, reference: { add: [], del: [] } };

  const cycle = async (arm: Arm, i: number, record: boolean): Promise<void> => {
    const at = { ...containers[arm], containerID: `weftbench-${arm}-${i}` };
    const options = host.driverOptions({ args: podArgs(`bench-${i}`, at.containerID), prefix: ['taskset', '-c', '0'], timed: true });
    const add = await cniAttachment('add', at, files[arm], options);
    if (!add.ok || add.elapsedMs === undefined) throw new Error(describeRun(`${arm} ADD ${i}`, add));
    const del = await cniAttachment('del', at, files[arm], options);
    if (!del.ok || del.elapsedMs === undefined) throw new Error(describeRun(`${arm} DEL ${i}`, del));
    if (record) {
      times[arm].add.push(add.elapsedMs);
      times[arm].del.push(del.elapsedMs);
    }
  };

  const load = loadavg()[0] ?? 0;
  process.stdout.write(`cni benchmark: ${cycles} ADD+DEL cycles per arm (${arms.join(', ')}), interleaved, driver on core 0, daemon + etcd on core 1 (${availableParallelism()} cores), weft-cni via ${host.installedBy}\n`);
  if (load > 1.5) process.stdout.write(`warning: load average ${load.toFixed(1)} on ${availableParallelism()} cores; figures are not comparable with a quiet machine's\n`);
  for (let i = 0; i < warmup; i++) for (const arm of arms) await cycle(arm, -1 - i, false);
  // The floor any plugin running on Node pays: Node starting and exiting, same core, same rounds.
  const nodeStart: number[] = [];
  for (let i = 0; i < cycles; i++) {
    const order = i % 2 === 0 ? arms : [...arms].reverse();
    for (const arm of order) await cycle(arm, i, true);
    const begun = performance.now();
    execFileSync('taskset', ['-c', '0', process.execPath, '-e', '0']);
    nodeStart.push(performance.now() - begun);
    if ((i + 1) % 50 === 0) process.stdout.write(`  ${i + 1}/${cycles} cycles\n`);
  }

  for (const arm of arms) {
    const links = await linksIn(containers[arm].name);
    if (links.join() !== 'lo') throw new Error(`${arm}: links left in the container netns: ${links.join(' ')}`);
    const left = host.allocations(arm === 'weft' ? 'weft' : 'weft-ref');
    if (left.length > 0) throw new Error(`${arm}: host-local allocations left: ${left.join('; ')}`);
  }
  const veths = await pluginVeths(host.ns, [cni.bed.host(1).link]);
  if (veths.length > 0) throw new Error(`veths left in the host: ${veths.join(' ')}`);

  const results = Object.fromEntries(arms.map((arm) => [arm, { add: summary(times[arm].add), del: summary(times[arm].del) }]));
  for (const arm of arms) {
    const r = results[arm]!;
    process.stdout.write(`${arm.padEnd(10)} ADD p50 ${r.add.p50.toFixed(1).padStart(7)} ms  p99 ${r.add.p99.toFixed(1).padStart(7)} ms   DEL p50 ${r.del.p50.toFixed(1).padStart(7)} ms  p99 ${r.del.p99.toFixed(1).padStart(7)} ms\n`);
  }
  const node = summary(nodeStart);
  process.stdout.write(`${'node -e 0'.padEnd(10)} p50 ${node.p50.toFixed(1).padStart(7)} ms  p99 ${node.p99.toFixed(1).padStart(7)} ms   (Node's own start and exit: the floor of any plugin on Node)\n`);
  const ratio = results.weft !== undefined && results.reference !== undefined ? results.weft.add.p50 / results.reference.add.p50 : undefined;
  if (ratio !== undefined) process.stdout.write(`weft/reference ADD p50 ${ratio.toFixed(2)}x   goal <= 1.5x (${ratio <= 1.5 ? 'met' : 'NOT met'})\n`);
  const floor = results.reference === undefined ? undefined : node.p50 / results.reference.add.p50;
  if (floor !== undefined) process.stdout.write(`node -e 0 / reference ADD p50 ${floor.toFixed(2)}x   (Node alone, before any plugin code)\n`);
  const versions = { node: process.version, containernetworkingPlugins: version('containernetworking-plugins'), libcni: version('golang-github-appc-cni-dev'), libcniDir };
  mkdirSync('bench-results', { recursive: true });
  writeFileSync(join('bench-results', 'cni.json'), `${JSON.stringify({
    date: new Date().toISOString(), cycles, warmup, cores: availableParallelism(), loadAverage: load, versions, weftCni: host.installedBy,
    configs: lists, results, nodeStart: node, nodeStartToReferenceAddP50: floor, addP50Ratio: ratio, goal: { addP50RatioMax: 1.5, met: ratio === undefined ? undefined : ratio <= 1.5 },
    raw: times,
  }, null, 2)}\n`);
  process.stdout.write('wrote bench-results/cni.json\n');
}

// weft-cni as a package installs it: the build in dist/ (TypeScript sources would add ~150 ms of
// type stripping per call, which no installation pays).
execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
process.env.WEFT_TEST_CNI_FROM_DIST = '1';
const cni = await startCniCluster(1);
let failed = false;
try {
  await main(cni);
} catch (error) {
  failed = true;
  process.stderr.write(`cni bench failed: ${(error as Error).message}\n`);
} finally {
  await cni.containers.removeAll();
  const left = await cni.teardown();
  if (left.namespaces.length > 0 || left.links.length > 0) throw new Error(`bench left ${JSON.stringify(left)}`);
}
if (failed) process.exitCode = 1;
