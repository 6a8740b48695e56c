// Keys attached to the host lease must outlive etcd outages and lease loss while the daemon lives,
// and disappear when it stops.
import { afterEach, describe, expect, it } from 'vitest';
import { HostLease } from '../../src/etcd/host-lease.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { testClient } from '../harness/etcd-client.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(ttl: number): Promise<{ cluster: EtcdCluster; lease: HostLease; reader: ReturnType<typeof testClient> }> {
  const cluster = await startEtcd();
  cleanups.push(() => cluster.destroy());
  const client = testClient(cluster.endpoints);
  const reader = testClient(cluster.endpoints);
  cleanups.push(() => client.close(), () => reader.close());
  const lease = new HostLease(client, { ttl });
  cleanups.push(() => lease.stop({ revoke: false }));
  await lease.start();
  return { cluster, lease, reader };
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const begun = Date.now();
  while (!(await check().catch(() => false))) {
    if (Date.now() - begun > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - begun;
}

describe('host lease', () => {
  it('attaches keys to one lease and removes them when revoked on stop', async () => {
    const { lease, reader } = await setup(5000);
    await lease.put('/weft/t/a', '1');
    await lease.put('/weft/t/b', '2');
    const a = await reader.get('/weft/t/a').exec();
    expect(a.kvs[0]?.lease).toBe(lease.id());
    await lease.stop({ revoke: true });
    expect(await reader.getAll().prefix('/weft/t/').keys()).toEqual([]);
  });

  it('re-grants and writes every key again after etcd was away longer than the TTL', async () => {
    const { cluster, lease, reader } = await setup(2000);
    await lease.put('/weft/t/a', '1');
    await lease.put('/weft/t/b', '2');
    const firstId = lease.id();
    const member = cluster.members[0]!;
    await member.stop();
    await new Promise((resolve) => setTimeout(resolve, 5000));
    await member.start();
    // etcd restores the lease with a fresh TTL on restart, then expires it when nobody renews it in
    // time; either way the keys must end up present under a lease that is alive.
    const took = await until(async () => {
      const values = await reader.getAll().prefix('/weft/t/').strings();
      return values['/weft/t/a'] === '1' && values['/weft/t/b'] === '2' && lease.id() !== undefined;
    }, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 5000)); // > TTL: the keys must still be there
    const values = await reader.getAll().prefix('/weft/t/').strings();
    expect(values).toEqual({ '/weft/t/a': '1', '/weft/t/b': '2' });
    const attached = (await reader.get('/weft/t/a').exec()).kvs[0]?.lease;
    expect(attached).toBe(lease.id());
    process.stdout.write(`host lease: keys present ${took} ms after etcd returned (lease ${firstId} -> ${lease.id()})\n`);
  });

  it('re-grants after someone revokes the lease, and puts the keys back', async () => {
    const { lease, reader } = await setup(3000);
    await lease.put('/weft/t/x', 'x');
    const firstId = lease.id()!;
    await reader.lease(1).revoke().catch(() => undefined); // an unrelated lease: nothing may change
    await reader.leaseClient.leaseRevoke({ ID: firstId });
    expect(await reader.get('/weft/t/x').string()).toBeNull();
    await until(async () => (await reader.get('/weft/t/x').string()) === 'x', 10_000);
    expect(lease.id()).not.toBe(firstId);
    expect(lease.status().grants).toBe(2);
  });
});
