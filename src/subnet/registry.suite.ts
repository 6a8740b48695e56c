// One suite for every LeaseRegistry: the in-memory registry runs it as a unit test
// (memory-registry.test.ts), the etcd one against a real etcd (test/integration/subnet-registry.test.ts).
// The compare-and-swap rules here are the ones the subnet manager's race logic stands on.
import { describe, expect, it } from 'vitest';
import type { LeaseRegistry } from './registry.ts';
import { configKey, subnetsPrefix } from './lease-codec.ts';

export interface RegistryFixture {
  registry: LeaseRegistry;
  /** A fresh etcd prefix ("/test-x/network/"), empty. */
  prefix: string;
  /** An operator's hand: plain writes outside any transaction. */
  byHand: {
    put(key: string, value: string, lease?: string): Promise<void>;
    delete(key: string): Promise<void>;
    revokeLease(id: string): Promise<void>;
  };
  /** Lets lease time pass (real etcd: sleeps; the memory keyspace: advances its clock). */
  elapse(ms: number): Promise<void>;
  teardown(): Promise<void>;
}

const TTL = 2;

export function describeLeaseRegistry(name: string, create: () => Promise<RegistryFixture>): void {
  async function withFixture(body: (f: RegistryFixture, key: (n: number) => string) => Promise<void>): Promise<void> {
    const f = await create();
    try {
      await body(f, (n) => `${subnetsPrefix(f.prefix)}10.5.${n}.0-24`);
    } finally {
      await f.teardown();
    }
  }
  /** Elapses lease time in small steps until `probe` holds (generous: the machine is shared). */
  async function until(f: RegistryFixture, what: string, probe: () => Promise<boolean>, maxMs = 20_000): Promise<void> {
    for (let spent = 0; !(await probe()); spent += 250) {
      if (spent > maxMs) throw new Error(`${what}: not within ${maxMs} ms of lease time`);
      await f.elapse(250);
    }
  }

  describe(`lease registry: ${name}`, () => {
    it('network config: missing reads undefined; create-only writes once; force overwrites', () => withFixture(async (f) => {
      const r = f.registry;
      expect(await r.readNetworkConfigText(f.prefix)).toBeUndefined();
      expect(await r.writeNetworkConfigText(f.prefix, '{"Network":"10.5.0.0/16"}', false)).toBe(true);
      expect(await r.writeNetworkConfigText(f.prefix, '{"Network":"10.6.0.0/16"}', false)).toBe(false);
      expect(await r.readNetworkConfigText(f.prefix)).toBe('{"Network":"10.5.0.0/16"}');
      expect(await r.writeNetworkConfigText(f.prefix, '{"Network":"10.7.0.0/16"}', true)).toBe(true);
      expect(await r.readNetworkConfigText(f.prefix)).toBe('{"Network":"10.7.0.0/16"}');
    }));

    it('createOnLease writes a free key on the lease once; a second create loses and changes nothing', () => withFixture(async (f, key) => {
      const r = f.registry;
      const a = await r.lease(60).grant();
      const b = await r.lease(60).grant();
      const revision = await r.createOnLease(key(2), 'a', a);
      expect(revision).toBeGreaterThan(0);
      expect(await r.getKey(key(2))).toEqual({ key: key(2), value: 'a', lease: a, modRevision: revision, createRevision: revision, version: 1 });
      expect(await r.createOnLease(key(2), 'b', b)).toBeUndefined();
      expect(await r.getKey(key(2))).toMatchObject({ value: 'a', lease: a, modRevision: revision });
    }));

    it('createOnLease on a lease that does not exist is refused', () => withFixture(async (f, key) => {
      const gone = await f.registry.lease(60).grant();
      await f.byHand.revokeLease(gone);
      await expect(f.registry.createOnLease(key(2), 'a', gone)).rejects.toThrow();
      expect(await f.registry.getKey(key(2))).toBeUndefined();
    }));

    it('replaceOnLease takes a key over only at the modRevision that was read', () => withFixture(async (f, key) => {
      const r = f.registry;
      const [a, b] = [await r.lease(60).grant(), await r.lease(60).grant()];
      const first = (await r.createOnLease(key(3), 'a', a))!;
      const second = await r.replaceOnLease(key(3), 'b', b, first);
      expect(second).toBeGreaterThan(first);
      expect(await r.getKey(key(3))).toMatchObject({ value: 'b', lease: b, modRevision: second, createRevision: first, version: 2 });
      expect(await r.replaceOnLease(key(3), 'a again', a, first)).toBeUndefined();
      expect(await r.getKey(key(3))).toMatchObject({ value: 'b', lease: b });
      // A key deleted since it was read is gone, not replaceable.
      await f.byHand.delete(key(3));
      expect(await r.replaceOnLease(key(3), 'b', b, second!)).toBeUndefined();
      expect(await r.getKey(key(3))).toBeUndefined();
    }));

    it('rewriteOnLease rewrites only while the key is on our lease', () => withFixture(async (f, key) => {
      const r = f.registry;
      const [a, b] = [await r.lease(60).grant(), await r.lease(60).grant()];
      expect(await r.rewriteOnLease(key(4), 'x', a)).toBe(false);
      expect(await r.getKey(key(4))).toBeUndefined();
      await r.createOnLease(key(4), 'a1', a);
      expect(await r.rewriteOnLease(key(4), 'a2', a)).toBe(true);
      expect(await r.getKey(key(4))).toMatchObject({ value: 'a2', lease: a, version: 2 });
      await f.byHand.put(key(4), 'taken', b);
      expect(await r.rewriteOnLease(key(4), 'a3', a)).toBe(false);
      expect(await r.getKey(key(4))).toMatchObject({ value: 'taken', lease: b });
    }));

    it('deleteIfUnchanged deletes only at the modRevision that was read', () => withFixture(async (f, key) => {
      const r = f.registry;
      await f.byHand.put(key(5), 'v1');
      const v1 = (await r.getKey(key(5)))!.modRevision;
      await f.byHand.put(key(5), 'v2');
      expect(await r.deleteIfUnchanged(key(5), v1)).toBe(false);
      expect(await r.getKey(key(5))).toMatchObject({ value: 'v2', lease: '0' });
      expect(await r.deleteIfUnchanged(key(5), (await r.getKey(key(5)))!.modRevision)).toBe(true);
      expect(await r.getKey(key(5))).toBeUndefined();
      expect(await r.deleteIfUnchanged(key(5), v1)).toBe(false);
    }));

    it('listSubnetKeys lists only subnets/ under the prefix, in key order, at a revision covering them', () => withFixture(async (f, key) => {
      await f.byHand.put(key(7), 'seven');
      await f.byHand.put(key(6), 'six');
      await f.byHand.put(configKey(f.prefix), '{}');
      await f.byHand.put(`${f.prefix}elsewhere/10.5.8.0-24`, 'no');
      const { items, revision } = await f.registry.listSubnetKeys(f.prefix);
      expect(items.map((i) => [i.key, i.value])).toEqual([[key(6), 'six'], [key(7), 'seven']]);
      expect(revision).toBeGreaterThanOrEqual(Math.max(...items.map((i) => i.modRevision)));
    }));

    it('leaseSecondsLeft: about the TTL for a live lease, undefined for none, a revoked or an expired one', () => withFixture(async (f, key) => {
      const r = f.registry;
      const lease = r.lease(30);
      const id = await lease.grant();
      const left = await r.leaseSecondsLeft(id);
      expect(left).toBeGreaterThan(20);
      expect(left).toBeLessThanOrEqual(30);
      expect(await r.leaseSecondsLeft('0')).toBeUndefined();
      await r.createOnLease(key(2), 'v', id);
      await lease.revoke();
      expect(await r.leaseSecondsLeft(id)).toBeUndefined();
      expect(await r.getKey(key(2))).toBeUndefined();
    }));

    it('a granted lease keeps itself alive past its TTL; once released it expires and takes its keys', () => withFixture(async (f, key) => {
      const r = f.registry;
      const lease = r.lease(TTL);
      let renewals = 0;
      lease.on('keepaliveSucceeded', () => renewals++);
      const id = await lease.grant();
      await r.createOnLease(key(2), 'v', id);
      await until(f, 'three keep-alives', async () => renewals >= 3);
      expect(await r.getKey(key(2))).toMatchObject({ lease: id });
      lease.release();
      await until(f, 'the released lease expiring', async () => (await r.getKey(key(2))) === undefined);
      expect(await r.leaseSecondsLeft(id)).toBeUndefined();
    }));

    it('a lease revoked by hand is reported lost and its keys are gone', () => withFixture(async (f, key) => {
      const r = f.registry;
      const lease = r.lease(TTL);
      const lost: Error[] = [];
      lease.on('lost', (e) => lost.push(e));
      const id = await lease.grant();
      await r.createOnLease(key(2), 'v', id);
      await f.byHand.revokeLease(id);
      expect(await r.getKey(key(2))).toBeUndefined();
      await until(f, 'the lease reported lost', async () => lost.length > 0);
      lease.release();
    }));
  });
}
