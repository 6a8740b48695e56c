// Builds the query pipeline (resolver, caches, forwarder, allow list → handler) from plain data,
// the same way on the main thread and in each extra worker thread.
import type { Config } from '../config/index.ts';
import type { Logger } from '../log.ts';
import { Acl } from './acl.ts';
import { AnswerCache, TtlCache } from './cache.ts';
import { Forwarder } from './forwarder.ts';
import { QueryHandler } from './handler.ts';
import type { DnsMetrics } from './metrics.ts';
import { RateLimitedLog } from './ratelog.ts';
import { Resolver, type ResolverOptions } from './resolver.ts';
import type { EffectiveDns } from './skydns-config.ts';
import type { Zone } from './zone.ts';

export const maxCacheTtl = 86_400;

export interface PipelineSpec {
  readonly dns: Config['dns'];
  /** Zones, TTLs, upstreams: weft's [dns] with SkyDNS's settings key laid over it. */
  readonly settings: EffectiveDns;
  readonly allow: readonly string[];
}

export interface Pipeline {
  readonly handler: QueryHandler;
  /** Swaps the allow list (the cluster network may appear after start). */
  setAllow(networks: readonly string[]): void;
  readonly acl: () => Acl;
  /** Swaps zones, TTLs and forwarding (SkyDNS's settings key changed); drops cached answers. */
  configure(settings: EffectiveDns): void;
}

function resolverOptions(settings: EffectiveDns): ResolverOptions {
  const { zones, defaultTtl, minTtl, hostmaster, defaultPriority } = settings;
  return { zones, defaultTtl, minTtl, hostmaster, defaultPriority };
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
  const forwarderFor = (settings: EffectiveDns): Forwarder | undefined =>
    settings.upstreams === undefined
      ? undefined
      : new Forwarder({
          upstreams: settings.upstreams,
          timeout: settings.forwardTimeoutMs,
          ednsBuffer: dns.edns_buffer,
          observe: (upstream, outcome, seconds) => metrics.forwardDuration.observe({ upstream, outcome }, seconds),
        });
  let acl = new Acl(spec.allow);
  const resolver = new Resolver(zone, resolverOptions(spec.settings));
  const forwardCache = new TtlCache({ max: Math.max(1, dns.cache_size), maxTtl: dns.cache_size === 0 ? 0 : maxCacheTtl, ...bounds });
  const handler = new QueryHandler({
    resolver,
    zoneReady: isLoaded,
    answerCache,
    forwardCache,
    forwarder: forwarderFor(spec.settings),
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
  return {
    handler,
    setAllow: (networks) => (acl = new Acl(networks)),
    acl: () => acl,
    configure: (settings) => {
      resolver.setOptions(resolverOptions(settings));
      handler.setForwarder(forwarderFor(settings));
      answerCache.clear();
    },
  };
}
