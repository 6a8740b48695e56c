// Two caches of encoded responses, both patched per query with the client's ID, RD/CD bits and
// question bytes (so the client's spelling of the name comes back). The answer cache holds zone
// answers until the zone changes; the TTL cache holds forwarded responses for their TTL (RFC 1035
// §7.4), negative ones for min(SOA TTL, SOA MINIMUM) (RFC 2308 §5), with TTLs counted down. Pure.
import { BoundedMap, type CacheBounds } from './bounded.ts';
import { Rcode, skipName, Type, type Query } from './wire.ts';
import { WireCache } from './wirecache.ts';

export type { CacheBounds } from './bounded.ts';

/**
 * Cache key of a question: the lower-cased name, type, and how the client spoke EDNS (it shapes the
 * response). Spellings (0x20) share an entry: patchResponse writes each client's question back, and
 * encoded answers point into the question only for the question name itself (see message.ts).
 */
export function cacheKey(query: Query): string {
  const mode = query.edns === undefined ? 0 : query.edns.dnssecOk ? 2 : 1;
  return `${query.nameKey}\u0000${query.type}\u0000${mode}`;
}

const unbounded: CacheBounds = { maxBytes: Infinity, maxEntryBytes: Infinity };

/** A copy of `cached` answering `raw`: its ID, RD and CD bits, its question bytes; RA as given. */
export function patchResponse(cached: Buffer, raw: Buffer, query: Query, ra: boolean): Buffer {
  const out = Buffer.allocUnsafe(cached.length);
  cached.copy(out);
  out[0] = raw[0] ?? 0;
  out[1] = raw[1] ?? 0;
  out[2] = ((cached[2] ?? 0) & 0xfe) | ((raw[2] ?? 0) & 0x01);
  out[3] = ((cached[3] ?? 0) & 0x6f) | (ra ? 0x80 : 0) | ((raw[3] ?? 0) & 0x10);
  raw.copy(out, 12, 12, query.questionEnd);
  return out;
}

/** The header-and-question (plus OPT) remainder of an oversized response, with TC set. */
export function truncate(response: Buffer, query: Query, ednsBuffer: number): Buffer {
  const opt = query.edns === undefined ? 0 : 11;
  const out = Buffer.alloc(query.questionEnd + opt);
  response.copy(out, 0, 0, query.questionEnd);
  out[2] = (out[2] ?? 0) | 0x02;
  out.writeUInt16BE(0, 6);
  out.writeUInt16BE(0, 8);
  out.writeUInt16BE(opt === 0 ? 0 : 1, 10);
  if (opt !== 0) {
    const o = query.questionEnd;
    out.writeUInt16BE(Type.OPT, o + 1);
    out.writeUInt16BE(ednsBuffer, o + 3);
    if (query.edns?.dnssecOk === true) out.writeUInt16BE(0x8000, o + 7);
  }
  return out;
}

export class AnswerCache {
  readonly #map: BoundedMap<{ readonly size: number; readonly response: Buffer }>;
  /** The same answers by exact UDP query bytes (the fast path); cleared with this cache. */
  readonly wire: WireCache;

  /** `maxBytes` is shared evenly by the answers by name and their copies by query bytes. */
  constructor(options: { readonly maxEntries: number } & Partial<CacheBounds>) {
    const bounds = { ...unbounded, ...options, maxBytes: (options.maxBytes ?? Infinity) / 2 };
    this.#map = new BoundedMap(options.maxEntries, bounds);
    this.wire = new WireCache(options.maxEntries, bounds);
  }

  get size(): number {
    return this.#map.entries.size;
  }

  /** Bytes held (responses and keys, both maps). */
  get bytes(): number {
    return this.#map.bytes + this.wire.bytes;
  }

  get(key: string): Buffer | undefined {
    return this.#map.entries.get(key)?.response;
  }

  /** Stores a response; false when it is over the per-entry bound (it is then not cached). */
  set(key: string, response: Buffer): boolean {
    return this.#map.set(key, { size: response.length, response });
  }

  clear(): void {
    this.#map.clear();
    this.wire.clear();
  }
}

export interface ResponseShape {
  readonly rcode: number;
  readonly truncated: boolean;
  readonly answers: number;
  /** Offsets of every TTL field except the OPT record's. */
  readonly ttlOffsets: readonly number[];
  /** How long the response may be cached, in seconds (0: not at all). */
  readonly cacheTtl: number;
}

/** CoreDNS's dnsutil.MinimalDefaultTTL: how long a negative answer without any record is cached. */
export const recordlessNegativeTtl = 5;

