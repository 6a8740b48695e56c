// Remaining TTLs of etcd leases, for consumers that answer from a watched snapshot but must report
// how long a key has left (the DNS area: CoreDNS answers min(record ttl, lease TTL)). CoreDNS asks
// etcd (LeaseTimeToLive) on every query; weft answers from memory, so this keeps a bounded table of
// the leases in use, refreshed on a period, each call under a deadline, a few at a time.
import type { Etcd3 } from 'etcd3';

/** Asks etcd for a lease's remaining TTL in seconds (-1: expired or unknown). */
export type LeaseTtlQuery = (id: string, deadline: Date) => Promise<number>;

export function leaseTtlQuery(client: Etcd3): LeaseTtlQuery {
  return async (id, deadline) => Number((await client.leaseClient.leaseTimeToLive({ ID: id, keys: false }, { deadline })).TTL);
}

export interface LeaseTtlOptions {
  readonly query: LeaseTtlQuery;
  /** Leases tracked at most; leases beyond it are answered as unknown. */
  readonly maxLeases: number;
  /** Deadline of one LeaseTimeToLive call. */
  readonly timeoutMs: number;
  /** Calls in flight at once. */
  readonly concurrency: number;
  /** Called after a refresh that changed any TTL, with the whole table. */
  readonly onChange: (ttls: ReadonlyMap<string, number>) => void;
}

export interface LeaseTtlStatus {
  readonly leases: number;
  readonly untracked: number;
  readonly failures: number;
  readonly lastError: string | undefined;
}

export class LeaseTtls {
  readonly #o: LeaseTtlOptions;
  #ttls = new Map<string, number>();
  #running: Promise<void> | undefined;
  #again = false;
  #pending: string[] = [];
  #untracked = 0;
  #failures = 0;
  #lastError: string | undefined;

  constructor(options: LeaseTtlOptions) {
    this.#o = options;
  }

  /** Remaining seconds at the last refresh; undefined when unknown (not asked yet, failed, expired). */
  get(id: string): number | undefined {
    return this.#ttls.get(id);
  }

  status(): LeaseTtlStatus {
    return { leases: this.#ttls.size, untracked: this.#untracked, failures: this.#failures, lastError: this.#lastError };
  }

  /**
   * Asks etcd for the TTL of every lease in `ids` ('0', no lease, is skipped) and forgets the rest.
   * A refresh asked for while one runs is run once after it (with the ids of that later call).
   */
  refresh(ids: Iterable<string>): Promise<void> {
    const wanted = [...new Set(ids)].filter((id) => id !== '0');
    if (this.#running !== undefined) {
      this.#again = true;
      this.#pending = wanted;
      return this.#running;
    }
    this.#running = this.#pass(wanted).finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        void this.refresh(this.#pending);
      }
    });
    return this.#running;
  }

  async #pass(wanted: string[]): Promise<void> {
    const tracked = wanted.slice(0, this.#o.maxLeases);
    this.#untracked = wanted.length - tracked.length;
    const next = new Map<string, number>();
    let index = 0;
    const worker = async (): Promise<void> => {
      while (index < tracked.length) {
        const id = tracked[index++] as string;
        const ttl = await this.#ask(id);
        if (ttl !== undefined && ttl > 0) next.set(id, ttl);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.#o.concurrency) }, worker));
    const changed = next.size !== this.#ttls.size || [...next].some(([id, ttl]) => this.#ttls.get(id) !== ttl);
    this.#ttls = next;
    if (changed) this.#o.onChange(next);
  }

  async #ask(id: string): Promise<number | undefined> {
    try {
      const ttl = await this.#o.query(id, new Date(Date.now() + this.#o.timeoutMs));
      return Number.isFinite(ttl) ? ttl : undefined;
    } catch (error) {
      // CoreDNS falls back to the record's TTL when the call fails; so do we, keeping the last value.
      this.#failures += 1;
      this.#lastError = (error as Error).message;
      return this.#ttls.get(id);
    }
  }
}
