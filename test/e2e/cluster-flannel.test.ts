// A mixed cluster (issue 15, "a true flannel drop-in"): two weft hosts and one host configured by
// hand exactly as flanneld would (test/harness/flannel-peer.ts), under a network config that uses
// flannel's Backend.MTU (the underlay MTU: devices get 1450) and GBP, with Docker's
// `iptables -P FORWARD DROP` in every host. Every container pair exchanges full-size pings
// (1450-byte packets, don't fragment) and a TCP stream, both ways.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterNetwork, startCluster, type WeftCluster } from '../harness/cluster.ts';
import { startFlannelPeer } from '../harness/flannel-peer.ts';
import { leftovers, type Container, type Host } from '../harness/netns.ts';
import { readFileSync } from 'node:fs';

const flannelMAC = '0e:6a:2b:11:22:04';
const flannelSubnet = '10.5.200.0/24';
const networkConfig = JSON.stringify({ Network: clusterNetwork, SubnetLen: 24, Backend: { Type: 'vxlan', VNI: 1, MTU: 1500, GBP: true } });
const WEFT = [1, 2];
const FLANNEL = 3;
let cluster: WeftCluster;
let prefix = '';

async function sh(host: Host | Container, args: string[]): Promise<string> {
  const [cmd, ...rest] = args;
  const r = await cluster.bed.exec(host.ns, cmd ?? '', rest);
  if (r.code !== 0) throw new Error(`${args.join(' ')} in ${host.ns}: ${r.stderr}`);
  return r.stdout;
}

/** FLANNEL_MTU of a weft host's subnet.env; what flannel's CNI plugin gives its containers. */
const flannelMtu = (n: number): number => Number(/^FLANNEL_MTU=(\d+)$/m.exec(readFileSync(cluster.hosts[n - 1]!.subnetFile, 'utf8'))?.[1]);

beforeAll(async () => {
  cluster = await startCluster({
    hosts: 3, containersPerHost: 1, daemons: WEFT.length, networkConfig,
    // Docker ≥ 1.13 on every host: forwarded traffic is dropped unless a rule accepts it.
    beforeDaemons: async (bed) => {
      for (const host of bed.hosts) await bed.exec(host.ns, 'iptables', ['-P', 'FORWARD', 'DROP']);
    },
  });
  prefix = cluster.bed.prefix;
  await startFlannelPeer(cluster, cluster.bed.host(FLANNEL), { subnet: flannelSubnet, vtepMAC: flannelMAC, network: clusterNetwork, backendMtu: 1500, gbp: true });
  // Containers get the overlay MTU, as flannel's CNI plugin sets it from subnet.env.
  for (const c of cluster.bed.containers) await sh(c, ['ip', 'link', 'set', c.link, 'mtu', String(c.hostIndex === FLANNEL ? 1450 : flannelMtu(c.hostIndex))]);
});

afterAll(async () => {
  await cluster?.teardown();
  if (prefix !== '') expect(await leftovers(prefix)).toEqual({ namespaces: [], links: [] });
});

describe('weft hosts as flannel hosts', () => {
  it('size the VXLAN device from Backend.MTU as flannel (1500 - 50), with GBP, and write FLANNEL_MTU=1450', async () => {
    for (const n of WEFT) {
      const link = await sh(cluster.bed.host(n), ['ip', '-d', 'link', 'show', 'weft.1']);
      expect(link).toMatch(/ mtu 1450 /);
      expect(link).toMatch(/vxlan id 1 .*dstport 8472 .*nolearning/s);
      expect(link).toMatch(/\bgbp\b/);
      expect(flannelMtu(n)).toBe(1450);
    }
  });

  it("append flannel's forward accepts to FORWARD without ip-masq, after Docker's DROP policy", async () => {
    for (const n of WEFT) {
      const forward = await sh(cluster.bed.host(n), ['iptables', '-S', 'FORWARD']);
      expect(forward).toContain('-P FORWARD DROP');
      expect(forward).toContain('-A FORWARD -m comment --comment "weft forward" -j WEFT-FORWARD');
      expect(await sh(cluster.bed.host(n), ['iptables', '-S', 'WEFT-FORWARD'])).toContain(`-A WEFT-FORWARD -s ${clusterNetwork} -m comment --comment "weft forward" -j ACCEPT`);
    }
  });

  it('program a route, neighbour and FDB entry for the flannel lease', async () => {
    for (const n of WEFT) {
      const host = cluster.bed.host(n);
      expect(await sh(host, ['ip', 'route', 'show', 'dev', 'weft.1'])).toContain(`${flannelSubnet} via 10.5.200.0 onlink`);
      expect(await sh(host, ['bridge', 'fdb', 'show', 'dev', 'weft.1'])).toContain(`${flannelMAC} dst ${cluster.bed.host(FLANNEL).ip} self permanent`);
      expect(await sh(host, ['ip', 'neigh', 'show', 'dev', 'weft.1'])).toContain(`10.5.200.0 lladdr ${flannelMAC} PERMANENT`);
    }
  });
});

