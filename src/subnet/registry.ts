// The etcd operations on flannel's layout, one function each, no decisions. Writes that must not
// clobber another host are transactions: create only if the key does not exist, replace only if the
// key is unchanged since we read it, rewrite only while it is still on our etcd lease.
import type { Etcd3 } from 'etcd3';
import { WeftError } from '../errors.ts';
import { toKeyValue, type KeyValue } from '../etcd/index.ts';
import { configKey, subnetsPrefix } from './lease-codec.ts';

export async function readNetworkConfigText(client: Etcd3, prefix: string): Promise<string | undefined> {
  const value = await client.get(configKey(prefix)).string();
  return value ?? undefined;
}

/** Writes the network config; without `force`, only if none exists. Returns false if one existed. */
export async function writeNetworkConfigText(client: Etcd3, prefix: string, text: string, force: boolean): Promise<boolean> {
  const key = configKey(prefix);
  if (force) {
    await client.put(key).value(text).exec();
    return true;
  }
  const result = await client.if(key, 'Create', '==', 0).then(client.put(key).value(text)).commit();
  return result.succeeded;
}

export async function listSubnetKeys(client: Etcd3, prefix: string): Promise<{ items: KeyValue[]; revision: number }> {
  const response = await client.getAll().prefix(subnetsPrefix(prefix)).exec();
  return { items: response.kvs.map(toKeyValue), revision: Number(response.header.revision) };
}

export async function getKey(client: Etcd3, key: string): Promise<KeyValue | undefined> {
  const response = await client.get(key).exec();
  const kv = response.kvs[0];
  return kv === undefined ? undefined : toKeyValue(kv);
}

/** Puts key=value on etcd lease `leaseId` only if the key does not exist. Returns the write's revision, or undefined if it existed. */
export async function createOnLease(client: Etcd3, key: string, value: string, leaseId: string): Promise<number | undefined> {
  const result = await client.if(key, 'Create', '==', 0).then(client.put(key).value(value).lease(leaseId)).commit();
  return result.succeeded ? Number(result.header.revision) : undefined;
}

/** Moves key onto `leaseId` with `value` only if it was not modified since `modRevision`. */
export async function replaceOnLease(client: Etcd3, key: string, value: string, leaseId: string, modRevision: number): Promise<number | undefined> {
  const result = await client.if(key, 'Mod', '==', modRevision).then(client.put(key).value(value).lease(leaseId)).commit();
  return result.succeeded ? Number(result.header.revision) : undefined;
}

/** Rewrites the value only while the key is still attached to `leaseId` (ours). */
export async function rewriteOnLease(client: Etcd3, key: string, value: string, leaseId: string): Promise<boolean> {
  const result = await client.if(key, 'Lease', '==', leaseId).then(client.put(key).value(value).lease(leaseId)).commit();
  return result.succeeded;
}

export async function deleteIfUnchanged(client: Etcd3, key: string, modRevision: number): Promise<boolean> {
  const result = await client.if(key, 'Mod', '==', modRevision).then(client.delete().key(key)).commit();
  return result.succeeded;
}

/** Seconds left on an etcd lease; undefined for no lease ('0') or one that is gone. */
export async function leaseSecondsLeft(client: Etcd3, leaseId: string): Promise<number | undefined> {
  if (leaseId === '0' || leaseId === '') return undefined;
  const response = await client.leaseClient.leaseTimeToLive({ ID: leaseId });
  const ttl = Number(response.TTL);
  return ttl >= 0 ? ttl : undefined;
}

/** Expiry times for the etcd leases of `items`, looked up a few at a time; failures leave gaps. */
export async function expiriesOf(client: Etcd3, items: readonly KeyValue[], concurrency = 16): Promise<Map<string, Date>> {
  const ids = [...new Set(items.map((i) => i.lease).filter((id) => id !== '0' && id !== ''))];
  const out = new Map<string, Date>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++] as string;
      const seconds = await leaseSecondsLeft(client, id).catch(() => undefined);
      if (seconds !== undefined) out.set(id, new Date(Date.now() + seconds * 1000));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  return out;
}

/** An etcd lease of ours that keeps itself alive (etcd3's `Lease` with autoKeepAlive fits). */
export interface RegistryLease {
  grant(): Promise<string>;
  revoke(): Promise<unknown>;
  /** Stops the keep-alives; the lease lives out its TTL. */
  release(): void;
  on(event: 'lost', listener: (error: Error) => void): unknown;
  on(event: 'keepaliveSucceeded', listener: () => void): unknown;
  removeAllListeners(): unknown;
}

/**
 * The operations above as one interface, so the subnet manager can run on etcd or on the
 * in-memory registry of its unit tests (memory-registry.ts); registry.suite.ts holds both to one behaviour.
 */
export interface LeaseRegistry {
  readNetworkConfigText(prefix: string): Promise<string | undefined>;
  writeNetworkConfigText(prefix: string, text: string, force: boolean): Promise<boolean>;
  listSubnetKeys(prefix: string): Promise<{ items: KeyValue[]; revision: number }>;
  getKey(key: string): Promise<KeyValue | undefined>;
  createOnLease(key: string, value: string, leaseId: string): Promise<number | undefined>;
  replaceOnLease(key: string, value: string, leaseId: string, modRevision: number): Promise<number | undefined>;
  rewriteOnLease(key: string, value: string, leaseId: string): Promise<boolean>;
  deleteIfUnchanged(key: string, modRevision: number): Promise<boolean>;
  leaseSecondsLeft(leaseId: string): Promise<number | undefined>;
  /** A new, not yet granted etcd lease of `ttlSeconds` that keeps itself alive once granted. */
  lease(ttlSeconds: number): RegistryLease;
}

export function etcdRegistry(client: Etcd3): LeaseRegistry {
  return {
    readNetworkConfigText: (prefix) => readNetworkConfigText(client, prefix),
    writeNetworkConfigText: (prefix, text, force) => writeNetworkConfigText(client, prefix, text, force),
    listSubnetKeys: (prefix) => listSubnetKeys(client, prefix),
    getKey: (key) => getKey(client, key),
    createOnLease: (key, value, leaseId) => createOnLease(client, key, value, leaseId),
    replaceOnLease: (key, value, leaseId, modRevision) => replaceOnLease(client, key, value, leaseId, modRevision),
    rewriteOnLease: (key, value, leaseId) => rewriteOnLease(client, key, value, leaseId),
    deleteIfUnchanged: (key, modRevision) => deleteIfUnchanged(client, key, modRevision),
    leaseSecondsLeft: (leaseId) => leaseSecondsLeft(client, leaseId),
    lease: (ttlSeconds) => client.lease(ttlSeconds, { autoKeepAlive: true }),
  };
}

export function networkConfigMissing(prefix: string): WeftError {
  return new WeftError(
    'WEFT_E_NETWORK_CONFIG',
    `no network config at ${configKey(prefix)}; create it with 'weft network init --network 10.5.0.0/16' (or check --etcd-prefix)`,
  );
}
