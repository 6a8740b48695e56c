// The services area: server registration on the admin API (every host with etcd), and on hosts
// whose proxy renders services, a watch of the keyspace kept as a bounded mirror and a model
// (status, metrics, `GET /v1/services`). The route file itself is rendered by the shipped confd
// resource with this area's template functions; this area never writes files.
import { onceStop, type ApiRoute, type Area } from '../area.ts';
import { problem, type Config, type Problem } from '../config/index.ts';
import { PrefixWatch, type EtcdHandle, type KeyValue } from '../etcd/index.ts';
import type { Logger } from '../log.ts';
import { parseCidr } from '../net/index.ts';
import { createServicesMetrics, type ServicesMetrics } from './metrics.ts';
import { buildServices, modelCounts, type ServicesModel } from './model.ts';
import { listRegistrations, registrationRoutes } from './registration.ts';

export interface ServicesAreaOptions {
  readonly config: Pick<Config, 'services' | 'proxy'>;
  readonly etcd: EtcdHandle;
  readonly logger: Logger;
  /** The cluster network(s) (CIDR), whose addresses may be registered; read per request. */
  readonly clusterNetworks: () => readonly string[];
  /** Watch the keyspace (hosts whose proxy renders services). */
  readonly watch: boolean;
  /** Bounds of the mirror (defaults: 100 000 keys, 64 MiB). */
  readonly maxKeys?: number;
  readonly maxBytes?: number;
}

const rebuildDelayMs = 10;
const statusInvalidLimit = 100;

/** Checks `[services]` (also `weft config check`). */
export function validateServices(config: Pick<Config, 'services'>): Problem[] {
  const { prefix, register_allow } = config.services;
  const problems: Problem[] = [];
  if (!prefix.startsWith('/') || prefix.endsWith('/') || prefix.includes('//')) problems.push(problem('services.prefix', `"${prefix}" must start with "/" and not end with "/" (e.g. /weft/services)`));
  for (const cidr of register_allow) {
    if (parseCidr(cidr) === undefined) problems.push(problem('services.register_allow', `"${cidr}" is not a network (expected e.g. 10.6.0.0/16 or fd00::/64)`));
  }
  return problems;
}

export class ServicesArea implements Area {
  readonly name = 'services';
  readonly servicesMetrics: ServicesMetrics = createServicesMetrics();
  readonly metrics = this.servicesMetrics.registry;
  readonly routes: readonly ApiRoute[];
  readonly #o: ServicesAreaOptions;
  readonly #log: Logger;
  readonly #prefix: string;
  readonly #mirror = new Map<string, string>();
  readonly #maxKeys: number;
  readonly #maxBytes: number;
  #bytes = 0;
  #skipped = 0;
  #overLimit = false;
  #model: ServicesModel = { services: [], invalid: [] };
  #watch: PrefixWatch | undefined;
  #rebuild: NodeJS.Timeout | undefined;
  #started = false;
  #loaded = false;
  #stopped = false;