describe('every container pair, weft and flannel alike', () => {
  const pairs = (): [Container, Container][] => cluster.bed.containers.flatMap((a) => cluster.bed.containers.filter((b) => b !== a).map((b): [Container, Container] => [a, b]));

  it('exchanges full-size pings (1422 bytes of data = 1450-byte packets, DF set)', async () => {
    const results: string[] = [];
    for (const [a, b] of pairs()) {
      const r = await cluster.bed.exec(a.ns, 'ping', ['-n', '-q', '-c', '2', '-i', '0.2', '-w', '5', '-s', '1422', '-M', 'do', cluster.containerIP(b)]);
      results.push(`h${a.hostIndex}->h${b.hostIndex}: ${r.code === 0 ? 'ok' : `${r.stdout}${r.stderr}`}`);
    }
    expect(results.filter((r) => !r.endsWith('ok'))).toEqual([]);
    console.log(`mixed cluster: ${results.length} container pairs pinged at 1450 bytes, DF set`);
  });

  it('carries a 256 KiB TCP stream', async () => {
    const servers = cluster.bed.containers.map((c) => cluster.bed.spawn(c.ns, process.execPath, ['-e',
      "const s = require('net').createServer((c) => { let n = 0; c.on('data', (d) => (n += d.length)); c.on('end', () => c.end(String(n))); }); s.listen(7777, () => console.log('listening'));",
    ], { stdio: ['ignore', 'pipe', 'inherit'] }));
    try {
      await Promise.all(servers.map((p) => new Promise<void>((resolve, reject) => {
        p.stdout?.setEncoding('utf8').on('data', (d: string) => d.includes('listening') && resolve());
        p.once('exit', (code) => reject(new Error(`TCP server exited ${code} before listening`)));
      })));
      const client = "const c = require('net').connect(7777, process.argv[1], () => c.end(Buffer.alloc(262144, 7))); let r = ''; c.on('data', (d) => (r += d)); c.on('end', () => console.log(r)); c.setTimeout(10000, () => { console.log('timeout'); c.destroy(); });";
      const results: string[] = [];
      for (const [a, b] of pairs()) {
        const r = await cluster.bed.exec(a.ns, process.execPath, ['-e', client, cluster.containerIP(b)], 20_000);
        results.push(`h${a.hostIndex}->h${b.hostIndex}: ${r.stdout.trim()}${r.stderr}`);
      }
      expect(results.filter((r) => !r.endsWith(': 262144'))).toEqual([]);
    } finally {
      for (const p of servers) p.kill();
    }
  });
});

describe('a weft daemon restart under FORWARD DROP', () => {
  it('leaves the forward accepts in place while it is down (containers keep talking) and adds no second jump', async () => {
    const host = cluster.bed.host(1);
    const jumps = async (): Promise<number> => (await sh(host, ['iptables', '-S', 'FORWARD'])).split('\n').filter((l) => l.endsWith('-j WEFT-FORWARD')).length;
    expect(await cluster.stopDaemon(1)).toBe(0);
    expect(await jumps()).toBe(1);
    const down = await cluster.bed.ping(cluster.bed.container(1, 1).ns, cluster.containerIP(cluster.bed.container(FLANNEL, 1)));
    expect(down.ok, down.output).toBe(true);
    await cluster.startDaemon(1);
    expect(await jumps()).toBe(1);
    expect((await sh(host, ['iptables', '-S', 'WEFT-FORWARD'])).split('\n').filter((l) => l.startsWith('-A'))).toHaveLength(2);
  });
});
