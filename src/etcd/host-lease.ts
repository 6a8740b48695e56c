// Keys attached to this host's own etcd lease: records a host publishes for itself (its
// containers' DNS names) vanish when the host dies and stops renewing. Design: one lease per
// daemon, kept alive by the etcd3 client; when it is lost (etcd was away longer than the TTL, or
// someone revoked it) a new one is granted and every key is written again under it.
import type { Etcd3, Lease } from 'etcd3';
import { WeftError } from '../errors.ts';
import { silentLogger, type Logger } from '../log.ts';
import type { EtcdMetrics } from './metrics.ts';

export interface HostLeaseOptions {
  /** Lease TTL in milliseconds; etcd counts whole seconds, so it is rounded up (minimum 2 s). */
  readonly ttl: number;
  readonly logger?: Logger;
  readonly metrics?: EtcdMetrics;
}

const regrantDelays = [100, 250, 500, 1000, 2000];

export class HostLease {
  readonly #client: Etcd3;
  readonly #ttlSeconds: number;
  readonly #log: Logger;
  readonly #metrics: EtcdMetrics | undefined;
  readonly #keys = new Map<string, string>();
  #lease: Lease | undefined;
  #leaseId: string | undefined;
  #stopped = false;
  #grants = 0;
  #regranting: Promise<void> | undefined;

  constructor(client: Etcd3, options: HostLeaseOptions) {
    this.#client = client;
    this.#ttlSeconds = Math.max(2, Math.ceil(options.ttl / 1000));
    this.#log = (options.logger ?? silentLogger).child({ component: 'host_lease' });
    this.#metrics = options.metrics;
  }

  /** Grants the lease; keeps trying in the background if etcd is not there yet. */
  async start(): Promise<void> {
    await this.#regrant();
  }

  ready(): boolean {
    return this.#leaseId !== undefined;
  }

  /** The current lease ID (decimal string), or undefined while none is held. */
  id(): string | undefined {
    return this.#leaseId;
  }

  status(): { leaseId: string | undefined; ttlSeconds: number; keys: number; grants: number } {
    return { leaseId: this.#leaseId, ttlSeconds: this.#ttlSeconds, keys: this.#keys.size, grants: this.#grants };
  }

  /** Writes key=value attached to the lease, and keeps it there across lease loss. */
  async put(key: string, value: string): Promise<void> {
    this.#keys.set(key, value);
    this.#metrics?.hostLeaseKeys.set(this.#keys.size);
    const lease = this.#lease;
    if (lease === undefined || this.#leaseId === undefined) return; // written when the lease is (re)granted
    await lease.put(key).value(value).exec();
  }

  async delete(key: string): Promise<void> {
    this.#keys.delete(key);
    this.#metrics?.hostLeaseKeys.set(this.#keys.size);
    await this.#client.delete().key(key).exec();
  }

  keys(): ReadonlyMap<string, string> {
    return this.#keys;
  }

  /** Stops renewing. With `revoke`, the keys go at once; without, they live until the TTL runs out. */
  async stop(options: { revoke: boolean }): Promise<void> {
    this.#stopped = true;
    const lease = this.#lease;
    this.#lease = undefined;
    this.#leaseId = undefined;
    if (lease === undefined) return;
    lease.removeAllListeners();
    if (options.revoke) await lease.revoke().catch((error: unknown) => this.#log.warn({ event: 'host_lease_revoke_failed', err: (error as Error).message }));
    else lease.release();
  }

  #regrant(): Promise<void> {
    this.#regranting ??= this.#grantLoop().finally(() => (this.#regranting = undefined));
    return this.#regranting;
  }

  async #grantLoop(): Promise<void> {
    for (let attempt = 0; !this.#stopped; attempt++) {
      const lease = this.#client.lease(this.#ttlSeconds, { autoKeepAlive: true });
      try {
        const id = await lease.grant();
        if (this.#stopped) {
          await lease.revoke().catch(() => undefined);
          return;
        }
        lease.on('lost', (error) => this.#onLost(lease, error));
        this.#lease = lease;
        for (const [key, value] of this.#keys) await lease.put(key).value(value).exec();
        this.#leaseId = id;
        this.#grants += 1;
        this.#metrics?.hostLeaseGrants.inc();
        this.#log.info({ event: 'host_lease_granted', leaseId: id, ttlSeconds: this.#ttlSeconds, keys: this.#keys.size }, 'host lease granted');
        return;
      } catch (error) {
        lease.removeAllListeners();
        lease.release();
        const delay = regrantDelays[Math.min(attempt, regrantDelays.length - 1)] ?? 2000;
        this.#log.warn({ event: 'host_lease_grant_failed', err: (error as Error).message, retryInMs: delay }, 'cannot grant the host lease; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  #onLost(lease: Lease, error: Error): void {
    if (lease !== this.#lease || this.#stopped) return;
    lease.removeAllListeners();
    this.#lease = undefined;
    this.#leaseId = undefined;
    this.#log.warn({ event: 'host_lease_lost', err: error.message, keys: this.#keys.size }, 'host lease lost; granting a new one and rewriting its keys');
    this.#regrant().catch((regrantError: unknown) => {
      this.#log.error({ event: 'host_lease_regrant_failed', err: new WeftError('WEFT_E_HOST_LEASE', (regrantError as Error).message).message });
    });
  }
}