/** Walks a response's records to find its TTL fields and how long it may be cached; undefined when malformed. */
export function inspectResponse(buf: Buffer, maxTtl: number): ResponseShape | undefined {
  if (buf.length < 12) return undefined;
  const rcode = (buf[3] ?? 0) & 0x0f;
  const truncated = ((buf[2] ?? 0) & 0x02) !== 0;
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  const ns = buf.readUInt16BE(8);
  const ar = buf.readUInt16BE(10);
  let o = 12;
  for (let i = 0; i < qd; i++) {
    o = skipName(buf, o);
    if (o < 0 || o + 4 > buf.length) return undefined;
    o += 4;
  }
  const ttlOffsets: number[] = [];
  let minTtl = Infinity;
  let negativeTtl = 0;
  for (let i = 0; i < an + ns + ar; i++) {
    o = skipName(buf, o);
    if (o < 0 || o + 10 > buf.length) return undefined;
    const type = buf.readUInt16BE(o);
    const ttl = buf.readUInt32BE(o + 4);
    const rdlength = buf.readUInt16BE(o + 8);
    if (o + 10 + rdlength > buf.length) return undefined;
    if (type !== Type.OPT) {
      ttlOffsets.push(o + 4);
      if (i < an + ns) minTtl = Math.min(minTtl, ttl);
      if (type === Type.SOA && i >= an && i < an + ns) {
        const rdata = o + 10;
        const minimumAt = skipName(buf, skipName(buf, rdata)) + 16;
        if (minimumAt > 16 && minimumAt + 4 <= rdata + rdlength) negativeTtl = Math.min(ttl, buf.readUInt32BE(minimumAt));
      }
    }
    o += 10 + rdlength;
  }
  let cacheTtl = 0;
  if (!truncated && rcode === Rcode.NOERROR && an > 0) cacheTtl = minTtl === Infinity ? 0 : minTtl;
  else if (!truncated && (rcode === Rcode.NXDOMAIN || (rcode === Rcode.NOERROR && an === 0))) {
    // A negative answer with no record at all (dnsmasq's local NXDOMAIN has no SOA): CoreDNS's cache
    // keeps it MinimalDefaultTTL (dnsutil.MinimalTTL), so a repeat does not go upstream every time.
    cacheTtl = an + ns === 0 && ttlOffsets.length === 0 ? recordlessNegativeTtl : negativeTtl;
  }
  return { rcode, truncated, answers: an, ttlOffsets, cacheTtl: Math.min(cacheTtl, maxTtl) };
}

interface TtlEntry {
  readonly size: number;
  readonly response: Buffer;
  readonly ttlOffsets: readonly number[];
  readonly ttls: readonly number[];
  readonly stored: number;
  readonly expires: number;
}

export class TtlCache {
  readonly #map: BoundedMap<TtlEntry>;
  readonly #maxTtl: number;
  readonly #now: () => number;

  constructor(options: { max: number; maxTtl: number; now?: () => number } & Partial<CacheBounds>) {
    this.#map = new BoundedMap(options.max, { ...unbounded, ...options });
    this.#maxTtl = options.maxTtl;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#map.entries.size;
  }

  /** Bytes held (responses, their TTL offsets and keys). */
  get bytes(): number {
    return this.#map.bytes;
  }

  /** Stores an upstream response if it may be cached; returns the TTL it got (0: not stored). */
  store(key: string, response: Buffer): number {
    const shape = inspectResponse(response, this.#maxTtl);
    if (shape === undefined || shape.cacheTtl <= 0) return 0;
    const now = this.#now();
    const ttls = shape.ttlOffsets.map((at) => response.readUInt32BE(at));
    const size = response.length + 16 * ttls.length;
    const stored = this.#map.set(key, { size, response, ttlOffsets: shape.ttlOffsets, ttls, stored: now, expires: now + shape.cacheTtl * 1000 });
    return stored ? shape.cacheTtl : 0;
  }

  /** The cached response for `key` with TTLs counted down, patched for this query; undefined on a miss. */
  get(key: string, raw: Buffer, query: Query, ra: boolean): Buffer | undefined {
    const entry = this.#map.entries.get(key);
    if (entry === undefined) return undefined;
    const now = this.#now();
    if (now >= entry.expires) {
      this.#map.delete(key);
      return undefined;
    }
    const out = patchResponse(entry.response, raw, query, ra);
    const elapsed = Math.floor((now - entry.stored) / 1000);
    entry.ttlOffsets.forEach((at, i) => out.writeUInt32BE(Math.max(0, (entry.ttls[i] ?? 0) - elapsed), at));
    return out;
  }

  clear(): void {
    this.#map.clear();
  }
}
