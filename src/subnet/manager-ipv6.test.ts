// The subnet manager with EnableIPv6 (a dual-stack lease: flannel's key "<v4>-<len>&<v6>-<len>"
// and both sides in the value) and with EnableIPv4 false (IPv6-only: key "0.0.0.0-0&<v6>-<len>"),
// on the in-memory registry. Against a real etcd: test/integration/subnet-dualstack.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryKeyspace } from '../etcd/index.ts';
import { formatNet6, parseCidr6 } from '../net/index.ts';
import { configKey, subnetsPrefix } from './lease-codec.ts';
import { SubnetManager, type SubnetManagerSettings } from './manager.ts';
import { createMemoryRegistry } from './memory-registry.ts';

const PREFIX = '/test/network/';
const DUAL = '{"Network":"10.5.0.0/16","EnableIPv6":true,"IPv6Network":"fc00::/48","Backend":{"Type":"vxlan","VNI":1}}';
const V6ONLY = '{"EnableIPv4":false,"EnableIPv6":true,"IPv6Network":"fc00::/48","Backend":{"Type":"vxlan","VNI":1}}';

const managers: SubnetManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.stop({ deadline: new Date(Date.now() + 1000) });
});

function keyspaceWith(config: string): MemoryKeyspace {
  const keyspace = new MemoryKeyspace();
  keyspace.put(configKey(PREFIX), config);
  return keyspace;
}

function host(keyspace: MemoryKeyspace, settings: Partial<SubnetManagerSettings>): SubnetManager {
  const mgr = new SubnetManager({
    registry: createMemoryRegistry(keyspace), prefix: PREFIX, publicIP: '10.0.0.1', ttlMs: 10_000, vtepMAC: '02:00:00:00:00:01',
    random: () => 0, verifyIntervalMs: 60_000, ...settings,
  });
  managers.push(mgr);
  mgr.start();
  return mgr;
}

describe('subnet manager with IPv6', () => {
  it('leases both subnets under one key in flannel\'s dual-stack format', async () => {
    const keyspace = keyspaceWith(DUAL);
    const own = await host(keyspace, { publicIPv6: 'fd00::1', vtepMACv6: '02:00:00:00:00:61' }).waitForLease(5000);
    expect(own.key).toBe(`${subnetsPrefix(PREFIX)}10.5.1.0-24&fc00:0:0:1::-64`);
    expect(keyspace.get(own.key)?.value).toBe('{"PublicIP":"10.0.0.1","PublicIPv6":"fd00::1","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"02:00:00:00:00:01"},"BackendV6Data":{"VNI":1,"VtepMAC":"02:00:00:00:00:61"}}');
    expect(own.lease).toMatchObject({ subnet: '10.5.1.0/24', ipv6Subnet: 'fc00:0:0:1::/64', publicIPv6: 'fd00::1', vtepMACv6: '02:00:00:00:00:61' });
  });

  it('gives three dual-stack hosts three different pairs, and a restart the same pair', async () => {
    const keyspace = keyspaceWith(DUAL);
    const owns = [];
    for (const i of [1, 2, 3]) owns.push(await host(keyspace, { publicIP: `10.0.0.${i}`, publicIPv6: `fd00::${i}` }).waitForLease(5000));
    expect(owns.map((o) => o.lease.ipv6Subnet)).toEqual(['fc00:0:0:1::/64', 'fc00:0:0:2::/64', 'fc00:0:0:3::/64']);
    await managers.splice(1, 1)[0]?.stop({ deadline: new Date(Date.now() + 1000) });
    const again = await host(keyspace, { publicIP: '10.0.0.2', publicIPv6: 'fd00::2' }).waitForLease(5000);
    expect(again.key).toBe(owns[1]?.key);
  });

  it('replaces its IPv4-only lease by a dual-stack one once the config enables IPv6', async () => {
    const keyspace = keyspaceWith(DUAL);
    keyspace.put(`${subnetsPrefix(PREFIX)}10.5.7.0-24`, '{"PublicIP":"10.0.0.1","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"02:00:00:00:00:01"}}');
    const own = await host(keyspace, { publicIPv6: 'fd00::1', previousSubnet6: () => parseCidr6('fc00:0:0:9::/64') }).waitForLease(5000);
    expect(keyspace.get(`${subnetsPrefix(PREFIX)}10.5.7.0-24`)).toBeUndefined();
    expect(own.subnet6 === undefined ? undefined : formatNet6(own.subnet6)).toBe('fc00:0:0:1::/64');
  });

  it('leases IPv6-only subnets under flannel\'s 0.0.0.0-0 key, many hosts side by side', async () => {
    const keyspace = keyspaceWith(V6ONLY);
    const a = await host(keyspace, { publicIP: '', publicIPv6: 'fd00::1' }).waitForLease(5000);
    const b = await host(keyspace, { publicIP: '', publicIPv6: 'fd00::2' }).waitForLease(5000);
    expect([a.key, b.key]).toEqual([`${subnetsPrefix(PREFIX)}0.0.0.0-0&fc00:0:0:1::-64`, `${subnetsPrefix(PREFIX)}0.0.0.0-0&fc00:0:0:2::-64`]);
    expect(keyspace.get(a.key)?.value).toBe('{"PublicIP":"0.0.0.0","PublicIPv6":"fd00::1","BackendType":"vxlan","BackendV6Data":{"VNI":1,"VtepMAC":"02:00:00:00:00:01"}}');
    expect(b.lease).toMatchObject({ subnet: '', publicIP: '', ipv6Subnet: 'fc00:0:0:2::/64', publicIPv6: 'fd00::2' });
  });

  it('does not lease while the config enables IPv6 and the host has no IPv6 address', async () => {
    const mgr = host(keyspaceWith(DUAL), {});
    await expect(mgr.waitForLease(300)).rejects.toThrow(/enables IPv6 but this host has no IPv6 underlay address/);
  });
});
