// Wire compatibility with flannel (>= v0.18, etcd v3): what flannel writes, weft reads; what weft
// writes is what flannel writes, byte for byte; and garbage beside good leases hurts nobody.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Lease, LeaseEvent } from '../../src/subnet/index.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { Cleanups, client, network16, startArea, tempDir, waitFor, waitReady } from './subnet-fixture.ts';

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

// Exactly what flannel v0.2x's json.Marshal(LeaseAttrs) puts at /coreos.com/network/subnets/10.5.34.0-24.
const flannelValue = '{"PublicIP":"172.31.4.20","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"ba:5e:11:2f:4c:0d"}}';

describe('flannel wire compatibility', () => {
  it('emits a lease written exactly as flannel writes it; a garbage key beside it is ignored and the good peers stay', async () => {
    const admin = client(cluster.endpoints, cleanups);
    const prefix = '/compat1/network';
    await admin.put(`${prefix}/config`).value(network16);
    const flannelLease = admin.lease(3600);
    cleanups.add(() => flannelLease.revoke().catch(() => undefined));
    await flannelLease.put(`${prefix}/subnets/10.5.34.0-24`).value(flannelValue);
    await admin.put(`${prefix}/subnets/not-a-subnet`).value('hello');
    await admin.put(`${prefix}/subnets/10.5.35.0-24`).value('{"PublicIP":');
    const dir = tempDir(cleanups);
    const area = await startArea({ endpoints: cluster.endpoints, prefix, publicIP: '172.31.4.21', subnetFile: join(dir, 'subnet.env') }, cleanups);
    const events: LeaseEvent[] = [];
    area.leases.subscribe((e) => events.push(e));
    await waitReady(area);
    const flannel = area.leases.current().find((l) => l.subnet === '10.5.34.0/24');
    expect(flannel).toMatchObject({ subnet: '10.5.34.0/24', publicIP: '172.31.4.20', backendType: 'vxlan', vni: 1, vtepMAC: 'ba:5e:11:2f:4c:0d' });
    const expiresIn = (flannel?.expires?.getTime() ?? 0) - Date.now();
    expect(expiresIn).toBeGreaterThan(3500_000);
    expect(expiresIn).toBeLessThanOrEqual(3600_000);
    // Our own lease avoided the subnets held (and the one whose value is broken).
    const own = area.ownLease()?.subnet;
    expect(own).not.toBe('10.5.34.0/24');
    expect(own).not.toBe('10.5.35.0/24');
    expect(area.leases.current().map((l) => l.subnet).sort()).toEqual([own, '10.5.34.0/24'].sort());

    // More garbage while running: a bad key, and a good key overwritten with a bad value.
    const seen = events.length;
    await admin.put(`${prefix}/subnets/10.5.36.0-24x`).value(flannelValue);
    await admin.put(`${prefix}/subnets/10.5.34.0-24`).value('{"PublicIP":"nope","BackendType":"vxlan"}');
    await admin.put(`${prefix}/subnets/10.5.37.0-24`).value('{"PublicIP":"172.31.4.22","PublicIPv6":null,"BackendType":"host-gw"}');
    await waitFor('the host-gw lease', () => area.leases.current().find((l) => l.subnet === '10.5.37.0/24'));
    expect(events.slice(seen).map((e) => e.type)).toEqual(['added']);
    expect(area.leases.current().find((l) => l.subnet === '10.5.34.0/24')?.publicIP).toBe('172.31.4.20');
    expect(area.leases.current().find((l) => l.subnet === '10.5.37.0/24')).toMatchObject({ backendType: 'host-gw', vni: 0, vtepMAC: '' });
    expect(await area.metrics.getSingleMetricAsString('weft_subnet_malformed_keys_total')).toMatch(/ 4$/);

    // Deleting the flannel host's key removes exactly that lease.
    await admin.delete().key(`${prefix}/subnets/10.5.34.0-24`).exec();
    const removed = await waitFor('the removal', () => events.find((e): e is Extract<LeaseEvent, { type: 'removed' }> => e.type === 'removed'));
    expect(removed.lease.subnet).toBe('10.5.34.0/24');
    expect(area.leases.current().map((l) => l.subnet).sort()).toEqual([own, '10.5.37.0/24'].sort());
  });

  it('writes its own lease byte for byte as flannel does, on an etcd lease with the configured TTL', async () => {
    const admin = client(cluster.endpoints, cleanups);
    const prefix = '/compat2/network';
    await admin.put(`${prefix}/config`).value('{"Network":"10.8.0.0/16","Backend":{"Type":"vxlan","VNI":4096}}');
    const dir = tempDir(cleanups);
    const area = await startArea({
      endpoints: cluster.endpoints, prefix, publicIP: '172.31.9.1', subnetFile: join(dir, 'subnet.env'), ttlMs: 7_200_000,
      extra: { vtepMAC: '0E:9C:D4:1A:2B:3C', random: () => 0 },
    }, cleanups);
    await waitReady(area);
    const kv = (await admin.get(`${prefix}/subnets/10.8.1.0-24`).exec()).kvs[0];
    expect(kv?.value.toString()).toBe('{"PublicIP":"172.31.9.1","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":4096,"VtepMAC":"0e:9c:d4:1a:2b:3c"}}');
    const ttl = await admin.leaseClient.leaseTimeToLive({ ID: kv?.lease ?? '0' });
    expect(Number(ttl.grantedTTL)).toBe(7200);
    expect(area.ownLease()).toMatchObject({ subnet: '10.8.1.0/24', publicIP: '172.31.9.1', backendType: 'vxlan', vni: 4096, vtepMAC: '0e:9c:d4:1a:2b:3c' });

    // The overlay hands over its real VTEP MAC later: the lease is rewritten in place, same key, same etcd lease.
    const owns: (Lease | undefined)[] = [];
    area.onOwnLease((l) => owns.push(l));
    await area.setVtepMAC('02:42:0a:08:01:00');
    const after = (await admin.get(`${prefix}/subnets/10.8.1.0-24`).exec()).kvs[0];
    expect(after?.value.toString()).toBe('{"PublicIP":"172.31.9.1","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":4096,"VtepMAC":"02:42:0a:08:01:00"}}');
    expect(after?.lease).toBe(kv?.lease);
    expect(owns.map((l) => l?.vtepMAC)).toEqual(['02:42:0a:08:01:00']);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // a verify round and the watch event pass without a false loss
    expect(await area.metrics.getSingleMetricAsString('weft_subnet_reacquisitions_total')).not.toMatch(/cause=/);
  });

  it("keeps a flannel reservation (a key without an etcd lease) a reservation: value rewritten, never put on a lease", async () => {
    const admin = client(cluster.endpoints, cleanups);
    const prefix = '/compat3/network';
    await admin.put(`${prefix}/config`).value(network16);
    // flannel's Documentation/reservations.md: `etcdctl put` of the key without --lease.
    await admin.put(`${prefix}/subnets/10.5.77.0-24`).value('{"PublicIP":"172.31.5.1","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"ba:5e:11:2f:4c:0d"}}');
    const dir = tempDir(cleanups);
    const area = await startArea({ endpoints: cluster.endpoints, prefix, publicIP: '172.31.5.1', subnetFile: join(dir, 'subnet.env'), extra: { vtepMAC: '0e:9c:d4:1a:2b:3c' } }, cleanups);
    await waitReady(area);
    expect(area.ownLease()).toMatchObject({ subnet: '10.5.77.0/24', vtepMAC: '0e:9c:d4:1a:2b:3c' });
    const kv = (await admin.get(`${prefix}/subnets/10.5.77.0-24`).exec()).kvs[0];
    expect(kv?.lease).toBe('0');
    expect(kv?.value.toString()).toContain('"VtepMAC":"0e:9c:d4:1a:2b:3c"');
    // The host leaves for good (its etcd lease revoked): the reservation is still there, unchanged.
    await area.stopAndRevoke(new Date(Date.now() + 5_000));
    const after = (await admin.get(`${prefix}/subnets/10.5.77.0-24`).exec()).kvs[0];
    expect(after).toMatchObject({ lease: '0', mod_revision: kv?.mod_revision });
  });
});
