// Losing the own lease and getting it back: a key deleted by hand, and etcd gone for longer than the
// lease TTL. In both cases the host ends up with the same subnet again and the manager never exits.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEtcd } from '../harness/etcd.ts';
import { deleteWithRetry, putWithRetry } from '../harness/etcd-client.ts';
import { TcpProxy } from '../harness/tcp-proxy.ts';
import { Cleanups, client, network16, startArea, tempDir, waitFor, waitReady } from './subnet-fixture.ts';

const cleanups = new Cleanups();
afterEach(async () => {
  await cleanups.run();
});

async function metric(area: { metrics: { getSingleMetricAsString(name: string): Promise<string> } }, name: string): Promise<string> {
  return area.metrics.getSingleMetricAsString(name);
}

describe('own lease loss and recovery', () => {
  it('a lease key deleted by hand is re-acquired within seconds, same subnet', async () => {
    const cluster = await startEtcd();
    cleanups.add(() => cluster.destroy());
    const admin = client(cluster.endpoints, cleanups);
    await admin.put('/coreos.com/network/config').value(network16);
    const dir = tempDir(cleanups);
    const area = await startArea({ endpoints: cluster.endpoints, prefix: '/coreos.com/network', publicIP: '10.2.0.1', subnetFile: join(dir, 'subnet.env') }, cleanups);
    await waitReady(area);
    const own = area.ownLease();
    const key = `/coreos.com/network/subnets/${own?.subnet.replace('/', '-')}`;
    const before = await admin.get(key).exec();
    const deletedAt = Date.now();
    await admin.delete().key(key).exec();
    const back = await waitFor('the key back in etcd', async () => {
      const now = await admin.get(key).exec();
      const kv = now.kvs[0];
      return kv !== undefined && Number(kv.create_revision) > Number(before.kvs[0]?.create_revision) ? kv : undefined;
    }, 5000);
    expect(Date.now() - deletedAt).toBeLessThan(5000);
    expect(JSON.parse(back.value.toString())).toMatchObject({ PublicIP: '10.2.0.1' });
    await waitReady(area);
    expect(area.ownLease()?.subnet).toBe(own?.subnet);
    expect(await metric(area, 'weft_subnet_reacquisitions_total')).toMatch(/cause="key_deleted"} 1/);
  });

  it('etcd stopped for longer than the lease TTL, then started: the same subnet again, the manager never exited', async () => {
    const cluster = await startEtcd();
    cleanups.add(() => cluster.destroy());
    const admin = client(cluster.endpoints, cleanups);
    await admin.put('/coreos.com/network/config').value(network16);
    // Another host, so that the subnet space is not empty and a random choice could go elsewhere.
    await putWithRetry(admin, '/coreos.com/network/subnets/10.5.9.0-24', '{"PublicIP":"10.2.0.9","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"02:00:00:00:00:09"}}');
    const dir = tempDir(cleanups);
    const file = join(dir, 'subnet.env');
    const area = await startArea({ endpoints: cluster.endpoints, prefix: '/coreos.com/network', publicIP: '10.2.0.2', subnetFile: file, ttlMs: 2000 }, cleanups);
    await waitReady(area);
    const subnet = area.ownLease()?.subnet;
    const member = cluster.members[0];
    if (member === undefined) throw new Error('no member');
    await member.stop();
    // Twice the TTL and more: the etcd3 client gives the lease up as lost after 2 x TTL without a keep-alive.
    await new Promise((resolve) => setTimeout(resolve, 5500));
    expect(area.ownLease()).toBeUndefined();
    await member.start();
    await waitReady(area, 20_000);
    expect(area.ownLease()?.subnet).toBe(subnet);
    // And it stays: the key outlives several TTLs on the new lease.
    await new Promise((resolve) => setTimeout(resolve, 4500));
    const kvs = await admin.getAll().prefix('/coreos.com/network/subnets/').strings();
    expect(kvs[`/coreos.com/network/subnets/${subnet?.replace('/', '-')}`]).toMatch(/"PublicIP":"10.2.0.2"/);
    expect(area.ownLease()?.subnet).toBe(subnet);
    expect(readFileSync(file, 'utf8')).toContain(`FLANNEL_SUBNET=${subnet?.replace('.0/', '.1/')}`);
    expect(await metric(area, 'weft_subnet_reacquisitions_total')).toMatch(/cause="lease_lost"} [1-9]/);
    expect(await metric(area, 'weft_subnet_lease_renewals_total')).toMatch(/weft_subnet_lease_renewals_total [1-9]/);
  });

  it('cut off from a running etcd until the lease really expires: the key goes, then the same subnet is taken again', async () => {
    const cluster = await startEtcd();
    cleanups.add(() => cluster.destroy());
    const admin = client(cluster.endpoints, cleanups);
    await admin.put('/coreos.com/network/config').value(network16);
    const target = new URL(cluster.endpoint);
    const proxy = await new TcpProxy({ host: target.hostname, port: Number(target.port) }).listen();
    cleanups.add(() => proxy.close());
    const dir = tempDir(cleanups);
    const area = await startArea({ endpoints: [proxy.endpoint], prefix: '/coreos.com/network', publicIP: '10.2.0.4', subnetFile: join(dir, 'subnet.env'), ttlMs: 2000 }, cleanups);
    await waitReady(area);
    const subnet = area.ownLease()?.subnet ?? '';
    const key = `/coreos.com/network/subnets/${subnet.replace('/', '-')}`;
    proxy.cut();
    // etcd itself expires the lease (it is up, and nobody keeps the lease alive).
    await waitFor('the key to expire in etcd', async () => ((await admin.get(key).exec()).kvs.length === 0 ? true : undefined), 10_000);
    proxy.restore();
    await waitFor('the key back', async () => ((await admin.get(key).string()) ?? undefined), 20_000);
    await waitReady(area, 20_000);
    expect(area.ownLease()?.subnet).toBe(subnet);
    expect(JSON.parse((await admin.get(key).string()) ?? '{}')).toMatchObject({ PublicIP: '10.2.0.4' });
  });

  it('a key taken over by another host: this host moves to a free subnet and the watch says so', async () => {
    const cluster = await startEtcd();
    cleanups.add(() => cluster.destroy());
    const admin = client(cluster.endpoints, cleanups);
    await admin.put('/coreos.com/network/config').value(network16);
    const dir = tempDir(cleanups);
    const area = await startArea({ endpoints: cluster.endpoints, prefix: '/coreos.com/network', publicIP: '10.2.0.3', subnetFile: join(dir, 'subnet.env') }, cleanups);
    await waitReady(area);
    const subnet = area.ownLease()?.subnet ?? '';
    const key = `/coreos.com/network/subnets/${subnet.replace('/', '-')}`;
    const lease = admin.lease(30);
    cleanups.add(() => lease.revoke().catch(() => undefined));
    await lease.put(key).value('{"PublicIP":"10.2.0.99","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"02:00:00:00:00:99"}}');
    await waitFor('a new subnet', () => (area.ownLease() !== undefined && area.ownLease()?.subnet !== subnet ? true : undefined), 10_000);
    await waitReady(area);
    expect(area.leases.current().find((l) => l.subnet === subnet)?.publicIP).toBe('10.2.0.99');
    expect(await metric(area, 'weft_subnet_reacquisitions_total')).toMatch(/cause="key_taken"} 1/);
    await deleteWithRetry(admin, key);
  });
});