  constructor(options: ServicesAreaOptions) {
    this.#o = options;
    this.#log = options.logger.child({ area: 'services' });
    this.#prefix = options.config.services.prefix;
    this.#maxKeys = options.maxKeys ?? 100_000;
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    const services = options.config.services;
    this.routes = services.enabled
      ? registrationRoutes({
          prefix: this.#prefix,
          hostLease: () => options.etcd.hostLease(),
          registerNetworks: () => [...services.register_allow, ...options.clusterNetworks()],
          view: () => (options.watch ? { services: this.#model.services, invalid: this.#model.invalid } : undefined),
          counted: (what, result) => this.servicesMetrics.count(what, result),
        })
      : [];
  }

  /** The model of the keyspace as last rebuilt (watching hosts). */
  get model(): ServicesModel {
    return this.#model;
  }

  async start(): Promise<void> {
    if (this.#stopped) return;
    this.#started = true;
    if (!this.#o.watch) return;
    const etcdMetrics = this.#o.etcd.metrics;
    this.#watch = new PrefixWatch(this.#o.etcd.client, { prefix: `${this.#prefix}/`, logger: this.#log, ...(etcdMetrics ? { metrics: etcdMetrics } : {}) }, {
      snapshot: (items: readonly KeyValue[]) => {
        this.#mirror.clear();
        this.#bytes = 0;
        this.#overLimit = false;
        for (const item of items) this.#put(item.key, item.value);
        this.#rebuildNow();
        this.#loaded = true;
        this.#log.info({ event: 'services_loaded', keys: this.#mirror.size, ...modelCounts(this.#model) }, 'services keyspace loaded');
      },
      put: (item: KeyValue) => {
        this.#put(item.key, item.value);
        this.#scheduleRebuild();
      },
      delete: (key: string) => {
        const old = this.#mirror.get(key);
        if (old !== undefined) this.#bytes -= key.length + old.length;
        this.#mirror.delete(key);
        this.#scheduleRebuild();
      },
    });
    void this.#watch.start();
  }

  #put(key: string, value: string): void {
    const old = this.#mirror.get(key);
    const bytes = this.#bytes - (old === undefined ? 0 : key.length + old.length) + key.length + value.length;
    if ((old === undefined && this.#mirror.size >= this.#maxKeys) || bytes > this.#maxBytes) {
      this.#skipped += 1;
      if (!this.#overLimit) this.#log.warn({ event: 'services_mirror_full', keys: this.#mirror.size, bytes: this.#bytes, maxKeys: this.#maxKeys, maxBytes: this.#maxBytes, key }, 'services keyspace larger than the mirror bound; further keys skipped');
      this.#overLimit = true;
      return;
    }
    this.#mirror.set(key, value);
    this.#bytes = bytes;
  }

  #scheduleRebuild(): void {
    if (this.#rebuild !== undefined || this.#stopped) return;
    this.#rebuild = setTimeout(() => {
      this.#rebuild = undefined;
      this.#rebuildNow();
    }, rebuildDelayMs);
  }

  #rebuildNow(): void {
    this.#model = buildServices(this.#mirror, this.#prefix);
    const counts = modelCounts(this.#model);
    this.servicesMetrics.services.set(counts.services);
    this.servicesMetrics.servers.set(counts.servers);
    this.servicesMetrics.invalid.set(counts.invalid);
  }

  readonly stop = onceStop('services', async () => {
    this.#stopped = true;
    clearTimeout(this.#rebuild);
    this.#rebuild = undefined;
    await this.#watch?.stop();
  });

  ready(): boolean {
    return this.#started && !this.#stopped && (!this.#o.watch || this.#loaded);
  }

  readonly notReadyReason = (): string | undefined => {
    if (this.#stopped) return 'stopped';
    if (!this.#started) return 'not started';
    return this.ready() ? undefined : `waiting for the first snapshot of ${this.#prefix}/ from etcd`;
  };

  readonly status = (): unknown => {
    const counts = modelCounts(this.#model);
    const hostLease = this.#o.etcd.hostLease();
    return {
      prefix: this.#prefix,
      watching: this.#o.watch,
      services: counts.services,
      servers: counts.servers,
      invalid: this.#model.invalid.slice(0, statusInvalidLimit),
      invalidCount: counts.invalid,
      warnings: this.#model.services.flatMap((s) => (s.config?.warnings ?? []).map((warning) => ({ key: `${this.#prefix}/${s.name}/config`, warning }))).slice(0, statusInvalidLimit),
      registrations: hostLease === undefined ? 0 : listRegistrations(hostLease.keys(), this.#prefix).length,
      ...(this.#skipped === 0 ? {} : { skippedOverLimit: this.#skipped }),
      ...(this.#watch === undefined ? {} : { watch: this.#watch.status() }),
    };
  };
}

export function createServicesArea(options: ServicesAreaOptions): ServicesArea {
  return new ServicesArea(options);
}
