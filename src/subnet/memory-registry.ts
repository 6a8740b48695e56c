// The lease registry on a MemoryKeyspace (a fake etcd) for unit tests of the subnet manager. Its
// leases keep themselves alive as etcd3's do: on every step of the keyspace clock while etcd is
// reachable; 'lost' when etcd says the lease is gone, or when it was unreachable for two TTLs.
import { EventEmitter } from 'node:events';
import type { MemoryKeyspace } from '../etcd/index.ts';
import { configKey, subnetsPrefix } from './lease-codec.ts';
import type { LeaseRegistry, RegistryLease } from './registry.ts';

class MemoryLease extends EventEmitter implements RegistryLease {
  readonly #keyspace: MemoryKeyspace;
  readonly #ttlSeconds: number;
  #id: string | undefined;
  #stopTicks: (() => void) | undefined;
  #lastKeepAlive = 0;

  constructor(keyspace: MemoryKeyspace, ttlSeconds: number) {
    super();
    this.#keyspace = keyspace;
    this.#ttlSeconds = ttlSeconds;
  }

  async grant(): Promise<string> {
    this.#keyspace.check();
    const id = this.#keyspace.grant(this.#ttlSeconds);
    this.#id = id;
    this.#lastKeepAlive = this.#keyspace.now;
    this.#stopTicks = this.#keyspace.onTick(() => this.#keepAlive(id));
    return id;
  }

  #keepAlive(id: string): void {
    const ks = this.#keyspace;
    // etcd3 sends a keep-alive every TTL/3.
    if (ks.now - this.#lastKeepAlive < (this.#ttlSeconds * 1000) / 3) return;
    if (ks.unreachable) {
      // etcd3 gives up after two TTLs without a confirmed keep-alive.
      if (ks.now - this.#lastKeepAlive > 2 * this.#ttlSeconds * 1000) this.#lose(new Error('lease lost: etcd unreachable for two TTLs'));
      return;
    }
    if (ks.keepAlive(id) === undefined) return this.#lose(new Error(`lease ${id} not found (expired or revoked)`));
    this.#lastKeepAlive = ks.now;
    this.emit('keepaliveSucceeded');
  }

  #lose(error: Error): void {
    this.release();
    this.emit('lost', error);
  }

  async revoke(): Promise<void> {
    this.release();
    this.#keyspace.check();
    if (this.#id !== undefined) this.#keyspace.revoke(this.#id);
  }

  release(): void {
    this.#stopTicks?.();
    this.#stopTicks = undefined;
  }
}

export function createMemoryRegistry(keyspace: MemoryKeyspace): LeaseRegistry {
  // Every call is async and fails while the keyspace is unreachable, like a gRPC call would.
  const call = async <T>(fn: () => T): Promise<T> => {
    await Promise.resolve();
    keyspace.check();
    return fn();
  };
  return {
    readNetworkConfigText: (prefix) => call(() => keyspace.get(configKey(prefix))?.value),
    writeNetworkConfigText: (prefix, text, force) => call(() => {
      const key = configKey(prefix);
      if (!force && !keyspace.compare({ key, target: 'create', revision: 0 })) return false;
      keyspace.put(key, text);
      return true;
    }),
    listSubnetKeys: (prefix) => call(() => keyspace.range(subnetsPrefix(prefix))),
    getKey: (key) => call(() => keyspace.get(key)),
    createOnLease: (key, value, leaseId) => call(() => (keyspace.compare({ key, target: 'create', revision: 0 }) ? keyspace.put(key, value, leaseId) : undefined)),
    replaceOnLease: (key, value, leaseId, modRevision) => call(() => (keyspace.compare({ key, target: 'mod', revision: modRevision }) ? keyspace.put(key, value, leaseId) : undefined)),
    rewriteOnLease: (key, value, leaseId) => call(() => {
      if (!keyspace.compare({ key, target: 'lease', lease: leaseId })) return false;
      keyspace.put(key, value, leaseId);
      return true;
    }),
    deleteIfUnchanged: (key, modRevision) => call(() => keyspace.compare({ key, target: 'mod', revision: modRevision }) && keyspace.delete(key) !== undefined),
    leaseSecondsLeft: (leaseId) => call(() => (leaseId === '0' || leaseId === '' ? undefined : keyspace.timeToLive(leaseId))),
    lease: (ttlSeconds) => new MemoryLease(keyspace, ttlSeconds),
  };
}
