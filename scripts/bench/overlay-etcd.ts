// `npm run bench -- overlay-etcd [peers=1000]` (also run by `npm run bench -- overlay`): the whole
// path on a real daemon. One host namespace runs `weft daemon` (subnet + overlay) against etcd on
// the underlay; a writer in the namespace puts N flannel-format peer leases into etcd; `ip monitor`
// and `bridge monitor` in the namespace timestamp each route, neighbour and FDB entry as the kernel
// announces it. Reported: N leases put -> all N routes + neigh + fdb present, and one more lease put
// -> its route present.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startCluster } from '../../test/harness/cluster.ts';
import { leftovers } from '../../test/harness/netns.ts';

const peersWanted = Number(process.argv[2] ?? 1000);
const now = (): number => performance.timeOrigin + performance.now();

function lease(i: number): { key: string; value: string } {
  const n = i + 10;
  const hex = (b: number): string => b.toString(16).padStart(2, '0');
  const subnet = `10.${100 + (n >> 8)}.${n & 255}.0`;
  return {
    key: `/coreos.com/network/subnets/${subnet}-24`,
    value: JSON.stringify({ PublicIP: `172.16.${(n >> 8) & 255}.${n & 255}`, PublicIPv6: null, BackendType: 'vxlan', BackendData: { VNI: 1, VtepMAC: `0e:00:01:${hex((n >> 16) & 255)}:${hex((n >> 8) & 255)}:${hex(n & 255)}` } }),
  };
}

// Inside the host namespace: put leases when told to on stdin, print when the puts began.
async function writer(): Promise<void> {
  const { testClient } = await import('../../test/harness/etcd-client.ts');
  const client = testClient([process.env.WEFT_BENCH_ETCD ?? '']);
  const etcdLease = client.lease(3600, { autoKeepAlive: false });
  await etcdLease.grant();
  for await (const line of createInterface({ input: process.stdin })) {
    const { from, count } = JSON.parse(line) as { from: number; count: number };
    const began = now();
    const batches: Promise<unknown>[] = [];
    for (let i = from; i < from + count; i += 100) {
      const puts = [];
      for (let k = i; k < Math.min(from + count, i + 100); k++) {
        const { key, value } = lease(k);
        puts.push(etcdLease.put(key).value(value));
      }
      batches.push(client.if('/weft-bench/none', 'Version', '==', 0).then(...puts).commit());
    }
    await Promise.all(batches);
    process.stdout.write(`${JSON.stringify({ began, done: now() })}\n`);
  }
  client.close();
}

class Monitor {
  readonly times = new Map<string, number>();
  readonly #child: ChildProcess;

  constructor(ns: string, command: string[], key: (line: string) => string | undefined) {
    this.#child = spawn('ip', ['netns', 'exec', ns, ...command], { stdio: ['ignore', 'pipe', 'ignore'] });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      const k = key(line);
      if (k !== undefined && !line.startsWith('Deleted') && !this.times.has(k)) this.times.set(k, now());
    });
  }

  async until(keys: string[], timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (keys.some((k) => !this.times.has(k))) {
      if (Date.now() > deadline) throw new Error(`only ${keys.filter((k) => this.times.has(k)).length}/${keys.length} seen`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return Math.max(...keys.map((k) => this.times.get(k) ?? 0));
  }

  stop(): void {
    this.#child.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  const cluster = await startCluster({ hosts: 1, containersPerHost: 0, network: '10.0.0.0/8' });
  const host = cluster.bed.host(1);
  const monitors: Monitor[] = [];
  try {
    const routes = new Monitor(host.ns, ['ip', 'monitor', 'route'], (l) => /^(10\.\d+\.\d+\.0\/24) via .* dev weft\.1/.exec(l)?.[1]);
    const neigh = new Monitor(host.ns, ['ip', 'monitor', 'neigh'], (l) => /^(10\.\d+\.\d+\.0) dev weft\.1 lladdr/.exec(l)?.[1]);
    const fdb = new Monitor(host.ns, ['bridge', 'monitor', 'fdb'], (l) => /^([0-9a-f:]{17}) dev weft\.1 dst/.exec(l)?.[1]);
    monitors.push(routes, neigh, fdb);
    await new Promise((resolve) => setTimeout(resolve, 300)); // monitors subscribed
    const child = cluster.bed.spawn(host.ns, process.execPath, [fileURLToPath(import.meta.url)], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, WEFT_BENCH_WRITER: '1', WEFT_BENCH_ETCD: cluster.etcd.endpoint } });
    const replies = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const put = async (from: number, count: number): Promise<{ began: number; done: number }> => {
      child.stdin!.write(`${JSON.stringify({ from, count })}\n`);
      return JSON.parse((await replies.next()).value as string) as { began: number; done: number };
    };
    const subnetsOf = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => lease(from + i).key.split('/').pop()!.replace('-24', '/24'));
    const macsOf = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => (JSON.parse(lease(from + i).value) as { BackendData: { VtepMAC: string } }).BackendData.VtepMAC);

    const bulk = await put(0, peersWanted);
    const subnets = subnetsOf(0, peersWanted);
    const allDone = Math.max(await routes.until(subnets), await neigh.until(subnets.map((s) => s.replace('/24', ''))), await fdb.until(macsOf(0, peersWanted)));
    const singles: number[] = [];
    for (let r = 0; r < 5; r++) {
      const one = await put(peersWanted + r, 1);
      singles.push((await routes.until(subnetsOf(peersWanted + r, 1))) - one.began);
    }
    child.stdin!.end();
    const f = (ms: number): string => `${ms.toFixed(1)} ms`;
    console.log(`overlay bench, whole path (etcd put -> weft daemon subnet watch -> overlay -> kernel), one host namespace`);
    console.log(`  ${peersWanted} flannel-format leases put (txns of 100, ${f(bulk.done - bulk.began)} to write) -> all ${peersWanted} routes + neigh + fdb present: ${f(allDone - bulk.began)}   goal < 1000 ms`);
    console.log(`  1 more lease put -> its route present: ${singles.map(f).join(' / ')} (median ${f([...singles].sort((a, b) => a - b)[2] ?? NaN)})   goal < 50 ms`);
  } finally {
    for (const m of monitors) m.stop();
    await cluster.teardown();
    const left = await leftovers(cluster.bed.prefix);
    if (left.namespaces.length > 0 || left.links.length > 0) throw new Error(`bench left ${JSON.stringify(left)}`);
  }
}

if (process.env.WEFT_BENCH_WRITER === '1') await writer();
else await main();
