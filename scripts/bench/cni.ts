// `npm run bench -- cni [cycles=40] [rounds=5]`: ADD+DEL cycles through the reference runtime
// (test/cni/driver: Debian's libcni, as containerd and podman use it) for weft-cni and for Debian's
// bridge + host-local configured the same way (isGateway, ipMasq off, hairpin, MTU, the route to
// the cluster network), on one namespace host where a weft daemon (subnet + overlay + dns, etcd on
// the underlay) runs. The shared method (docs/benchmarks.md): a round is a block of `cycles` cycles
// of one subject; blocks are interleaved (weft, reference, node -e 0, ...) after a warm-up block of
// 10 cycles each. Third subject, `node -e 0`: Node starting and exiting on the same core, the floor
// any plugin on Node pays (its "ADD" figures are that start+exit; it has no DEL). The driver, and so
// the plugins it execs, and the weft daemon run on coresFor.subject; etcd and this script on
// coresFor.load. Times are the libcni call as the driver measures it (plugin start, delegates, DNS
// registration; not the driver's own start). Reported: ADD/DEL p50/p99 per round, the per-round
// ADD p50 ratio weft/reference (goal: <= 1.5x, out of reach for a plugin on Node) and node/reference;
// writes bench-results/cni.json. WEFT_BENCH_CNI_ONLY=reference measures the baseline alone (before
// weft-cni can ADD). Namespaces only; everything is removed.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { clusterNetwork } from '../../test/harness/cluster.ts';
import { smallestConflist, startCniCluster, type CniCluster } from '../../test/cni/cluster.ts';
import { linksIn, pluginVeths, type CniContainer } from '../../test/cni/containers.ts';
import { cniAttachment, describeRun, libcniDir, podArgs } from '../../test/cni/driver.ts';
import { cores, coresFor, interleave, percentile, pin, pinned, type Figures, type Subject } from './lib/method.ts';
import { writeResult } from './lib/result.ts';

const cycles = Number(process.argv[2] ?? 40);
const rounds = Number(process.argv[3] ?? 5);
const warmupCycles = 10;
type Arm = 'weft' | 'reference';
const arms: readonly Arm[] = process.env.WEFT_BENCH_CNI_ONLY === 'reference' ? ['reference'] : ['weft', 'reference'];
const nodeSubject = 'node -e 0';

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

const version = (pkg: string): string => execFileSync('dpkg-query', ['-W', '-f', '${Version}', pkg], { encoding: 'utf8' });
const p50p99 = (add: readonly number[], del: readonly number[]): Figures =>
  ({ addP50: percentile(add, 50), addP99: percentile(add, 99), ...(del.length > 0 ? { delP50: percentile(del, 50), delP99: percentile(del, 99) } : {}) });

