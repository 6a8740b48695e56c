// `npm run bench -- overlay-etcd [peers=1000] [rounds=5]` (also run after `npm run bench -- overlay`):
// the whole path, from the etcd put of a flannel-format lease to the kernel, against standard
// tools doing the same. Each round builds, per subject, a fresh `weftob` test bed: etcd (started by
// the harness's startEtcd) in the underlay namespace, one host namespace. A writer process in the
// host (scripts/bench/overlay/writer.ts) puts N peer leases into etcd (transactions of 100, sent at
// once); `ip monitor route|neigh` and `bridge monitor fdb` in the host timestamp each entry as the
// kernel announces it. Reported per round: N leases put -> every route, neighbour and FDB entry
// present; one more lease put -> its route present (median of 5); the writer's own put time.
// Subjects:
// - weft: `weft daemon` (subnet + overlay) through the real CLI (test/harness/cluster.ts), ready
//   before the clock starts; its own lease is left out of the peer set.
// - iproute2: `etcdctl watch --prefix` piped through scripts/bench/overlay/leases-to-batch.awk into
//   `ip -batch -` and `bridge -batch -` on an identical device made by hand: flannel's vxlan backend
//   reduced to standard tools (flannel itself is not packaged by Debian), the ceiling of etcd ->
//   kernel from userspace.
// The subject (the daemon; the whole pipeline) on coresFor.subject; etcd, writer, monitors and this
// script on coresFor.load; rounds interleaved after one warm-up of each. Goals (src/overlay/README.md):
// < 1 s for 1000 peers, < 50 ms for one more. Writes bench-results/overlay-etcd.json.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startCluster, type WeftCluster } from '../../test/harness/cluster.ts';
import { coresFor, interleave, median, pin, pinned, type Figures, type Subject } from './lib/method.ts';
import { writeResult } from './lib/result.ts';
import { assertNothingLeft, benchRunId, etcdPeers, lineReader, makeDevice, printRound, toolVersion, type Peer } from './overlay/common.ts';

const numbers = process.argv.slice(2).filter((a) => /^\d+$/.test(a)).map(Number);
const peersWanted = numbers[0] ?? 1000;
const rounds = numbers[1] ?? 5;
const singles = 5;
const writerPath = fileURLToPath(new URL('./overlay/writer.ts', import.meta.url));
const awkPath = fileURLToPath(new URL('./overlay/leases-to-batch.awk', import.meta.url));
const now = (): number => performance.timeOrigin + performance.now();

class Monitor {
  readonly times = new Map<string, number>();

