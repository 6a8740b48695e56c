// Builds the query pipeline (resolver, caches, forwarder, allow list → handler) from plain data,
// the same way on the main thread and in each extra worker thread.
import type { Config } from '../config/index.ts';
import type { Logger } from '../log.ts';
import { Acl } from './acl.ts';
import { AnswerCache, TtlCache } from './cache.ts';
import { Forwarder, type Upstream } from './forwarder.ts';
import { QueryHandler } from './handler.ts';
import type { DnsMetrics } from './metrics.ts';
import { RateLimitedLog } from './ratelog.ts';
import { Resolver } from './resolver.ts';
import type { Zone } from './zone.ts';

export const maxCacheTtl = 86_400;
export const minTtl = 30;

export interface PipelineSpec {
  readonly dns: Config['dns'];
  readonly zones: readonly string[];
  /** Undefined: forwarding is off. */
  readonly upstreams: readonly Upstream[] | undefined;
  readonly allow: readonly string[];
}

export interface Pipeline {
  readonly handler: QueryHandler;
  readonly forwarder: Forwarder | undefined;
  /** Swaps the allow list (the cluster network may appear after start). */
  setAllow(networks: readonly string[]): void;
  readonly acl: () => Acl;
}

/** `refreshAllow`: asked to re-read the allow list when it refuses someone (rate-limited by the caller). */
export function createPipeline(spec: PipelineSpec, zone: Zone, metrics: DnsMetrics, isLoaded: () => boolean, logger?: Logger, refreshAllow?: () => void): Pipeline {
  const { dns } = spec;
  const bounds = { maxBytes: dns.cache_max_bytes, maxEntryBytes: dns.cache_entry_max_bytes };
  const answerCache = new AnswerCache({ maxEntries: Math.max(1, dns.cache_size), ...bounds });
  zone.onChange(() => {
    answerCache.clear();
    metrics.zoneRecords.set(zone.size);
    metrics.zoneInvalid.set(zone.invalid.length);
  });
  const forwarder =
    spec.upstreams === undefined
      ? undefined
      : new Forwarder({
          upstreams: spec.upstreams,
          timeout: dns.forward_timeout,
          ednsBuffer: dns.edns_buffer,
          observe: (upstream, outcome, seconds) => metrics.forwardDuration.observe({ upstream, outcome }, seconds),
        });
  let acl = new Acl(spec.allow);
  const handler = new QueryHandler({
    resolver: new Resolver(zone, { zones: spec.zones, defaultTtl: dns.ttl, minTtl }),
    zoneReady: isLoaded,
    answerCache,
    forwardCache: new TtlCache({ max: Math.max(1, dns.cache_size), maxTtl: dns.cache_size === 0 ? 0 : maxCacheTtl, ...bounds }),
    forwarder,
    acl: {
      allows: (address: string) => {
        if (acl.allows(address)) return true;
        refreshAllow?.();
        return acl.allows(address);
      },
    },
    ednsBuffer: dns.edns_buffer,
    metrics,
    ...(logger === undefined ? {} : { log: new RateLimitedLog(logger) }),
  });
  return { handler, forwarder, setAllow: (networks) => (acl = new Acl(networks)), acl: () => acl };
}
