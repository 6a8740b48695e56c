// The subnet manager's race logic on the in-memory registry (a fake etcd with revisions, TTL leases
// and compare-and-swap, held to etcd's behaviour by registry.suite.ts): lost races, leases lost and
// re-acquired, keys deleted or taken by hand, renewals. The same manager against a real etcd:
// test/integration/subnet-acquire.test.ts and subnet-recovery.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { MemoryKeyspace, MemoryPrefixWatch } from '../etcd/index.ts';
import { configKey, decodeLeaseValue, subnetsPrefix } from './lease-codec.ts';
import { SubnetManager, type LossCause, type OwnLease, type SubnetManagerSettings } from './manager.ts';
import { createMemoryRegistry } from './memory-registry.ts';
import { createSubnetMetrics, type SubnetMetrics } from './metrics.ts';
import type { LeaseRegistry } from './registry.ts';

const PREFIX = '/test/network/';
const TTL_MS = 10_000;
const keyOf = (third: number): string => `${subnetsPrefix(PREFIX)}10.5.${third}.0-24`;
const leaseValue = (publicIP: string): string => JSON.stringify({ PublicIP: publicIP, BackendType: 'vxlan', BackendData: { VNI: 1, VtepMAC: '02:00:00:00:00:99' } });

interface Host {
  mgr: SubnetManager;
  watch: MemoryPrefixWatch | undefined;
  acquired: OwnLease[];
  lost: LossCause[];
  metrics: SubnetMetrics;
}

let keyspace: MemoryKeyspace;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function freshKeyspace(): MemoryKeyspace {
  keyspace = new MemoryKeyspace();
  keyspace.put(configKey(PREFIX), '{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan","VNI":1}}');
  return keyspace;
}

/** A manager on the memory registry, fed by a prefix watch the way the subnet area feeds it. */
async function startHost(publicIP: string, over: Partial<SubnetManagerSettings> & { registry?: LeaseRegistry; watch?: boolean } = {}): Promise<Host> {
  const metrics = createSubnetMetrics(new Registry());
  const acquired: OwnLease[] = [];
  const lost: LossCause[] = [];
  const { registry = createMemoryRegistry(keyspace), watch: withWatch = true, ...settings } = over;
  const mgr = new SubnetManager({
    registry, prefix: PREFIX, publicIP, ttlMs: TTL_MS, vtepMAC: '02:00:00:00:00:01', metrics, random: () => 0, verifyIntervalMs: 60_000,
    onAcquired: (own) => void acquired.push(own), onLost: (_own, cause) => void lost.push(cause), ...settings,
  });
  const watch = withWatch
    ? new MemoryPrefixWatch(keyspace, subnetsPrefix(PREFIX), {
      snapshot: (items, revision) => mgr.observeSnapshot(items, revision),
      put: (item) => mgr.observePut(item),
      delete: (key, revision) => mgr.observeDelete(key, revision),
    })
    : undefined;
  mgr.start();
  await watch?.start();
  cleanups.push(async () => {
    await mgr.stop({ deadline: new Date(Date.now() + 1000) });
    await watch?.stop();
  });
  return { mgr, watch, acquired, lost, metrics };
}

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const count = async (c: { get(): Promise<{ values: { value: number; labels: object }[] }> }, labels: object = {}): Promise<number> =>
  (await c.get()).values.filter((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x)).reduce((n, v) => n + v.value, 0);

/** Lets each gated call wait until `release()` (to line two hosts up on one write). */
function gate<K extends keyof LeaseRegistry>(registry: LeaseRegistry, method: K, before?: () => void) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let arrived = 0;
  const original = registry[method] as (...args: unknown[]) => Promise<unknown>;
  const gated = { ...registry, [method]: async (...args: unknown[]) => {
    arrived += 1;
    await opened;
    before?.();
    return original(...args);
  } };
  return { registry: gated, arrived: () => arrived, release: () => open() };
}

