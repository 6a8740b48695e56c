// weft_dns_* metrics in the area's own registry. The query counter is kept in plain numbers on the
// hot path and handed to prom-client when /metrics is scraped.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface DnsMetrics {
  readonly registry: Registry;
  /** Counts one answered query (cheap: no label lookup). */
  query(type: string, rcode: string, count?: number): void;
  /** Counts one answered query by its `queryKey` (the fast path keeps the key with the answer). */
  countQuery(key: string): void;
  /** Counts one cache hit (a plain number on the hot path, handed to cacheHits when scraped). */
  hit(cache: 'answer' | 'forward'): void;
  /** Query counts not yet handed to prom-client, emptied (worker threads send them to the main one). */
  drainQueries(): [string, number][];
  readonly cacheHits: Counter<'cache'>;
  readonly cacheMisses: Counter<'cache'>;
  readonly dropped: Counter<'reason'>;
  readonly forwardDuration: Histogram<'upstream' | 'outcome'>;
  readonly zoneRecords: Gauge;
  readonly zoneInvalid: Gauge;
}

/** The key `countQuery` takes: query type and response code. */
export function queryKey(type: string, rcode: string): string {
  return `${type}|${rcode}`;
}

export function createDnsMetrics(): DnsMetrics {
  const registry = new Registry();
  const registers = [registry];
  const pending = new Map<string, number>();
  const hits = { answer: 0, forward: 0 };
  const queries = new Counter({
    name: 'weft_dns_queries_total',
    help: 'Queries answered, by query type and response code.',
    labelNames: ['type', 'rcode'],
    registers,
    collect() {
      for (const [key, count] of pending) {
        const [type = '', rcode = ''] = key.split('|');
        this.inc({ type, rcode }, count);
      }
      pending.clear();
    },
  });
  void queries;
  return {
    registry,
    query(type, rcode, count = 1) {
      const key = queryKey(type, rcode);
      pending.set(key, (pending.get(key) ?? 0) + count);
    },
    countQuery(key) {
      pending.set(key, (pending.get(key) ?? 0) + 1);
    },
    hit(cache) {
      hits[cache] += 1;
    },
    drainQueries() {
      const out = [...pending];
      pending.clear();
      return out;
    },
    cacheHits: new Counter({
      name: 'weft_dns_cache_hits_total',
      help: 'Answers served from a cache (answer: zone, forward: upstream).',
      labelNames: ['cache'],
      registers,
      collect() {
        for (const cache of ['answer', 'forward'] as const) {
          if (hits[cache] > 0) this.inc({ cache }, hits[cache]);
          hits[cache] = 0;
        }
      },
    }),
    cacheMisses: new Counter({ name: 'weft_dns_cache_misses_total', help: 'Lookups that missed a cache.', labelNames: ['cache'], registers }),
    dropped: new Counter({ name: 'weft_dns_dropped_total', help: 'Packets dropped without an answer (too short, a response, send failed).', labelNames: ['reason'], registers }),
    forwardDuration: new Histogram({
      name: 'weft_dns_forward_duration_seconds',
      help: 'Time an upstream took to answer a forwarded query, by outcome (ok, rcode, error).',
      labelNames: ['upstream', 'outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    zoneRecords: new Gauge({ name: 'weft_dns_zone_records', help: 'Values held from etcd (zone size).', registers }),
    zoneInvalid: new Gauge({ name: 'weft_dns_zone_invalid_records', help: 'Keys under the path whose value could not be used.', registers }),
  };
}
