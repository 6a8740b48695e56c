// `npm run demo`: a 3-host weft cluster on this machine, built from network namespaces. etcd runs
// in an "underlay" namespace; each host namespace runs `weft daemon` (subnet leases + VXLAN
// overlay); each host has 2 containers on a bridge. It shows the leases, the routes, and containers
// pinging across hosts, then stays up until Ctrl-C and tears everything down.
//   --once   show, then tear down and exit (used by the tests)
//   --keep   stay up until Ctrl-C (the default; kept for muscle memory)
import { startCluster, type WeftCluster } from '../test/harness/cluster.ts';
import { weftMain } from '../test/harness/weft-process.ts';

const once = process.argv.includes('--once');
const tty = process.stdout.isTTY;
const bold = (text: string): string => (tty ? `\x1b[1m${text}\x1b[0m` : text);
const green = (text: string): string => (tty ? `\x1b[32m${text}\x1b[0m` : text);
const step = (text: string): void => void process.stdout.write(`\n${bold(`==> ${text}`)}\n`);
const show = (text: string): void => void process.stdout.write(`${text.trimEnd().replace(/^/gm, '    ')}\n`);

if (process.getuid?.() !== 0) {
  process.stderr.write('the demo builds network namespaces and needs root: sudo npm run demo (after bash scripts/setup.sh)\n');
  process.exit(1);
}

step('building 3 hosts (network namespaces on a shared underlay bridge), etcd on the underlay, and `weft daemon` on each host');
let cluster: WeftCluster;
try {
  cluster = await startCluster({ hosts: 3, containersPerHost: 2 });
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}

let finished = false;
async function finish(status: number): Promise<never> {
  if (!finished) {
    finished = true;
    step('tearing down: daemons stopped, etcd stopped, namespaces and links removed');
    await cluster.teardown();
    show('done');
  }
  process.exit(status);
}
process.once('SIGINT', () => void finish(0));
process.once('SIGTERM', () => void finish(0));

try {
  const [h1, , h3] = cluster.hosts;
  show(`etcd: ${cluster.etcd.endpoint} (inside ${cluster.bed.underlay.ns})`);
  for (const h of cluster.hosts) show(`${h.host.ns}: underlay ${h.host.ip} on ${h.host.link}, admin socket ${h.socket}`);

  step('the subnet leases in etcd (`weft lease ls`, flannel\'s layout under /coreos.com/network)');
  show((await cluster.weft(h1!.host, ['lease', 'ls', '--etcd-endpoints', cluster.etcd.endpoint])).stdout);

  step(`what weft programmed on ${h1!.host.ns}: VXLAN device, routes, neighbours, FDB`);
  const ns = h1!.host.ns;
  show((await cluster.bed.exec(ns, 'ip', ['-br', 'addr', 'show', 'dev', 'weft.1'])).stdout);
  show((await cluster.bed.exec(ns, 'ip', ['route', 'show', 'dev', 'weft.1'])).stdout);
  show((await cluster.bed.exec(ns, 'ip', ['neigh', 'show', 'dev', 'weft.1'])).stdout);
  show((await cluster.bed.exec(ns, 'bridge', ['fdb', 'show', 'dev', 'weft.1'])).stdout);

  step('containers (2 per host, on bridge weftbr0, addressed from the host\'s subnet)');
  for (const c of cluster.bed.containers) show(`${c.ns}  ${cluster.containerIP(c)}`);

  const from = cluster.bed.container(1, 1);
  const to = cluster.bed.container(3, 2);
  step(`ping from ${from.ns} (${cluster.containerIP(from)}, host 1) to ${to.ns} (${cluster.containerIP(to)}, host 3), across the VXLAN overlay`);
  const ping = await cluster.bed.exec(from.ns, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', cluster.containerIP(to)]);
  show(ping.stdout);

  step('every container to every container on the other hosts');
  let ok = 0;
  let total = 0;
  for (const a of cluster.bed.containers) {
    for (const b of cluster.bed.containers) {
      if (a.hostIndex === b.hostIndex) continue;
      total++;
      if ((await cluster.bed.ping(a.ns, cluster.containerIP(b))).ok) ok++;
    }
  }
  show(ok === total ? green(`${ok}/${total} reachable`) : `${ok}/${total} reachable`);

  step(`weft status on ${h3!.host.ns}`);
  show((await cluster.bed.exec(h3!.host.ns, process.execPath, [weftMain, 'status', '--socket', h3!.socket])).stdout);

  if (ok !== total) await finish(1);
  if (once) await finish(0);
  step('the cluster is up. Try, in another shell:');
  show(`ip netns exec ${from.ns} ping ${cluster.containerIP(to)}\nip netns exec ${ns} ip route\ncurl --unix-socket ${h1!.socket} http://weft/metrics\nPress Ctrl-C here to tear everything down.`);
} catch (error) {
  process.stderr.write(`demo failed: ${(error as Error).stack ?? String(error)}\n`);
  await finish(1);
}