describe('subnet manager on the in-memory registry', () => {
  it('acquires the first free subnet on an etcd lease of its own, PublicIP and VTEP MAC in the value', async () => {
    freshKeyspace();
    const h = await startHost('10.0.0.1');
    const own = await h.mgr.waitForLease(5000);
    expect(own.key).toBe(keyOf(1));
    const kv = keyspace.get(own.key)!;
    expect(kv).toMatchObject({ lease: own.etcdLease, modRevision: own.revision });
    expect(decodeLeaseValue(kv.value)).toMatchObject({ publicIP: '10.0.0.1', vtepMAC: '02:00:00:00:00:01', vni: 1 });
    expect(keyspace.timeToLive(own.etcdLease)).toBe(TTL_MS / 1000);
    expect(h.acquired).toHaveLength(1);
    expect(await count(h.metrics.acquisitions, { reason: 'random' })).toBe(1);
  });

  it('two hosts wanting one subnet: one create-only write wins, the loser counts the race and takes the next', async () => {
    freshKeyspace();
    const shared = gate(createMemoryRegistry(keyspace), 'createOnLease');
    const a = await startHost('10.0.0.1', { registry: shared.registry });
    const b = await startHost('10.0.0.2', { registry: shared.registry });
    await waitFor('both hosts at the write', () => shared.arrived() >= 2);
    shared.release();
    const [ownA, ownB] = await Promise.all([a.mgr.waitForLease(5000), b.mgr.waitForLease(5000)]);
    expect(new Set([ownA.key, ownB.key])).toEqual(new Set([keyOf(1), keyOf(2)]));
    expect((await count(a.metrics.raceLost)) + (await count(b.metrics.raceLost))).toBe(1);
    // The loser's first etcd lease is revoked, not left to expire with nothing on it.
    await waitFor('the losing lease revoked', () => keyspace.range(subnetsPrefix(PREFIX)).items.length === 2 && [ownA, ownB].every((o) => keyspace.get(o.key)?.lease === o.etcdLease));
  });

  it('a host that restarts gets its subnet back by PublicIP: the key moves onto its new lease', async () => {
    freshKeyspace();
    const old = keyspace.grant(60);
    const revision = keyspace.put(keyOf(7), leaseValue('10.0.0.1'), old);
    const h = await startHost('10.0.0.1');
    const own = await h.mgr.waitForLease(5000);
    expect(own.key).toBe(keyOf(7));
    expect(own.etcdLease).not.toBe(old);
    expect(keyspace.get(keyOf(7))).toMatchObject({ lease: own.etcdLease, createRevision: revision });
    expect(await count(h.metrics.acquisitions, { reason: 'reuse' })).toBe(1);
  });

  it('a reservation (our PublicIP on a key without an etcd lease) stays a reservation: rewritten without a TTL, outliving us', async () => {
    freshKeyspace();
    keyspace.put(keyOf(7), leaseValue('10.0.0.1'));
    const h = await startHost('10.0.0.1');
    const own = await h.mgr.waitForLease(5000);
    expect(own).toMatchObject({ key: keyOf(7), etcdLease: '0' });
    expect(own.lease.expires).toBeUndefined();
    expect(keyspace.get(keyOf(7))).toMatchObject({ lease: '0', modRevision: own.revision });
    expect(decodeLeaseValue(keyspace.get(keyOf(7))!.value)).toMatchObject({ vtepMAC: '02:00:00:00:00:01' });
    expect(await count(h.metrics.acquisitions, { reason: 'reservation' })).toBe(1);
    // Many TTLs later, and after a revoking stop: still there, still no lease, never counted lost.
    keyspace.advance(5 * TTL_MS);
    await h.mgr.setVtepMAC('02:00:00:00:00:aa');
    expect(keyspace.get(keyOf(7))).toMatchObject({ lease: '0' });
    expect(decodeLeaseValue(keyspace.get(keyOf(7))!.value)).toMatchObject({ vtepMAC: '02:00:00:00:00:aa' });
    expect(h.lost).toEqual([]);
    await h.mgr.stop({ revoke: true });
    keyspace.advance(2 * TTL_MS);
    expect(keyspace.get(keyOf(7))).toMatchObject({ lease: '0' });
  });

  it('a lease an operator turns into a reservation (etcdctl put without --lease) is taken as one, and the key survives', async () => {
    freshKeyspace();
    const h = await startHost('10.0.0.1');
    const first = await h.mgr.waitForLease(5000);
    keyspace.put(first.key, keyspace.get(first.key)!.value);
    const again = await waitFor('taken as a reservation', () => h.acquired[1]);
    expect(again).toMatchObject({ key: first.key, etcdLease: '0' });
    // Our old etcd lease is revoked once the reservation is held; the key is no longer on it.
    keyspace.advance(3 * TTL_MS);
    expect(keyspace.get(first.key)).toMatchObject({ lease: '0' });
    expect(await count(h.metrics.acquisitions, { reason: 'reservation' })).toBe(1);
  });

  it('a reuse whose compare-and-swap loses (the key changed after the listing) chooses again', async () => {
    freshKeyspace();
    keyspace.put(keyOf(7), leaseValue('10.0.0.1'));
    const other = keyspace.grant(60);
    // Between our listing and our write, another host takes the key over.
    const g = gate(createMemoryRegistry(keyspace), 'replaceOnLease', () => void keyspace.put(keyOf(7), leaseValue('10.0.0.9'), other));
    const h = await startHost('10.0.0.1', { registry: g.registry });
    await waitFor('the reuse write', () => g.arrived() >= 1);
    g.release();
    const own = await h.mgr.waitForLease(5000);
    expect(own.key).toBe(keyOf(1));
    expect(keyspace.get(keyOf(7))).toMatchObject({ lease: other });
    expect(await count(h.metrics.raceLost)).toBe(1);
  });

  it('lease lost while etcd is away for two TTLs: reported, and the same subnet re-acquired on a new lease', async () => {
    freshKeyspace();
    const h = await startHost('10.0.0.1');
    const first = await h.mgr.waitForLease(5000);
    keyspace.unreachable = true;
    keyspace.advance(2 * TTL_MS + 500);
    await waitFor('the loss', () => h.lost.length > 0);
    expect(h.lost).toEqual(['lease_lost']);
    expect(h.mgr.own()).toBeUndefined();
    // etcd expired the lease meanwhile and deleted the key.
    keyspace.unreachable = false;
    expect(keyspace.get(first.key)).toBeUndefined();
    const again = await waitFor('re-acquired', () => h.acquired[1]);
    expect(again.key).toBe(first.key);
    expect(again.etcdLease).not.toBe(first.etcdLease);
    expect(await count(h.metrics.reacquisitions, { cause: 'lease_lost' })).toBe(1);
    expect(h.lost).toEqual(['lease_lost']);
  });

  it('etcd away shorter than the TTL costs nothing: keep-alives resume, same lease', async () => {
    freshKeyspace();
    const h = await startHost('10.0.0.1');
    const own = await h.mgr.waitForLease(5000);
    keyspace.unreachable = true;
    keyspace.advance(TTL_MS / 2);
    keyspace.unreachable = false;
    keyspace.advance(3 * TTL_MS);
    expect(keyspace.get(own.key)).toMatchObject({ lease: own.etcdLease });
    expect(h.lost).toEqual([]);
    expect(h.mgr.own()).toBe(own);
  });

  it('keep-alives renew the lease: after five TTLs the key is still on the first lease', async () => {
    freshKeyspace();
    const h = await startHost('10.0.0.1');
    const own = await h.mgr.waitForLease(5000);
    keyspace.advance(5 * TTL_MS);
    expect(keyspace.get(own.key)).toMatchObject({ lease: own.etcdLease, modRevision: own.revision });
    expect(await count(h.metrics.renewals)).toBeGreaterThanOrEqual(14);
    expect(h.lost).toEqual([]);
  });

  it('key deleted by hand: the watch reports it, the same subnet is taken again', async () => {
    freshKeyspace();
    const h = await startHost('10.0.0.1');
    const first = await h.mgr.waitForLease(5000);
    keyspace.delete(first.key);
    const again = await waitFor('re-acquired', () => h.acquired[1]);
    expect(h.lost).toEqual(['key_deleted']);
    expect(again.key).toBe(first.key);
    expect(keyspace.get(first.key)).toMatchObject({ lease: again.etcdLease });
  });

  it('lease revoked by hand: one loss, one re-acquisition, even though both the watch and the lease report it', async () => {
    freshKeyspace();
    const h = await startHost('10.0.0.1');
    const first = await h.mgr.waitForLease(5000);
    keyspace.revoke(first.etcdLease);
    const again = await waitFor('re-acquired', () => h.acquired[1]);
    keyspace.advance(TTL_MS);
    await h.watch!.delivered();
    expect(h.lost).toHaveLength(1);
    expect(h.acquired).toHaveLength(2);
    expect(keyspace.get(first.key)).toMatchObject({ lease: again.etcdLease });
  });

  it('key taken over by another host: key_taken, and the host moves to a free subnet', async () => {
    freshKeyspace();
    const h = await startHost('10.0.0.1');
    const first = await h.mgr.waitForLease(5000);
    const other = keyspace.grant(60);
    keyspace.put(first.key, leaseValue('10.0.0.9'), other);
    const again = await waitFor('re-acquired', () => h.acquired[1]);
    expect(h.lost).toEqual(['key_taken']);
    expect(again.key).toBe(keyOf(2));
    expect(keyspace.get(first.key)).toMatchObject({ lease: other });
  });

  it('without a watch, the periodic read catches the deletion', async () => {
    freshKeyspace();
    const h = await startHost('10.0.0.1', { watch: false, verifyIntervalMs: 20 });
    const first = await h.mgr.waitForLease(5000);
    keyspace.delete(first.key);
    await waitFor('re-acquired', () => h.acquired[1]);
    expect(h.lost).toEqual(['verify']);
  });

  it('etcd away or the network config missing at start: retried, counted, acquired once both are there', async () => {
    freshKeyspace();
    keyspace.delete(configKey(PREFIX));
    keyspace.unreachable = true;
    const h = await startHost('10.0.0.1', { watch: false });
    await waitFor('an acquire error', async () => (await count(h.metrics.acquireErrors)) > 0 || undefined);
    keyspace.unreachable = false;
    await waitFor('a network config error', async () => (await count(h.metrics.networkConfigErrors)) > 0 || undefined);
    expect(h.mgr.lastError()).toMatch(/no network config/);
    keyspace.put(configKey(PREFIX), '{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan","VNI":1}}');
    await h.mgr.waitForLease(10_000);
    expect(h.mgr.lastError()).toBeUndefined();
  });

  it('stop() leaves the key to its TTL; stop({ revoke: true }) deletes it at once', async () => {
    freshKeyspace();
    const a = await startHost('10.0.0.1');
    const ownA = await a.mgr.waitForLease(5000);
    await a.mgr.stop();
    keyspace.advance(TTL_MS - 1000);
    expect(keyspace.get(ownA.key)).toBeDefined();
    keyspace.advance(2000);
    expect(keyspace.get(ownA.key)).toBeUndefined();
    const b = await startHost('10.0.0.2');
    const ownB = await b.mgr.waitForLease(5000);
    await b.mgr.stop({ revoke: true });
    expect(keyspace.get(ownB.key)).toBeUndefined();
  });

  it('setVtepMAC rewrites the value on our lease, and nothing once the key is someone else\'s', async () => {
    freshKeyspace();
    const h = await startHost('10.0.0.1', { watch: false });
    const own = await h.mgr.waitForLease(5000);
    await h.mgr.setVtepMAC('02:00:00:00:00:aa');
    expect(decodeLeaseValue(keyspace.get(own.key)!.value)).toMatchObject({ vtepMAC: '02:00:00:00:00:aa' });
    expect(h.acquired.at(-1)?.lease.vtepMAC).toBe('02:00:00:00:00:aa');
    keyspace.put(own.key, leaseValue('10.0.0.9'), keyspace.grant(60));
    await h.mgr.setVtepMAC('02:00:00:00:00:bb');
    expect(decodeLeaseValue(keyspace.get(own.key)!.value)).toMatchObject({ publicIP: '10.0.0.9' });
    expect(h.acquired).toHaveLength(2);
  });
});
