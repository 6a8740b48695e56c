// Acquisition against a real etcd: many hosts at once never share a subnet and never give up, and a
// host that comes back gets its old subnet (by PublicIP, or by its subnet file).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeLease, subnetsPrefix } from '../../src/subnet/lease-codec.ts';
import { SubnetManager } from '../../src/subnet/manager.ts';
import { createSubnetMetrics } from '../../src/subnet/metrics.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { testClient } from '../harness/etcd-client.ts';
import { Cleanups, client, network16, startArea, tempDir, waitReady } from './subnet-fixture.ts';

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

async function held(c: Etcd3, prefix: string): Promise<{ subnet: string; publicIP: string }[]> {
  const kvs = await c.getAll().prefix(subnetsPrefix(prefix)).exec();
  return kvs.kvs.map((kv) => {
    const decoded = decodeLease(prefix, { key: kv.key.toString(), value: kv.value.toString(), lease: kv.lease, modRevision: 0, createRevision: 0, version: 0 });
    if (typeof decoded === 'string') throw new Error(decoded);
    return { subnet: decoded.lease.subnet, publicIP: decoded.lease.publicIP };
  });
}

describe('subnet acquisition', () => {
  it('100 hosts starting at once, 10 times over: every host gets a subnet, no two share one', async () => {
    const admin = client(cluster.endpoints, cleanups);
    // Ten clients shared by ten managers each: 100 gRPC channels per round would measure the test rig, not us.
    const clients = Array.from({ length: 10 }, () => testClient(cluster.endpoints, 5000));
    cleanups.add(() => clients.forEach((c) => c.close()));
    let racesLost = 0;
    for (let round = 0; round < 10; round++) {
      const prefix = `/race${round}/network`;
      await admin.put(`${prefix}/config`).value(network16);
      const metrics = createSubnetMetrics();
      const managers = Array.from({ length: 100 }, (_, i) => new SubnetManager({
        client: clients[i % clients.length] as Etcd3, prefix, publicIP: `192.168.${round}.${i + 1}`, ttlMs: 60_000, vtepMAC: '02:00:00:00:00:01', metrics,
      }));
      managers.forEach((m) => m.start());
      const owns = await Promise.all(managers.map((m) => m.waitForLease(30_000)));
      const subnets = owns.map((o) => o.lease.subnet);
      expect(new Set(subnets).size).toBe(100);
      const inEtcd = await held(admin, prefix);
      expect(inEtcd).toHaveLength(100);
      expect(new Set(inEtcd.map((l) => l.subnet)).size).toBe(100);
      expect(new Map(inEtcd.map((l) => [l.publicIP, l.subnet]))).toEqual(new Map(owns.map((o) => [o.lease.publicIP, o.lease.subnet])));
      racesLost += (await metrics.raceLost.get()).values[0]?.value ?? 0;
      await Promise.all(managers.map((m) => m.stop({ revoke: true })));
      expect(await held(admin, prefix)).toHaveLength(0);
    }
    // The herd really did collide (and recovered by choosing again).
    expect(racesLost).toBeGreaterThan(0);
  });

  it('lease-race-retry: two hosts wanting the same subnet; the loser picks another instead of exiting', async () => {
    // flannel gives up after 10 lost races and exits; here both hosts choose 10.5.1.0 first.
    const admin = client(cluster.endpoints, cleanups);
    await admin.put('/tie/network/config').value(network16);
    const metrics = createSubnetMetrics();
    const managers = ['10.0.0.1', '10.0.0.2'].map((publicIP) => new SubnetManager({
      client: client(cluster.endpoints, cleanups), prefix: '/tie/network', publicIP, ttlMs: 60_000, vtepMAC: '02:00:00:00:00:01', metrics, random: () => 0,
    }));
    cleanups.add(() => Promise.all(managers.map((m) => m.stop({ revoke: true }))));
    managers.forEach((m) => m.start());
    const owns = await Promise.all(managers.map((m) => m.waitForLease(10_000)));
    expect(owns.map((o) => o.lease.subnet).sort()).toEqual(['10.5.1.0/24', '10.5.2.0/24']);
    expect((await metrics.raceLost.get()).values[0]?.value).toBe(1);
  });

  it('a restarted host with the same PublicIP gets the same subnet (its lease outlived the stop)', async () => {
    const admin = client(cluster.endpoints, cleanups);
    await admin.put('/restart-ip/network/config').value(network16);
    const dir = tempDir(cleanups);
    const first = await startArea({ endpoints: cluster.endpoints, prefix: '/restart-ip/network', publicIP: '10.1.0.7', subnetFile: join(dir, 'a.env') }, cleanups);
    await waitReady(first);
    const subnet = first.ownLease()?.subnet;
    await first.stop(new Date(Date.now() + 3000));
    // No subnet file this time, and a random choice that would land elsewhere.
    const second = await startArea({ endpoints: cluster.endpoints, prefix: '/restart-ip/network', publicIP: '10.1.0.7', subnetFile: join(dir, 'b.env'), extra: { random: () => 0.77 } }, cleanups);
    await waitReady(second);
    expect(second.ownLease()?.subnet).toBe(subnet);
    expect(await held(admin, '/restart-ip/network')).toEqual([{ subnet, publicIP: '10.1.0.7' }]);
  });

  it('a restarted host whose lease is gone gets the subnet recorded in its subnet file', async () => {
    const admin = client(cluster.endpoints, cleanups);
    await admin.put('/restart-file/network/config').value(network16);
    const dir = tempDir(cleanups);
    const file = join(dir, 'subnet.env');
    const first = await startArea({ endpoints: cluster.endpoints, prefix: '/restart-file/network', publicIP: '10.1.0.8', subnetFile: file, extra: { random: () => 0.5 } }, cleanups);
    await waitReady(first);
    const subnet = first.ownLease()?.subnet;
    expect(subnet).toBe('10.5.51.0/24');
    expect(readFileSync(file, 'utf8')).toBe('FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.51.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n');
    await first.stopAndRevoke(new Date(Date.now() + 3000));
    expect(await held(admin, '/restart-file/network')).toEqual([]);
    // Even with a new PublicIP (a re-addressed host) and a random choice that would pick 10.5.1.0.
    const second = await startArea({ endpoints: cluster.endpoints, prefix: '/restart-file/network', publicIP: '10.1.0.9', subnetFile: file, extra: { random: () => 0 } }, cleanups);
    await waitReady(second);
    expect(second.ownLease()?.subnet).toBe(subnet);
  });

  it('waits for a missing network config, and for an invalid one to be fixed, without exiting', async () => {
    const admin = client(cluster.endpoints, cleanups);
    const dir = tempDir(cleanups);
    const area = await startArea({ endpoints: cluster.endpoints, prefix: '/late/network', publicIP: '10.1.0.10', subnetFile: join(dir, 'subnet.env') }, cleanups);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(area.ready()).toBe(false);
    expect(area.notReadyReason?.()).toMatch(/no network config at \/late\/network\/config/);
    await admin.put('/late/network/config').value('{"Network":"10.5.0.0/16","SubnetLen":33,"Backend":{"Type":"vxlan"}}');
    await waitReadyReason(area, /SubnetLen 33 is too long/);
    await admin.put('/late/network/config').value('{"Network":"10.7.0.0/16","Backend":{"Type":"vxlan"}}');
    await waitReady(area, 15_000);
    expect(area.ownLease()?.subnet).toMatch(/^10\.7\.\d+\.0\/24$/);
  });
});

async function waitReadyReason(area: { notReadyReason?: () => string | undefined }, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!pattern.test(area.notReadyReason?.() ?? '')) {
    if (Date.now() > deadline) throw new Error(`not-ready reason never matched ${pattern}: ${area.notReadyReason?.()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
