// The storage under both caches: insertion-ordered entries bounded in count and in bytes. Pure.

export interface CacheBounds {
  /** Bytes of all entries together (responses and keys). */
  readonly maxBytes: number;
  /** A response larger than this is never cached. */
  readonly maxEntryBytes: number;
}

/** Insertion-ordered entries bounded in count and bytes; the oldest go first. */
export class BoundedMap<V extends { readonly size: number }> {
  readonly entries = new Map<string, V>();
  bytes = 0;
  readonly #maxEntries: number;
  readonly #bounds: CacheBounds;

  constructor(maxEntries: number, bounds: CacheBounds) {
    this.#maxEntries = maxEntries;
    this.#bounds = bounds;
  }

  /** Stores `value` unless it alone is over the per-entry bound; false when refused. */
  set(key: string, value: V): boolean {
    const size = value.size + key.length;
    this.delete(key);
    if (size > this.#bounds.maxEntryBytes || size > this.#bounds.maxBytes) return false;
    while (this.entries.size > 0 && (this.entries.size >= this.#maxEntries || this.bytes + size > this.#bounds.maxBytes)) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.delete(oldest.value);
    }
    this.entries.set(key, value);
    this.bytes += size;
    return true;
  }

  delete(key: string): void {
    const old = this.entries.get(key);
    if (old === undefined) return;
    this.entries.delete(key);
    this.bytes -= old.size + key.length;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
