// Feeds the zone the remaining TTLs of the etcd leases its keys carry (CoreDNS answers a leased
// key with min(ttl, lease TTL clamped to min/max-lease-ttl)). The etcd foundation's LeaseTtls asks
// etcd; this shell clamps, hands the table to the zone (and the worker threads) when it changed,
// and asks again every few seconds and soon after a key with an unknown lease arrives.
import { LeaseTtls, type LeaseTtlQuery, type LeaseTtlStatus } from '../etcd/index.ts';
import { clampLeaseTtl, type LeaseBounds } from './ttl.ts';
import type { Zone } from './zone.ts';

/** How often lease TTLs are asked again: answers may state up to this much more than what is left. */
export const leaseRefreshMs = 5000;
const newLeaseDelayMs = 50;

export class ZoneLeaseTtls {
  readonly #zone: Zone;
  readonly #bounds: LeaseBounds;
  readonly #publish: (ttls: ReadonlyMap<string, number>) => void;
  readonly #ttls: LeaseTtls;
  #clamped: ReadonlyMap<string, number> = new Map();
  #timer: NodeJS.Timeout | undefined;
  #soon: NodeJS.Timeout | undefined;
  #stopped = false;

  /** `publish`: the clamped table, after the zone took it (for the worker threads). */
  constructor(zone: Zone, query: LeaseTtlQuery, bounds: LeaseBounds, publish: (ttls: ReadonlyMap<string, number>) => void) {
    this.#zone = zone;
    this.#bounds = bounds;
    this.#publish = publish;
    this.#ttls = new LeaseTtls({ query, maxLeases: 10_000, timeoutMs: 2000, concurrency: 4, onChange: (ttls) => this.#apply(ttls) });
  }

  start(): void {
    this.#timer = setInterval(() => void this.refresh(), leaseRefreshMs).unref();
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    clearTimeout(this.#soon);
  }

  /** A key with this lease arrived: ask soon when its TTL is not known yet. */
  noteLease(id: string | undefined): void {
    if (id === undefined || id === '0' || this.#ttls.get(id) !== undefined || this.#soon !== undefined || this.#stopped) return;
    this.#soon = setTimeout(() => {
      this.#soon = undefined;
      void this.refresh();
    }, newLeaseDelayMs).unref();
  }

  refresh(): Promise<void> {
    return this.#stopped ? Promise.resolve() : this.#ttls.refresh(this.#zone.leases());
  }

  status(): LeaseTtlStatus {
    return this.#ttls.status();
  }

  #apply(remaining: ReadonlyMap<string, number>): void {
    const clamped = new Map<string, number>();
    for (const [id, ttl] of remaining) clamped.set(id, clampLeaseTtl(ttl, this.#bounds));
    const same = clamped.size === this.#clamped.size && [...clamped].every(([id, ttl]) => this.#clamped.get(id) === ttl);
    if (same || this.#stopped) return;
    this.#clamped = clamped;
    this.#zone.setLeaseTtls(clamped);
    this.#publish(clamped);
  }
}
