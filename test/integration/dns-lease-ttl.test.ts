// TTLs of leased keys as CoreDNS computes them (plugin/etcd/etcd.go, TTL): the smaller of the
// value's ttl and the lease's remaining TTL clamped to [min_lease_ttl, max_lease_ttl], asked with
// dig against the real server on a real etcd (main thread and a worker thread).
import type { Etcd3, Lease } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DnsArea } from '../../src/dns/index.ts';
import { dig, startDns } from '../dns/harness.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { testClient } from '../harness/etcd-client.ts';

let etcd: EtcdCluster;
let client: Etcd3;
const leases: Lease[] = [];
const areas: DnsArea[] = [];

async function leased(ttlSeconds: number, records: Record<string, unknown>): Promise<Lease> {
  const lease = client.lease(ttlSeconds, { autoKeepAlive: false });
  leases.push(lease);
  for (const [key, value] of Object.entries(records)) await lease.put(`/skydns/internal/weft/${key}`).value(JSON.stringify(value)).exec();
  return lease;
}

async function ttlOf(port: number, name: string): Promise<number> {
  const got = await dig(`${name}.weft.internal`, 'A', { port });
  expect(got.answer).toHaveLength(1);
  return Number(got.answer[0]?.split(' ')[1]);
}

beforeAll(async () => {
  etcd = await startEtcd();
  client = testClient(etcd.endpoints);
  await leased(120, { plain: { host: '10.9.0.1' }, short: { host: '10.9.0.2', ttl: 60 }, long: { host: '10.9.0.3', ttl: 3000 } });
  await leased(15, { tiny: { host: '10.9.0.4' } });
  await leased(7200, { huge: { host: '10.9.0.5' } });
  await client.put('/skydns/internal/weft/nolease').value('{"host":"10.9.0.6"}').exec();
});

afterAll(async () => {
  for (const area of areas) await area.stop();
  for (const lease of leases) await lease.revoke().catch(() => undefined);
  client?.close();
  await etcd?.destroy();
});

describe('answers for leased keys carry the lease TTL', () => {
  it.each([
    { workers: 0, title: 'main thread' },
    { workers: 1, title: 'with a worker thread' },
  ])('$title', async ({ workers }) => {
    const { area, port } = await startDns(client, { min_lease_ttl: 30_000, max_lease_ttl: 3_600_000, workers });
    areas.push(area);
    // Lease TTLs are asked right after the snapshot; wait until answers show them.
    await vi.waitFor(async () => expect(await ttlOf(port, 'plain')).toBeLessThanOrEqual(120), { timeout: 5000, interval: 50 });
    for (let i = 0; i < (workers > 0 ? 8 : 1); i++) {
      const plain = await ttlOf(port, 'plain');
      expect(plain).toBeLessThanOrEqual(120); // the lease's remaining TTL, not the default 300
      expect(plain).toBeGreaterThan(90);
      expect(await ttlOf(port, 'short')).toBe(60); // the value's ttl is smaller
      expect(await ttlOf(port, 'long')).toBeLessThanOrEqual(120); // the lease is smaller than ttl 3000
      expect(await ttlOf(port, 'tiny')).toBe(30); // clamped up to min_lease_ttl
      expect(await ttlOf(port, 'huge')).toBe(3600); // clamped down to max_lease_ttl
      expect(await ttlOf(port, 'nolease')).toBe(300); // no lease: the default
    }
  });

  it('a key put later under a lease answers with that lease TTL, and status counts the leases', async () => {
    const { area, port } = await startDns(client);
    areas.push(area);
    await leased(200, { later: { host: '10.9.0.7' } });
    await vi.waitFor(async () => expect(await ttlOf(port, 'later')).toBeLessThanOrEqual(200), { timeout: 5000, interval: 50 });
    expect(await ttlOf(port, 'later')).toBeGreaterThan(150);
    expect((area.status() as { leaseTtls: { leases: number } }).leaseTtls.leases).toBeGreaterThanOrEqual(4);
  });
});
