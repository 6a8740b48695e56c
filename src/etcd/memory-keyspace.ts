// A fake etcd for unit tests: one keyspace with a global revision, leases with TTLs on a manual
// clock, the three transaction compares weft uses (create/mod revision, lease), and a prefix watch
// with PrefixWatch's contract. Test-only; the real thing is exercised by the integration suites.
import type { KeyValue, PrefixWatcher, PrefixWatchStatus, WatchHandler } from './watch.ts';

export interface KeyspaceEvent {
  type: 'put' | 'delete';
  item: KeyValue;
}

export type Compare = { key: string; target: 'create' | 'mod'; revision: number } | { key: string; target: 'lease'; lease: string };

interface StoredLease {
  ttlSeconds: number;
  expiresAt: number;
}

export class MemoryKeyspace {
  /** etcd's revision counter: every write bumps it. */
  revision = 1;
  /** Milliseconds on the keyspace's own clock; lease TTLs run on it (see `advance`). */
  now = 0;
  #unreachable = false;
  /** Events that happened while etcd was unreachable: watches get them when it is back. */
  #held: KeyspaceEvent[] = [];
  readonly #keys = new Map<string, KeyValue>();
  readonly #leases = new Map<string, StoredLease>();
  readonly #listeners = new Set<(e: KeyspaceEvent) => void>();
  readonly #tickers = new Set<() => void>();
  #nextLease = 7_587_000_000_000_000_000n;

  /** While true, every call fails like an unreachable etcd and watches hear nothing (etcd itself goes on). */
  get unreachable(): boolean {
    return this.#unreachable;
  }

  set unreachable(value: boolean) {
    this.#unreachable = value;
    if (!value) for (const e of this.#held.splice(0)) this.#emit(e);
  }

  check(): void {
    if (this.#unreachable) throw new Error('14 UNAVAILABLE: etcd unreachable (memory keyspace)');
  }

  get(key: string): KeyValue | undefined {
    return this.#keys.get(key);
  }

  range(prefix: string): { items: KeyValue[]; revision: number } {
    const items = [...this.#keys.values()].filter((kv) => kv.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : 1));
    return { items, revision: this.revision };
  }

  /** Writes key=value (on `lease`, '0' for none); returns the write's revision. */
  put(key: string, value: string, lease = '0'): number {
    if (lease !== '0' && !this.#leases.has(lease)) throw new Error('etcdserver: requested lease not found');
    const old = this.#keys.get(key);
    this.revision += 1;
    const item: KeyValue = { key, value, lease, modRevision: this.revision, createRevision: old?.createRevision ?? this.revision, version: (old?.version ?? 0) + 1 };
    this.#keys.set(key, item);
    this.#emit({ type: 'put', item });
    return this.revision;
  }

  /** Deletes key; returns the revision, or undefined when there was nothing to delete. */
  delete(key: string): number | undefined {
    const old = this.#keys.get(key);
    if (old === undefined) return undefined;
    this.#keys.delete(key);
    this.revision += 1;
    this.#emit({ type: 'delete', item: { ...old, value: '', modRevision: this.revision } });
    return this.revision;
  }

  /** etcd's compare on a missing key sees create/mod revision 0 and lease '0'. */
  compare(c: Compare): boolean {
    const kv = this.#keys.get(c.key);
    if (c.target === 'lease') return (kv?.lease ?? '0') === c.lease;
    return (c.target === 'create' ? (kv?.createRevision ?? 0) : (kv?.modRevision ?? 0)) === c.revision;
  }

  grant(ttlSeconds: number): string {
    this.#nextLease += 1n;
    const id = String(this.#nextLease);
    this.#leases.set(id, { ttlSeconds, expiresAt: this.now + ttlSeconds * 1000 });
    return id;
  }

  /** Renews a lease; returns its TTL, or undefined when it is gone (expired or revoked). */
  keepAlive(id: string): number | undefined {
    const lease = this.#leases.get(id);
    if (lease === undefined) return undefined;
    lease.expiresAt = this.now + lease.ttlSeconds * 1000;
    return lease.ttlSeconds;
  }

  /** Whole seconds left (etcd rounds down), undefined when gone. */
  timeToLive(id: string): number | undefined {
    const lease = this.#leases.get(id);
    return lease === undefined ? undefined : Math.max(0, Math.floor((lease.expiresAt - this.now) / 1000));
  }

  /** Revokes a lease and deletes its keys (as `etcdctl lease revoke`). */
  revoke(id: string): void {
    if (!this.#leases.delete(id)) return;
    for (const kv of [...this.#keys.values()]) if (kv.lease === id) this.delete(kv.key);
  }

  /** Moves the clock in steps of at most 100 ms: keep-alives run, then expired leases go. */
  advance(ms: number): void {
    for (let left = ms; left > 0; left -= 100) {
      this.now += Math.min(100, left);
      for (const tick of [...this.#tickers]) tick();
      for (const [id, lease] of [...this.#leases]) if (lease.expiresAt <= this.now) this.revoke(id);
    }
  }

  /** Runs `tick` at every step of `advance` (keep-alive loops); returns the way to stop it. */
  onTick(tick: () => void): () => void {
    this.#tickers.add(tick);
    return () => this.#tickers.delete(tick);
  }

  listen(listener: (e: KeyspaceEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(e: KeyspaceEvent): void {
    if (this.#unreachable) {
      this.#held.push(e);
      return;
    }
    for (const l of [...this.#listeners]) l(e);
  }
}

/** PrefixWatch's contract on a MemoryKeyspace: a snapshot, then events in revision order, one call at a time. */
export class MemoryPrefixWatch implements PrefixWatcher {
  readonly prefix: string;
  readonly #keyspace: MemoryKeyspace;
  readonly #handler: WatchHandler;
  #delivery: Promise<void> = Promise.resolve();
  #unlisten: (() => void) | undefined;
  #revision = 0;
  #snapshots = 0;
  #events = 0;

  constructor(keyspace: MemoryKeyspace, prefix: string, handler: WatchHandler) {
    this.#keyspace = keyspace;
    this.prefix = prefix;
    this.#handler = handler;
  }

  start(): Promise<void> {
    this.resnapshot();
    this.#unlisten = this.#keyspace.listen((e) => {
      if (!e.item.key.startsWith(this.prefix)) return;
      this.#revision = e.item.modRevision;
      this.#events += 1;
      this.#deliver(() => (e.type === 'put' ? this.#handler.put(e.item) : this.#handler.delete(e.item.key, e.item.modRevision)));
    });
    return this.#delivery;
  }

  /** A fresh snapshot, as after a compaction. */
  resnapshot(): void {
    const { items, revision } = this.#keyspace.range(this.prefix);
    this.#revision = revision;
    this.#snapshots += 1;
    this.#deliver(() => this.#handler.snapshot(items, revision));
  }

  async stop(): Promise<void> {
    this.#unlisten?.();
    this.#unlisten = undefined;
    await this.#delivery;
  }

  /** Resolves when everything emitted so far was delivered. */
  delivered(): Promise<void> {
    return this.#delivery;
  }

  ready(): boolean {
    return this.#unlisten !== undefined;
  }

  status(): PrefixWatchStatus {
    return { prefix: this.prefix, revision: this.#revision, connected: this.ready(), synced: this.#snapshots > 0, snapshots: this.#snapshots, events: this.#events, lastError: undefined };
  }

  #deliver(call: () => void | Promise<void>): void {
    this.#delivery = this.#delivery.then(call).catch(() => undefined);
  }
}
