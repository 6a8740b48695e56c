// The set of leases under <prefix>/subnets/, fed by the prefix watch, as plain `Lease` events for
// whoever routes them. A key or value that does not parse is reported (logged, counted) and
// ignored: it never removes or replaces any other lease, and a good lease that is overwritten with
// garbage keeps its last good value until the key is deleted. (flannel can drop peers here.)
import type { KeyValue } from '../etcd/index.ts';
import { decodeLease, type DecodedLease, type Lease } from './lease-codec.ts';

export type LeaseEvent =
  | { readonly type: 'snapshot'; readonly leases: readonly Lease[] }
  | { readonly type: 'added'; readonly lease: Lease }
  | { readonly type: 'changed'; readonly lease: Lease; readonly previous: Lease }
  | { readonly type: 'removed'; readonly lease: Lease };

export type LeaseListener = (event: LeaseEvent) => void;

/** What a consumer (the overlay) holds: subscribe, and read the current set at any time. */
export interface LeaseFeed {
  /** Calls `listener` with a snapshot at once if one was delivered, then with every change. */
  subscribe(listener: LeaseListener): () => void;
  /** Every valid lease now, this host's own included, ordered by subnet key. */
  current(): readonly Lease[];
  /** True once the first snapshot arrived. */
  synced(): boolean;
}

export interface PeerSetHooks {
  readonly malformed?: (key: string, reason: string) => void;
  readonly listenerFailed?: (error: unknown) => void;
}

function sameLease(a: Lease, b: Lease): boolean {
  return a.subnet === b.subnet && a.publicIP === b.publicIP && a.backendType === b.backendType && a.vni === b.vni
    && a.vtepMAC === b.vtepMAC && a.expires?.getTime() === b.expires?.getTime()
    && a.ipv6Subnet === b.ipv6Subnet && a.publicIPv6 === b.publicIPv6 && a.vtepMACv6 === b.vtepMACv6;
}

export class PeerSet implements LeaseFeed {
  readonly #prefix: string;
  readonly #hooks: PeerSetHooks;
  readonly #leases = new Map<string, DecodedLease>();
  readonly #listeners = new Set<LeaseListener>();
  #synced = false;

  constructor(prefix: string, hooks: PeerSetHooks = {}) {
    this.#prefix = prefix;
    this.#hooks = hooks;
  }

  subscribe(listener: LeaseListener): () => void {
    this.#listeners.add(listener);
    if (this.#synced) this.#call(listener, { type: 'snapshot', leases: this.current() });
    return () => this.#listeners.delete(listener);
  }

  current(): readonly Lease[] {
    // IPv6-only leases all have IPv4 part 0.0.0.0/0: their IPv6 subnets order them.
    const v6 = (d: DecodedLease): bigint => d.subnet6?.ip ?? 0n;
    return [...this.#leases.values()].sort((a, b) => a.subnet.ip - b.subnet.ip || (v6(a) < v6(b) ? -1 : v6(a) > v6(b) ? 1 : 0)).map((d) => d.lease);
  }

  synced(): boolean {
    return this.#synced;
  }

  /** The decoded entry for a key (with its etcd lease ID), if it is a valid lease. */
  get(key: string): DecodedLease | undefined {
    return this.#leases.get(key);
  }

  snapshot(items: readonly KeyValue[], expiresOf: (etcdLease: string) => Date | undefined = () => undefined): void {
    const next = new Map<string, DecodedLease>();
    for (const item of items) {
      const decoded = this.#decode(item, expiresOf(item.lease));
      const kept = decoded ?? this.#leases.get(item.key);
      if (kept !== undefined) next.set(item.key, kept);
    }
    this.#leases.clear();
    for (const [key, value] of next) this.#leases.set(key, value);
    this.#synced = true;
    this.#emit({ type: 'snapshot', leases: this.current() });
  }

  put(item: KeyValue, expires?: Date): void {
    const decoded = this.#decode(item, expires);
    if (decoded === undefined) return;
    const previous = this.#leases.get(item.key);
    this.#leases.set(item.key, decoded);
    if (previous === undefined) this.#emit({ type: 'added', lease: decoded.lease });
    else if (!sameLease(previous.lease, decoded.lease)) this.#emit({ type: 'changed', lease: decoded.lease, previous: previous.lease });
  }

  delete(key: string): void {
    const previous = this.#leases.get(key);
    if (previous === undefined) return;
    this.#leases.delete(key);
    this.#emit({ type: 'removed', lease: previous.lease });
  }

  #decode(item: KeyValue, expires: Date | undefined): DecodedLease | undefined {
    const decoded = decodeLease(this.#prefix, item, expires);
    if (typeof decoded !== 'string') return decoded;
    this.#hooks.malformed?.(item.key, decoded);
    return undefined;
  }

  #emit(event: LeaseEvent): void {
    for (const listener of this.#listeners) this.#call(listener, event);
  }

  #call(listener: LeaseListener, event: LeaseEvent): void {
    try {
      listener(event);
    } catch (error) {
      this.#hooks.listenerFailed?.(error);
    }
  }
}
