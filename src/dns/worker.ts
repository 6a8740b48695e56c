// An extra thread answering UDP on the same ports as the main thread (SO_REUSEPORT): it holds its
// own copy of the zone, fed by the main thread's watch events, and its own caches. Its counters go
// to the main thread once a second.
import { parentPort, workerData } from 'node:worker_threads';
import { silentLogger } from '../log.ts';
import { createDnsMetrics } from './metrics.ts';
import { createPipeline, type PipelineSpec } from './pipeline.ts';
import { DnsServer, type ListenAddress } from './server.ts';
import type { EffectiveDns } from './skydns-config.ts';
import { Zone, type ZoneItem } from './zone.ts';

export interface WorkerData {
  readonly spec: PipelineSpec;
  readonly listen: readonly ListenAddress[];
}

export type ToWorker =
  | { readonly kind: 'snapshot'; readonly items: readonly ZoneItem[]; readonly revision: number }
  | { readonly kind: 'put'; readonly item: ZoneItem; readonly revision: number }
  | { readonly kind: 'delete'; readonly key: string; readonly revision: number }
  | { readonly kind: 'allow'; readonly networks: readonly string[] }
  | { readonly kind: 'settings'; readonly settings: EffectiveDns }
  | { readonly kind: 'leases'; readonly ttls: readonly (readonly [string, number])[] }
  | { readonly kind: 'stop' };

export interface WorkerCounts {
  readonly kind: 'counts';
  readonly queries: [string, number][];
  /** Absolute values per `metric|label`, for the main thread to add the difference. */
  readonly counters: [string, number][];
  readonly forwards: [string, string, number][];
}

export type FromWorker = { readonly kind: 'ready' } | { readonly kind: 'error'; readonly message: string } | WorkerCounts;

const port = parentPort;
if (port !== null) {
  const data = workerData as WorkerData;
  const metrics = createDnsMetrics();
  const zone = new Zone(data.spec.dns.path);
  let loaded = false;
  const forwards: [string, string, number][] = [];
  const pipeline = createPipeline(data.spec, zone, { ...metrics, forwardDuration: { observe: (labels: { upstream: string; outcome: string }, seconds: number) => forwards.push([labels.upstream, labels.outcome, seconds]) } } as unknown as typeof metrics, () => loaded);
  const server = new DnsServer({ listen: data.listen, handler: pipeline.handler, metrics, logger: silentLogger, reusePort: true, udpOnly: true });
  const send = (message: FromWorker): void => port.postMessage(message);
  const flush = async (): Promise<void> => {
    const counters: [string, number][] = [];
    for (const [name, counter] of [['hits', metrics.cacheHits], ['misses', metrics.cacheMisses], ['dropped', metrics.dropped]] as const) {
      for (const v of (await counter.get()).values) counters.push([`${name}|${Object.values(v.labels)[0] ?? ''}`, v.value]);
    }
    send({ kind: 'counts', queries: metrics.drainQueries(), counters, forwards: forwards.splice(0) });
  };
  const timer = setInterval(() => void flush(), 1000);
  port.on('message', (message: ToWorker) => {
    if (message.kind === 'snapshot') {
      zone.replaceAll(message.items, message.revision);
      loaded = true;
    } else if (message.kind === 'put') zone.put(message.item, message.revision);
    else if (message.kind === 'delete') zone.delete(message.key, message.revision);
    else if (message.kind === 'allow') pipeline.setAllow(message.networks);
    else if (message.kind === 'settings') pipeline.configure(message.settings);
    else if (message.kind === 'leases') zone.setLeaseTtls(new Map(message.ttls));
    else if (message.kind === 'stop') {
      clearInterval(timer);
      void flush()
        .then(() => server.stop())
        .then(() => port.close());
    }
  });
  server.start().then(
    () => send({ kind: 'ready' }),
    (error: unknown) => send({ kind: 'error', message: (error as Error).message }),
  );
}
