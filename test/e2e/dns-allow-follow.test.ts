// The recursion allow list follows the cluster network: `weft daemon` (subnet + dns) starts in a
// host namespace BEFORE the network config exists (so its allow list is loopback only), then
// `weft network init` runs, and a container on the host's bridge, addressed from the new subnet,
// gets a forwarded answer, without SIGHUP. The upstream is dnsmasq inside the host namespace.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WeftCluster } from '../harness/cluster.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { createTestbed, leftovers, type Testbed } from '../harness/netns.ts';

let bed: Testbed;
let etcd: EtcdCluster | undefined;
let dir: string;
let prefix = '';

beforeAll(async () => {
  bed = await createTestbed({ hosts: 1, containersPerHost: 1 });
  prefix = bed.prefix;
  dir = mkdtempSync(join(tmpdir(), 'weft-dns-allow-'));
  etcd = await startEtcd({ netns: bed.underlay.ns, host: bed.underlay.ip });
});

afterAll(async () => {
  await etcd?.destroy();
  await bed?.teardown(); // stops the daemon and dnsmasq we spawned in the host namespace
  rmSync(dir, { recursive: true, force: true });
  expect(await leftovers(prefix)).toEqual({ namespaces: [], links: [] });
});

async function until(check: () => Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what()} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

it('a container of the subnet leased after start may recurse, without SIGHUP', async () => {
  const cluster = new WeftCluster(bed, etcd!, dir, { hosts: 1, containersPerHost: 1 });
  const h = cluster.hosts[0]!;
  const host = h.host;
  const container = bed.container(1, 1);
  bed.spawn(host.ns, '/usr/sbin/dnsmasq', ['--keep-in-foreground', '--no-resolv', '--no-hosts', '--port=5300', '--listen-address=127.0.0.1', '--bind-interfaces', '--address=/up.test/192.0.2.7', '--user=root', '--pid-file=']);
  const daemon = bed.spawn(host.ns, process.execPath, [
    ...cluster.daemonArgs(h),
    '--dns-enabled', '--dns-listen', '0.0.0.0:53', '--dns-upstream', '127.0.0.1:5300',
  ]);
  let log = '';
  daemon.stdout?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  daemon.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));

  // The DNS server is up (it answers zone names) while no network config exists yet.
  const digIn = async (ns: string, server: string, name: string): Promise<string> => (await bed.exec(ns, 'dig', [`@${server}`, '+tries=1', '+time=2', name, 'A'], 10_000)).stdout;
  await until(async () => /status: /.test(await digIn(host.ns, '127.0.0.1', 'x.weft.internal')), 30_000, () => 'DNS not answering');
  expect(log).not.toContain('dns_allow_changed');

  const init = await cluster.weft(host, ['network', 'init', '--etcd-endpoints', etcd!.endpoint, '--network', '10.5.0.0/16', '--subnet-len', '24', '--backend', 'vxlan', '--vni', '1']);
  expect(init.code).toBe(0);
  await until(async () => /FLANNEL_SUBNET=/.test((() => { try { return readFileSync(h.subnetFile, 'utf8'); } catch { return ''; } })()), 30_000, () => `no subnet lease:\n${log.slice(-2000)}`);
  const subnet = cluster.subnetOf(1);
  await cluster.wireHost(host, subnet);
  const bridgeIP = subnet.replace(/\.0\/24$/, '.1');

  // From 10.5.X.11 (the container) through the bridge address: forwarded, not REFUSED.
  let last = '';
  await until(async () => {
    last = await digIn(container.ns, bridgeIP, 'up.test');
    return /status: NOERROR/.test(last) && /up\.test\.\s+\d+\s+IN\s+A\s+192\.0\.2\.7/.test(last);
  }, 30_000, () => `no forwarded answer for the container (last: ${last.split('\n').find((l) => l.includes('status')) ?? last})`);
  expect(log).toContain('dns_allow_changed');
  expect(log).not.toContain('SIGHUP');
});
