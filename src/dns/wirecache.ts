// The UDP fast path's cache: final zone answers keyed by the query's exact bytes after the ID
// (flags, counts, the question as the client spelled it, any OPT record). A hit is the whole
// answer: it is copied and given the query's ID and, per client, the RA bit; nothing is parsed or
// encoded. Everything else a response depends on is in the key (name case, RD/CD, EDNS size and DO,
// hence the truncation limit) or lives with the answer cache that owns this one and clears it on
// every zone or settings change. Bounded in entries and bytes like the other caches. Pure.
import { BoundedMap, type CacheBounds } from './bounded.ts';

/** Queries longer than this are never keyed (a plain question is ~30-60 bytes; OPT adds 11+). */
export const maxKeyBytes = 300;

export interface WireAnswer {
  readonly size: number;
  /** The UDP response with RA clear; bytes 0-1 (ID) are overwritten per query. */
  readonly response: Buffer;
  /** DnsMetrics query key (type|rcode) of this answer. */
  readonly metric: string;
}

function wireKey(raw: Buffer): string | undefined {
  return raw.length < 12 || raw.length > maxKeyBytes ? undefined : raw.toString('latin1', 2);
}

export class WireCache {
  readonly #map: BoundedMap<WireAnswer>;

  constructor(maxEntries: number, bounds: CacheBounds) {
    this.#map = new BoundedMap(maxEntries, bounds);
  }

  get size(): number {
    return this.#map.entries.size;
  }

  get bytes(): number {
    return this.#map.bytes;
  }

  /** The answer to `raw` when these exact bytes were answered before from the zone. */
  get(raw: Buffer): WireAnswer | undefined {
    const key = wireKey(raw);
    return key === undefined ? undefined : this.#map.entries.get(key);
  }

  /** A fresh copy of `entry` answering `raw`: its ID, RA as given. */
  static answer(entry: WireAnswer, raw: Buffer, ra: boolean): Buffer {
    const out = Buffer.allocUnsafe(entry.response.length);
    entry.response.copy(out);
    out[0] = raw[0] ?? 0;
    out[1] = raw[1] ?? 0;
    if (ra) out[3] = (out[3] ?? 0) | 0x80;
    return out;
  }

  /** Remembers `response` (as sent to `raw` over UDP) for later queries with the same bytes. */
  set(raw: Buffer, response: Buffer, metric: string): void {
    const key = wireKey(raw);
    if (key === undefined) return;
    const stored = Buffer.from(response);
    stored[3] = (stored[3] ?? 0) & 0x7f;
    this.#map.set(key, { size: stored.length + metric.length, response: stored, metric });
  }

  clear(): void {
    this.#map.clear();
  }
}
