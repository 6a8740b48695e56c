// flannel's EnableIPv6 against a real etcd: subnet areas lease one key with both subnets
// (IPv6-only: the "0.0.0.0-0&…" key), write FLANNEL_IPV6_* to subnet.env, see each other's IPv6
// sides in the lease feed, and get the same pair back after a restart. IPv4-only networks are
// unchanged (subnet-acquire.test.ts, subnet-flannel.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CommandIo } from '../../src/cli/command.ts';
import { leaseLs } from '../../src/cli/lease.ts';
import { networkInit } from '../../src/cli/network.ts';
import { defaults as baseConfig } from '../../src/config/index.ts';
import { firstUsable6, parseCidr6 } from '../../src/net/index.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { Cleanups, client, startArea, tempDir, waitFor, waitReady } from './subnet-fixture.ts';

let cluster: EtcdCluster;
const cleanups = new Cleanups();
beforeAll(async () => {
  cluster = await startEtcd();
});
afterAll(async () => {
  await cluster.destroy();
});
afterEach(async () => {
  await cleanups.run();
});

const DUAL = '{"Network":"10.5.0.0/16","EnableIPv6":true,"IPv6Network":"fc00::/48","Backend":{"Type":"vxlan","VNI":1}}';
const V6ONLY = '{"EnableIPv4":false,"EnableIPv6":true,"IPv6Network":"fc00::/48","IPv6SubnetLen":80,"Backend":{"Type":"vxlan","VNI":1}}';

async function startHosts(prefix: string, config: string, hosts: { publicIP: string; publicIPv6: string }[]) {
  const admin = client(cluster.endpoints, cleanups);
  await admin.put(`${prefix}/config`).value(config);
  const dir = tempDir(cleanups);
  const areas = [];
  for (const [i, h] of hosts.entries()) {
    const subnetFile = join(dir, `subnet${i}.env`);
    const area = await startArea({ endpoints: cluster.endpoints, prefix, publicIP: h.publicIP, subnetFile, extra: { config: configWith(prefix, h, subnetFile) } }, cleanups);
    areas.push({ area, subnetFile });
  }
  for (const { area } of areas) await waitReady(area);
  return { admin, areas };
}

// startArea's config plus --public-ipv6 (and an IPv6-only host's empty --public-ip).
function configWith(prefix: string, h: { publicIP: string; publicIPv6: string }, subnetFile: string) {
  return {
    ...baseConfig(),
    subnet: { ...baseConfig().subnet, enabled: true, etcd_prefix: prefix, public_ip: h.publicIP, public_ipv6: h.publicIPv6, iface: h.publicIP === '' ? ['lo'] : [], subnet_file: subnetFile, lease_ttl: 60_000 },
  };
}