  constructor(child: ChildProcess, key: (line: string) => string | undefined) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const k = key(line);
      if (k !== undefined && !line.startsWith('Deleted') && !this.times.has(k)) this.times.set(k, now());
    });
  }

  async until(keys: readonly string[], timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (keys.some((k) => !this.times.has(k))) {
      if (Date.now() > deadline) throw new Error(`only ${keys.filter((k) => this.times.has(k)).length}/${keys.length} seen`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return Math.max(...keys.map((k) => this.times.get(k) ?? 0));
  }
}

/** The timed part, the same for both subjects once the cluster (and the subject) is up. */
async function measureOn(cluster: WeftCluster, peers: readonly Peer[], skip: string): Promise<Figures> {
  const ns = cluster.bed.host(1).ns;
  const onLoad = (cmd: string, args: string[]): ChildProcess => cluster.bed.spawn(ns, ...pinned(coresFor.load, cmd, args), { stdio: ['ignore', 'pipe', 'ignore'] });
  const routes = new Monitor(onLoad('ip', ['monitor', 'route']), (l) => /^(10\.\d+\.\d+\.0\/24) via .* dev weft\.1/.exec(l)?.[1]);
  const neigh = new Monitor(onLoad('ip', ['monitor', 'neigh']), (l) => /^(10\.\d+\.\d+\.0) dev weft\.1 lladdr/.exec(l)?.[1]);
  const fdb = new Monitor(onLoad('bridge', ['monitor', 'fdb']), (l) => /^([0-9a-f:]{17}) dev weft\.1 dst/.exec(l)?.[1]);
  const [wcmd, wargs] = pinned(coresFor.load, process.execPath, [writerPath, cluster.etcd.endpoint, String(peersWanted + singles), skip]);
  const writer = cluster.bed.spawn(ns, wcmd, wargs, { stdio: ['pipe', 'pipe', 'inherit'] });
  const reply = lineReader(writer);
  if ((await reply()) !== 'ready') throw new Error('the lease writer did not start');
  await new Promise((resolve) => setTimeout(resolve, 300)); // the monitors subscribed (setup, not timed)
  const put = async (from: number, count: number): Promise<{ began: number; done: number }> => {
    writer.stdin!.write(`${JSON.stringify({ from, count })}\n`);
    return JSON.parse(await reply()) as { began: number; done: number };
  };
  const bulk = await put(0, peersWanted);
  const first = peers.slice(0, peersWanted);
  const allDone = Math.max(
    await routes.until(first.map((p) => p.subnet)), await neigh.until(first.map((p) => p.gateway)), await fdb.until(first.map((p) => p.vtepMAC)),
  );
  const one: number[] = [];
  for (let r = 0; r < singles; r++) {
    const single = await put(peersWanted + r, 1);
    one.push((await routes.until([peers[peersWanted + r]!.subnet])) - single.began);
  }
  writer.stdin!.end();
  return { bulkMs: allDone - bulk.began, oneMs: median(one), writeMs: bulk.done - bulk.began };
}

async function withCluster(daemon: boolean, run: (cluster: WeftCluster) => Promise<Figures>): Promise<Figures> {
  const cluster = await startCluster({
    hosts: 1, containersPerHost: 0, wireContainers: false, runId: await benchRunId(), ...(daemon ? {} : { daemons: 0 }),
    // flannel's network config, put by etcdctl (no `weft network init` process per round).
    networkConfig: JSON.stringify({ Network: '10.0.0.0/8', SubnetLen: 24, Backend: { Type: 'vxlan', VNI: 1 } }),
  });
  try {
    for (const member of cluster.etcd.members) pin(member.pid, coresFor.load);
    return await run(cluster);
  } finally {
    await cluster.teardown();
  }
}

const weft: Subject = {
  name: 'weft',
  measure: () => withCluster(true, async (cluster) => {
    pin(cluster.hosts[0]!.daemon!.pid, coresFor.subject);
    const own = cluster.subnetOf(1);
    return measureOn(cluster, etcdPeers(peersWanted + singles, own), own);
  }),
};

const iproute2: Subject = {
  name: 'iproute2',
  measure: () => withCluster(false, async (cluster) => {
    const host = cluster.bed.host(1);
    makeDevice(host.ns, host.link, host.ip, '10.64.1.0');
    // A key under the prefix that is no lease: the pipeline says `ready` once its watch has seen it.
    await cluster.bed.exec(host.ns, 'etcdctl', ['--endpoints', cluster.etcd.endpoint, 'put', '/coreos.com/network/subnets/weft-bench-ready', '1']);
    const pipeline = `etcdctl --endpoints ${cluster.etcd.endpoint} watch --rev 1 --prefix /coreos.com/network/subnets/ | mawk -W interactive -f ${awkPath}`;
    const child = cluster.bed.spawn(host.ns, ...pinned(coresFor.subject, 'sh', ['-c', pipeline]), { stdio: ['ignore', 'pipe', 'inherit'] });
    if ((await lineReader(child)()) !== 'ready') throw new Error('the iproute2 pipeline did not start');
    return measureOn(cluster, etcdPeers(peersWanted + singles), '');
  }),
};

pin(process.pid, coresFor.load);
try {
  const records = await interleave([weft, iproute2], {
    rounds,
    warmup: 1,
    onRound: printRound,
  });
  writeResult({
    bench: 'overlay-etcd',
    title: `Overlay, whole path: ${peersWanted} flannel leases put in etcd -> kernel, weft daemon vs etcdctl watch | ip/bridge -batch`,
    versions: {
      iproute2: toolVersion('ip', ['-V'], /(iproute2-[\w.]+)/),
      etcd: toolVersion('etcd', ['--version'], /etcd Version: (\S+)/),
      etcdctl: toolVersion('etcdctl', ['version'], /etcdctl version: (\S+)/),
      mawk: toolVersion('mawk', ['-W', 'version'], /^(mawk \S+)/),
    },
    method: {
      peers: peersWanted, singles, rounds, warmup: 1, subjectCores: coresFor.subject, loadCores: coresFor.load,
      weft: 'weft daemon (subnet + overlay) via the CLI in the host namespace',
      iproute2: 'etcdctl watch --prefix | mawk (leases-to-batch.awk) | ip -batch - / bridge -batch -',
      writes: 'flannel-format leases, transactions of 100 sent at once, on one etcd lease',
      clock: 'from the first put to the last entry seen by ip/bridge monitor',
      namespace: 'fresh weftob test bed (etcd in the underlay) per subject per round',
    },
    metrics: [
      { name: 'bulkMs', unit: 'ms', better: 'lower', label: `${peersWanted} leases put -> all in the kernel` },
      { name: 'oneMs', unit: 'ms', better: 'lower', label: `one more lease put -> its route (median of ${singles})` },
      { name: 'writeMs', unit: 'ms', better: 'lower', label: `writer: ${peersWanted} leases put` },
    ],
    subjects: ['weft', 'iproute2'],
    rounds: records,
    pairs: [['weft', 'iproute2']],
    goals: (r) => [
      { text: `weft daemon: ${peersWanted} leases put -> every route, neighbour and FDB entry in < 1 s (median)`, met: (r.medians.bulkMs?.weft ?? Infinity) < 1000 },
      { text: 'weft daemon: one more lease put -> its route in < 50 ms (median)', met: (r.medians.oneMs?.weft ?? Infinity) < 50 },
    ],
  });
} finally {
  await assertNothingLeft();
}
