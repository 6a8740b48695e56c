// weft daemons (subnet + overlay + dns) on a namespace test bed, each host ready for CNI: its own
// plugin dir, libcni cache and view of /run/weft and /var/lib/cni (test/cni/host.ts). Unlike
// test/harness/cluster.ts's startCluster, no bridge is wired: weft-cni's delegate makes it.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WeftError } from '../../src/errors.ts';
import { clusterNetwork, WeftCluster } from '../harness/cluster.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { createTestbed, leftovers, type Leftovers, type Testbed } from '../harness/netns.ts';
import { ContainerNamespaces } from './containers.ts';
import { createCniHost, type CniHost } from './host.ts';

export const dnsZone = 'weft.internal';
/** The smallest conflist the issue promises works on a host where the daemon runs. */
export const smallestConflist = { cniVersion: '1.0.0', name: 'weft', plugins: [{ type: 'weft-cni' }] };

export interface CniCluster {
  readonly cluster: WeftCluster;
  readonly bed: Testbed;
  readonly hosts: CniHost[];
  readonly containers: ContainerNamespaces;
  /** `etcdctl ARGS` against the cluster's etcd, from host 1. */
  etcdctl(args: readonly string[]): Promise<string>;
  teardown(): Promise<Leftovers>;
}

export const daemonDnsArgs = ['--dns-enabled', '--dns-listen', '0.0.0.0:53', '--no-dns-forward'];

export async function startCniCluster(hostCount: number, extraDaemonArgs: readonly string[] = [], hostDaemonArgs?: (n: number, dir: string) => readonly string[]): Promise<CniCluster> {
  const bed = await createTestbed({ hosts: hostCount });
  const dir = mkdtempSync(join(tmpdir(), 'weft-cni-cluster-'));
  const containers = new ContainerNamespaces(bed.prefix);
  let etcd: EtcdCluster | undefined;
  let cluster: WeftCluster | undefined;
  const teardown = async (): Promise<Leftovers> => {
    await containers.removeAll();
    if (cluster !== undefined) await cluster.teardown();
    else {
      await etcd?.destroy();
      await bed.teardown();
    }
    rmSync(dir, { recursive: true, force: true });
    return leftovers(bed.prefix);
  };
  try {
    etcd = await startEtcd({ netns: bed.underlay.ns, host: bed.underlay.ip });
    mkdirSync(join(dir, 'daemons'));
    cluster = new WeftCluster(bed, etcd, join(dir, 'daemons'), {
      hosts: hostCount,
      containersPerHost: 0,
      extraDaemonArgs: [...daemonDnsArgs, ...extraDaemonArgs],
      ...(hostDaemonArgs === undefined ? {} : { hostDaemonArgs: (n: number) => hostDaemonArgs(n, dir) }),
    });
    const init = await cluster.weft(bed.host(1), ['network', 'init', '--etcd-endpoints', etcd.endpoint, '--network', clusterNetwork, '--subnet-len', '24', '--backend', 'vxlan', '--vni', '1']);
    if (init.code !== 0) throw new WeftError('WEFT_E_HARNESS', `weft network init failed: ${init.stderr}`);
    const hosts: CniHost[] = [];
    for (let n = 1; n <= hostCount; n++) {
      const h = await cluster.startDaemon(n);
      hosts.push(await createCniHost({ ns: h.host.ns, root: join(dir, `h${n}`), subnetFile: h.subnetFile, adminSocket: h.socket }));
    }
    const endpoint = etcd.endpoint;
    return {
      cluster, bed, hosts, containers, teardown,
      async etcdctl(args) {
        const r = await bed.exec(bed.host(1).ns, 'etcdctl', ['--endpoints', endpoint, ...args]);
        if (r.code !== 0) throw new WeftError('WEFT_E_HARNESS', `etcdctl ${args.join(' ')}: ${r.stderr}`);
        return r.stdout;
      },
    };
  } catch (error) {
    await teardown().catch(() => undefined);
    throw error;
  }
}

/** A name's A answer from the DNS server at `server`, asked from netns `ns` (`dig +short`). */
export async function digA(bed: Testbed, ns: string, server: string, name: string): Promise<{ status: string; addresses: string[] }> {
  const r = await bed.exec(ns, 'dig', [`@${server}`, '+time=2', '+tries=1', '+noall', '+comments', '+answer', name, 'A']);
  const status = /status: (\w+)/.exec(r.stdout)?.[1] ?? `no answer (exit ${r.code}): ${r.stdout}${r.stderr}`;
  const addresses = [...r.stdout.matchAll(/\sIN\s+A\s+(\S+)/g)].map((m) => m[1] ?? '');
  return { status, addresses };
}

/** Polls `check` until it holds or `ms` passed; the last value goes into the error. */
export async function eventually<T>(what: string, probe: () => Promise<T>, holds: (value: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await probe();
  while (!holds(value)) {
    if (Date.now() > deadline) throw new WeftError('WEFT_E_HARNESS', `${what}: not within ${ms} ms; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await probe();
  }
  return value;
}