describe('dual-stack subnet leases on etcd', () => {
  it('three hosts lease IPv4 and IPv6 subnets in flannel\'s format and see each other\'s', async () => {
    const hosts = [1, 2, 3].map((i) => ({ publicIP: `192.168.50.${i}`, publicIPv6: `fd00:50::${i}` }));
    const { admin, areas } = await startHosts('/dual/network', DUAL, hosts);
    const keys = (await admin.getAll().prefix('/dual/network/subnets/').keys()).sort();
    expect(keys).toHaveLength(3);
    for (const key of keys) expect(key).toMatch(/^\/dual\/network\/subnets\/10\.5\.\d+\.0-24&fc00:0:0:[0-9a-f]+::-64$/);
    const first = areas[0]!;
    const own = first.area.ownLease()!;
    const value = await admin.get(keys.find((k) => k.includes(`${own.subnet.replace('/24', '')}-24&`))!).string();
    expect(value).toBe(`{"PublicIP":"192.168.50.1","PublicIPv6":"fd00:50::1","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"${own.vtepMAC}"},"BackendV6Data":{"VNI":1,"VtepMAC":"${own.vtepMACv6}"}}`);
    expect(own.vtepMACv6).not.toBe(own.vtepMAC);
    expect(readFileSync(first.subnetFile, 'utf8')).toBe(
      `FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=${own.subnet.replace('.0/24', '.1/24')}\nFLANNEL_IPV6_NETWORK=fc00::/48\nFLANNEL_IPV6_SUBNET=${firstUsable6(parseCidr6(own.ipv6Subnet!)!)}\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n`,
    );
    const seen = await waitFor('all three leases in the feed', () => (first.area.leases.current().length === 3 ? first.area.leases.current() : undefined));
    expect(new Set(seen.map((l) => l.ipv6Subnet)).size).toBe(3);
    expect(seen.map((l) => l.publicIPv6).sort()).toEqual(['fd00:50::1', 'fd00:50::2', 'fd00:50::3']);

    // A restart (lease kept, like a daemon's) comes back to the same pair.
    await first.area.stop(new Date(Date.now() + 3000));
    const again = await startArea({ endpoints: cluster.endpoints, prefix: '/dual/network', publicIP: hosts[0]!.publicIP, subnetFile: first.subnetFile, extra: { config: configWith('/dual/network', hosts[0]!, first.subnetFile) } }, cleanups);
    await waitReady(again);
    expect(again.ownLease()).toMatchObject({ subnet: own.subnet, ipv6Subnet: own.ipv6Subnet });
  });

  it('IPv6-only: hosts without an IPv4 subnet, keys 0.0.0.0-0&…, subnet.env with only the IPv6 pair', async () => {
    const hosts = [1, 2, 3].map((i) => ({ publicIP: '', publicIPv6: `fd00:60::${i}` }));
    const { admin, areas } = await startHosts('/v6only/network', V6ONLY, hosts);
    const keys = (await admin.getAll().prefix('/v6only/network/subnets/').keys()).sort();
    expect(keys).toHaveLength(3);
    for (const key of keys) expect(key).toMatch(/^\/v6only\/network\/subnets\/0\.0\.0\.0-0&fc00::[0-9a-f:]+-80$/);
    const own = areas[1]!.area.ownLease()!;
    expect(own).toMatchObject({ subnet: '', publicIP: '', publicIPv6: 'fd00:60::2' });
    // The MTU is the underlay's (here lo, an IPv6-only host's --iface) minus 50.
    expect(readFileSync(areas[1]!.subnetFile, 'utf8')).toMatch(
      new RegExp(`^FLANNEL_IPV6_NETWORK=fc00::/48\nFLANNEL_IPV6_SUBNET=${firstUsable6(parseCidr6(own.ipv6Subnet!)!)}\nFLANNEL_MTU=\\d+\nFLANNEL_IPMASQ=false\n$`),
    );
    const value = await admin.get(keys.find((k) => k.endsWith(`&${own.ipv6Subnet!.replace('/80', '-80')}`))!).string();
    expect(value).toBe(`{"PublicIP":"0.0.0.0","PublicIPv6":"fd00:60::2","BackendType":"vxlan","BackendV6Data":{"VNI":1,"VtepMAC":"${own.vtepMACv6}"}}`);
  });

  it('weft network init --no-ipv4 --ipv6-network writes an IPv6-only config; weft lease ls shows the IPv6 columns', async () => {
    const io = (): CommandIo & { stdout: string[]; stderr: string[] } => {
      const stdout: string[] = [];
      const stderr: string[] = [];
      return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env: {} };
    };
    const flags = ['--etcd-endpoints', cluster.endpoints[0]!, '--etcd-prefix', '/v6cli/network'];
    const init = io();
    expect(await networkInit.run(['--no-ipv4', '--ipv6-network', 'fc00:7::/48', '--ipv6-subnet-len', '64', ...flags], init)).toBe(0);
    expect(init.stdout).toEqual(['/v6cli/network/config: {"EnableIPv4":false,"EnableIPv6":true,"IPv6Network":"fc00:7::/48","IPv6SubnetLen":64,"Backend":{"Type":"vxlan"}}']);
    const dir = tempDir(cleanups);
    const h = { publicIP: '', publicIPv6: 'fd00:70::1' };
    const area = await startArea({ endpoints: cluster.endpoints, prefix: '/v6cli/network', publicIP: '', subnetFile: join(dir, 'subnet.env'), extra: { config: configWith('/v6cli/network', h, join(dir, 'subnet.env')) } }, cleanups);
    await waitReady(area);
    const ls = io();
    expect(await leaseLs.run(flags, ls)).toBe(0);
    expect(ls.stdout.join('\n')).toMatch(/^SUBNET +PUBLIC IP +IPV6 SUBNET +PUBLIC IPV6 +BACKEND +VTEP MAC +VTEP MAC V6 +EXPIRES IN\n- +- +fc00:7:0:[0-9a-f]+::\/64 +fd00:70::1 +vxlan\/1 +- +[0-9a-f:]{17} +\d+s$/);
  });
});
