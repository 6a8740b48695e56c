// IPv6 for a WeftCluster (flannel's EnableIPv6): an IPv6 address on each host's underlay link
// (fd00:213::<10+n>/64, beside 10.213.0.<10+n>), IPv6 forwarding on, and each host's bridge and
// containers addressed in the host's leased IPv6 subnet (::1 on the bridge, ::<10+M> per
// container, default route via ::1), read from its subnet.env like the IPv4 ones. Addresses are
// added without duplicate address detection, so they are usable at once.
import { readFileSync } from 'node:fs';
import { WeftError } from '../../src/errors.ts';
import { bridgeName, type WeftCluster } from './cluster.ts';
import type { Container, Testbed } from './netns.ts';

export const underlayIPv6 = (n: number): string => `fd00:213::${10 + n}`;

async function must(bed: Testbed, ns: string, cmd: string, args: string[]): Promise<void> {
  const r = await bed.exec(ns, cmd, args);
  if (r.code !== 0) throw new WeftError('WEFT_E_HARNESS', `${cmd} ${args.join(' ')} in ${ns}: ${r.stderr}`);
}

/** For ClusterOptions.beforeDaemons: IPv6 on the underlay and forwarding in every host. */
export async function addUnderlayIPv6(bed: Testbed): Promise<void> {
  for (const host of bed.hosts) {
    await must(bed, host.ns, 'sysctl', ['-q', '-w', 'net.ipv6.conf.all.forwarding=1']);
    await must(bed, host.ns, 'ip', ['-6', 'addr', 'add', `${underlayIPv6(host.index)}/64`, 'dev', host.link, 'nodad']);
  }
}

/** The IPv6 subnet host `n` leased, from FLANNEL_IPV6_SUBNET ("fc00:5:0:2::1/64" -> "fc00:5:0:2::"). */
export function ipv6SubnetOf(cluster: WeftCluster, n: number): string {
  const env = readFileSync(cluster.hosts[n - 1]?.subnetFile ?? '', 'utf8');
  const found = /^FLANNEL_IPV6_SUBNET=([0-9a-f:]+::)1\/64$/m.exec(env);
  if (found === null) throw new WeftError('WEFT_E_HARNESS', `no /64 FLANNEL_IPV6_SUBNET in subnet.env:\n${env}`);
  return found[1]!;
}

export function containerIPv6(cluster: WeftCluster, container: Container): string {
  return `${ipv6SubnetOf(cluster, container.hostIndex)}${10 + container.index}`;
}

/**
 * The bridge and containers of every host get their IPv6 addresses. The bridge is the one
 * wireContainers made, or, on an IPv6-only network (`wireContainers: false`), made here.
 */
export async function wireContainersIPv6(cluster: WeftCluster, options: { makeBridge?: boolean } = {}): Promise<void> {
  const { bed } = cluster;
  for (const host of bed.hosts) {
    const base = ipv6SubnetOf(cluster, host.index);
    if (options.makeBridge === true) {
      await must(bed, host.ns, 'ip', ['link', 'add', bridgeName, 'type', 'bridge']);
      await must(bed, host.ns, 'ip', ['link', 'set', bridgeName, 'up']);
      for (const c of host.containers) {
        await must(bed, host.ns, 'ip', ['link', 'set', c.hostLink, 'master', bridgeName]);
        await must(bed, host.ns, 'ip', ['link', 'set', c.hostLink, 'up']);
        await must(bed, c.ns, 'ip', ['link', 'set', c.link, 'up']);
      }
    }
    await must(bed, host.ns, 'ip', ['-6', 'addr', 'add', `${base}1/64`, 'dev', bridgeName, 'nodad']);
    for (const c of host.containers) {
      await must(bed, c.ns, 'ip', ['-6', 'addr', 'add', `${containerIPv6(cluster, c)}/64`, 'dev', c.link, 'nodad']);
      await must(bed, c.ns, 'ip', ['-6', 'route', 'add', 'default', 'via', `${base}1`, 'dev', c.link]);
    }
  }
}

/** The keys and values under subnets/, as etcdctl prints them. */
export async function subnetKeys(cluster: WeftCluster): Promise<{ keys: string[]; values: string[] }> {
  const r = await cluster.bed.exec(cluster.bed.host(1).ns, 'etcdctl', ['--endpoints', cluster.etcd.endpoint, 'get', '--prefix', '/coreos.com/network/subnets/']);
  const lines = r.stdout.trim().split('\n');
  return { keys: lines.filter((_, i) => i % 2 === 0), values: lines.filter((_, i) => i % 2 === 1) };
}

/** Each host's FLANNEL_IPV6_SUBNET; throws unless every subnet.env matches `pattern`. */
export function ipv6Subnets(cluster: WeftCluster, pattern: RegExp): (string | undefined)[] {
  return cluster.hosts.map((h) => {
    const env = readFileSync(h.subnetFile, 'utf8');
    if (!pattern.test(env)) throw new WeftError('WEFT_E_HARNESS', `subnet.env of ${h.host.ns} does not match ${pattern}:\n${env}`);
    return /^FLANNEL_IPV6_SUBNET=(.*)$/m.exec(env)?.[1];
  });
}