async function main(cni: CniCluster): Promise<void> {
  const host = cni.hosts[0]!;
  pin(process.pid, coresFor.load);
  pin(cni.cluster.hosts[0]!.daemon?.pid, coresFor.subject);
  for (const member of cni.cluster.etcd.members) pin(member.pid, coresFor.load);
  const mtu = Number(/FLANNEL_MTU=(\d+)/.exec(readFileSync(cni.cluster.hosts[0]!.subnetFile, 'utf8'))?.[1] ?? 1450);
  const lists = conflists(mtu);
  const files = { weft: host.conflist('weft.conflist', lists.weft), reference: host.conflist('reference.conflist', lists.reference) };
  const containers: Record<Arm, CniContainer> = { weft: await cni.containers.create(1), reference: await cni.containers.create(1) };
  const prefix = cores >= 2 ? ['taskset', '-c', coresFor.subject] : [];

  let serial = 0;
  const arm = (name: Arm): Subject => ({
    name,
    async measure(round) {
      const add: number[] = [];
      const del: number[] = [];
      for (let i = 0; i < (round === 0 ? warmupCycles : cycles); i++) {
        const at = { ...containers[name], containerID: `weftbench-${name}-${serial++}` };
        const options = host.driverOptions({ args: podArgs(`bench-${serial}`, at.containerID), prefix, timed: true });
        const added = await cniAttachment('add', at, files[name], options);
        if (!added.ok || added.elapsedMs === undefined) throw new Error(describeRun(`${name} ADD ${at.containerID}`, added));
        const deleted = await cniAttachment('del', at, files[name], options);
        if (!deleted.ok || deleted.elapsedMs === undefined) throw new Error(describeRun(`${name} DEL ${at.containerID}`, deleted));
        add.push(added.elapsedMs);
        del.push(deleted.elapsedMs);
      }
      return p50p99(add, del);
    },
  });
  // The floor any plugin running on Node pays: Node starting and exiting, same core, same rounds.
  const nodeStart: Subject = {
    name: nodeSubject,
    measure(round) {
      const start: number[] = [];
      const [command, argv] = pinned(coresFor.subject, process.execPath, ['-e', '0']);
      for (let i = 0; i < (round === 0 ? warmupCycles : cycles); i++) {
        const begun = performance.now();
        execFileSync(command, argv);
        start.push(performance.now() - begun);
      }
      return Promise.resolve(p50p99(start, []));
    },
  };

  process.stdout.write(`cni benchmark: ${rounds} rounds of ${cycles} ADD+DEL cycles per subject (${[...arms, nodeSubject].join(', ')}), interleaved; driver, plugins and daemon on core ${coresFor.subject}, etcd on ${coresFor.load}; weft-cni via ${host.installedBy}\n`);
  const records = await interleave([...arms.map(arm), nodeStart], {
    rounds, warmup: 1,
    onRound: (r) => process.stdout.write(`  round ${r.round} ${r.subject.padEnd(10)} ADD p50 ${r.figures.addP50?.toFixed(1)} ms  p99 ${r.figures.addP99?.toFixed(1)} ms${r.figures.delP50 === undefined ? '' : `   DEL p50 ${r.figures.delP50.toFixed(1)} ms`}  (load ${r.load1.toFixed(1)})\n`),
  });

  for (const name of arms) {
    const links = await linksIn(containers[name].name);
    if (links.join() !== 'lo') throw new Error(`${name}: links left in the container netns: ${links.join(' ')}`);
    const left = host.allocations(name === 'weft' ? 'weft' : 'weft-ref');
    if (left.length > 0) throw new Error(`${name}: host-local allocations left: ${left.join('; ')}`);
  }
  const veths = await pluginVeths(host.ns, [cni.bed.host(1).link]);
  if (veths.length > 0) throw new Error(`veths left in the host: ${veths.join(' ')}`);

  const peers = [...(arms.includes('weft') ? [['weft', 'reference'] as const] : []), [nodeSubject, 'reference'] as const];
  writeResult({
    bench: 'cni',
    title: 'CNI ADD+DEL through libcni: weft-cni vs bridge + host-local, beside Node\'s own start',
    versions: { containernetworkingPlugins: version('containernetworking-plugins'), libcni: version('golang-github-appc-cni-dev') },
    method: {
      cyclesPerRound: cycles, rounds, warmupCycles, subjectCore: coresFor.subject, loadCores: coresFor.load, weftCni: host.installedBy, libcniDir,
      pinning: 'driver + plugins + weft daemon on the subject core, etcd on the load cores', configs: JSON.stringify(lists),
    },
    metrics: [
      { name: 'addP50', unit: 'ms', better: 'lower', label: 'ADD p50' },
      { name: 'addP99', unit: 'ms', better: 'lower', label: 'ADD p99' },
      { name: 'delP50', unit: 'ms', better: 'lower', label: 'DEL p50' },
      { name: 'delP99', unit: 'ms', better: 'lower', label: 'DEL p99' },
    ],
    subjects: [...arms, nodeSubject],
    rounds: records,
    pairs: peers,
    goals: (r) => {
      const ratio = r.ratios.find((x) => x.pair === 'weft/reference' && x.metric === 'addP50');
      return ratio === undefined ? [] : [{ text: `weft-cni ADD p50 at most 1.5x bridge + host-local (median per round ${ratio.median.toFixed(2)}x)`, met: ratio.median <= 1.5 }];
    },
  });
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
