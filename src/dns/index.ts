// The DNS area: the zone fed by a prefix watch on the SkyDNS path, the server, the forwarder and
// its cache, and the registration routes. Creating it has no side effects; start() binds the
// sockets first (zone names get SERVFAIL until the first snapshot) and never waits for etcd.
import { onceStop, type ApiRoute, type Area } from '../area.ts';
import type { Config } from '../config/index.ts';
import { WeftError } from '../errors.ts';
import { leaseTtlQuery, PrefixWatch, type EtcdHandle, type KeyValue } from '../etcd/index.ts';
import type { Logger } from '../log.ts';
import { Worker } from 'node:worker_threads';
import { cidrProblem, loopbackNetworks } from './acl.ts';
import { formatUpstream, type Upstream } from './forwarder.ts';
import { ZoneLeaseTtls } from './leases.ts';
import { createDnsMetrics, type DnsMetrics } from './metrics.ts';
import { createPipeline, type Pipeline, type PipelineSpec } from './pipeline.ts';
import { registrationRoutes } from './registration.ts';
import { effectiveDns, parseSkydnsConfig, type EffectiveDns, type SkydnsSettings } from './skydns-config.ts';
import { DnsServer, type ListenAddress } from './server.ts';
import { findUpstreams, parseDnsSettings } from './settings.ts';
import type { FromWorker, ToWorker, WorkerData } from './worker.ts';
import { Zone } from './zone.ts';

export { Zone } from './zone.ts';
export { Resolver } from './resolver.ts';
export { reverseName } from './registration.ts';
export { validateDns } from './settings.ts';

export interface DnsAreaOptions {
  readonly config: Pick<Config, 'dns'>;
  /** The client, and this host's lease for registrations (without it they answer 503). */
  readonly etcd: EtcdHandle;
  readonly logger: Logger;
  /** The cluster network(s), allowed to recurse besides loopback when `dns.allow` is empty. */
  readonly clusterNetworks?: () => readonly string[];
  /** Default /etc/resolv.conf. */
  readonly resolvConf?: string;
}

/** Names listed in status() (the status page); `records` counts them all. */
const statusNameLimit = 100;
// Compiled to dist/, the worker is a .js file beside this one.
const workerFile = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);

export class DnsArea implements Area {
  readonly name = 'dns';
  readonly dnsMetrics: DnsMetrics = createDnsMetrics();
  readonly metrics = this.dnsMetrics.registry;
  readonly routes: readonly ApiRoute[];
  readonly zone: Zone;
  readonly #o: DnsAreaOptions;
  readonly #log: Logger;
  #settings: EffectiveDns;
  /** SkyDNS's settings key as last read: what it set, or why it was refused. */
  #skydns: { readonly settings?: SkydnsSettings; readonly error?: string } = {};
  #server: DnsServer | undefined;
  #watch: PrefixWatch | undefined;
  #leases: ZoneLeaseTtls | undefined;
  #pipeline: Pipeline | undefined;
  #upstreams: readonly Upstream[] = [];
  readonly #workers: Worker[] = [];
  readonly #workerCounters = new Map<string, number>();
  #loaded = false;
  #stopped = false;
  /** The allow list in force (joined), when it was last re-read, and the timer re-reading it. */
  #allowKey = '';
  #allowReadAt = 0;
  #allowTimer: NodeJS.Timeout | undefined;

  constructor(options: DnsAreaOptions) {
    this.#o = options;
    this.#log = options.logger.child({ area: 'dns' });
    const dns = options.config.dns;
    this.zone = new Zone(dns.path);
    this.#settings = effectiveDns(dns, undefined, []);
    this.routes = registrationRoutes({
      path: this.zone.path,
      zones: () => this.#settings.zones,
      ttl: dns.register_ttl,
      hostLease: () => options.etcd.hostLease(),
      registerNetworks: () => [...dns.register_allow, ...(options.clusterNetworks?.() ?? [])],
    });
  }

  /** Where the server listens (ports resolved when the config said 0). */
  get addresses(): readonly ListenAddress[] {
    return this.#server?.addresses ?? [];
  }

  async start(): Promise<void> {
    const dns = this.#o.config.dns;
    const { upstreams: configured, listen } = parseDnsSettings(dns);
    this.#upstreams = dns.forward ? findUpstreams(configured, listen, this.#o.resolvConf ?? '/etc/resolv.conf', this.#log) : [];
    this.#settings = effectiveDns(dns, undefined, this.#upstreams);
    const allow = this.#allow();
    this.#allowKey = allow.join(',');
    this.#allowReadAt = Date.now();
    const spec: PipelineSpec = { dns, settings: this.#settings, allow };
    this.#pipeline = createPipeline(spec, this.zone, this.dnsMetrics, () => this.#loaded, this.#log, () => this.#followAllow());
    // The cluster network usually appears after start (the subnet lease): follow it, also in workers.
    this.#allowTimer = setInterval(() => this.#followAllow(), 1000).unref();
    const reusePort = dns.workers > 0;
    const tcp = { idleMs: dns.tcp_idle_timeout, frameMs: dns.tcp_frame_timeout, connectionMs: dns.tcp_connection_timeout, maxPending: dns.tcp_max_pending, writeBuffer: dns.tcp_write_buffer };
    const limits = { tcp, maxTcpConnections: dns.tcp_max_connections, maxTcpConnectionsPerClient: dns.tcp_max_connections_per_client };
    this.#server = new DnsServer({ listen, handler: this.#pipeline.handler, metrics: this.dnsMetrics, logger: this.#log, reusePort, ...limits });
    await this.#server.start();
    for (let i = 0; i < dns.workers; i++) this.#workers.push(await this.#startWorker(spec, this.#server.addresses));
    this.#log.info({ event: 'dns_listening', addresses: this.#server.addresses.map(formatUpstream), zones: this.#settings.zones, workers: dns.workers }, 'DNS server listening');
    const configKey = `${this.zone.path}/config`;
    const bounds = { min: Math.floor(dns.min_lease_ttl / 1000), max: Math.floor(dns.max_lease_ttl / 1000) };
    const leases = new ZoneLeaseTtls(this.zone, leaseTtlQuery(this.#o.etcd.client), bounds, (ttls) => this.#broadcast({ kind: 'leases', ttls: [...ttls] }));
    this.#leases = leases;
    leases.start();
    const etcdMetrics = this.#o.etcd.metrics;
    this.#watch = new PrefixWatch(this.#o.etcd.client, { prefix: `${this.zone.path}/`, logger: this.#log, ...(etcdMetrics ? { metrics: etcdMetrics } : {}) }, {
      snapshot: (items: readonly KeyValue[], revision: number) => {
        this.#skydnsConfig(items.find((item) => item.key === configKey)?.value);
        this.zone.replaceAll(items, revision);
        this.#broadcast({ kind: 'snapshot', items: items.map(({ key, value, lease }) => ({ key, value, lease })), revision });
        this.#loaded = true;
        void leases.refresh();
        this.#log.info({ event: 'dns_zone_loaded', records: this.zone.size, invalid: this.zone.invalid.length, revision }, 'zone loaded from etcd');
      },
      put: (item: KeyValue) => {
        if (item.key === configKey) this.#skydnsConfig(item.value);
        this.zone.put(item, item.modRevision);
        leases.noteLease(item.lease);
        this.#broadcast({ kind: 'put', item: { key: item.key, value: item.value, lease: item.lease }, revision: item.modRevision });
      },
      delete: (key: string, revision: number) => {
        if (key === configKey) this.#skydnsConfig(undefined);
        this.zone.delete(key, revision);
        this.#broadcast({ kind: 'delete', key, revision });
      },
    });
    void this.#watch.start();
  }

  /** SkyDNS's settings key (absent: undefined) laid over [dns]; swapped in when that changes anything. */
  #skydnsConfig(value: string | undefined): void {
    const dns = this.#o.config.dns;
    const where = `${this.zone.path}/config`;
    let settings: SkydnsSettings | undefined;
    this.#skydns = {};
    if (value !== undefined && dns.skydns_config) {
      try {
        settings = parseSkydnsConfig(value, where);
        this.#skydns = { settings };
      } catch (error) {
        this.#skydns = { error: (error as Error).message };
        this.#log.error({ event: 'dns_skydns_config_invalid', code: 'WEFT_E_DNS_SKYDNS_CONFIG', key: where, err: (error as Error).message }, 'SkyDNS settings key refused');
      }
    }
    const next = effectiveDns(dns, settings, this.#upstreams);
    if (JSON.stringify(next) === JSON.stringify(this.#settings)) return;
    this.#settings = next;
    this.#pipeline?.configure(next);
    this.#broadcast({ kind: 'settings', settings: next });
    this.#log.info({ event: 'dns_settings_changed', key: where, zones: next.zones, ttl: next.defaultTtl, minTtl: next.minTtl, ignored: settings?.ignored ?? [] }, 'DNS settings follow SkyDNS\'s settings key');
  }

  #broadcast(message: ToWorker): void {
    for (const worker of this.#workers) worker.postMessage(message);
  }

  async #startWorker(spec: PipelineSpec, listen: readonly ListenAddress[]): Promise<Worker> {
    const worker = new Worker(workerFile, { workerData: { spec, listen } satisfies WorkerData });
    await new Promise<void>((resolve, reject) => {
      worker.on('message', (message: FromWorker) => {
        if (message.kind === 'ready') resolve();
        else if (message.kind === 'error') reject(new WeftError('WEFT_E_DNS_LISTEN', `DNS worker thread cannot listen: ${message.message}`));
        else this.#addCounts(worker.threadId, message);
      });
      worker.once('error', reject);
    });
    worker.on('error', (error: Error) => this.#log.error({ event: 'dns_worker_failed', err: error.message }, 'DNS worker thread failed'));
    return worker;
  }

  #addCounts(thread: number, counts: Extract<FromWorker, { kind: 'counts' }>): void {
    const m = this.dnsMetrics;
    for (const [key, count] of counts.queries) {
      const [type = '', rcode = ''] = key.split('|');
      m.query(type, rcode, count);
    }
    for (const [key, value] of counts.counters) {
      const id = `${thread}|${key}`;
      const delta = value - (this.#workerCounters.get(id) ?? 0);
      this.#workerCounters.set(id, value);
      const [name, label = ''] = key.split('|');
      if (delta <= 0) continue;
      if (name === 'hits') m.cacheHits.inc({ cache: label }, delta);
      else if (name === 'misses') m.cacheMisses.inc({ cache: label }, delta);
      else m.dropped.inc({ reason: label }, delta);
    }
    for (const [upstream, outcome, seconds] of counts.forwards) m.forwardDuration.observe({ upstream, outcome }, seconds);
  }

  /** Resolves once the zone holds its first snapshot (tests, `weft dns`). */
  async synced(): Promise<void> {
    while (!this.#loaded) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  readonly stop = onceStop('dns', async () => {
    this.#stopped = true;
    clearInterval(this.#allowTimer);
    this.#leases?.stop();
    const exits = this.#workers.splice(0).map((worker) => {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage({ kind: 'stop' } satisfies ToWorker);
      return Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000).unref())]).then(() => worker.terminate());
    });
    await Promise.all(exits);
    await this.#server?.stop();
    await this.#watch?.stop();
  });

  ready(): boolean {
    return !this.#stopped && this.#loaded && this.#server !== undefined;
  }

  readonly notReadyReason = (): string | undefined => {
    if (this.#stopped) return 'stopped';
    if (this.#server === undefined) return 'DNS server not listening yet';
    return this.#loaded ? undefined : `waiting for the first snapshot of ${this.zone.path}/ from etcd`;
  };

  readonly status = (): unknown => ({
    listen: this.addresses.map(formatUpstream),
    zones: this.#settings.zones.map((z) => `${z}.`),
    skydnsConfig: { ...this.#skydns, ttl: this.#settings.defaultTtl, minTtl: this.#settings.minTtl },
    records: this.zone.size,
    // The first names for the status page; `records` counts them all.
    names: this.zone.first(statusNameLimit).map((s) => ({ name: s.name, host: s.host, ...(s.port === 0 ? {} : { port: s.port }), ...(s.text === '' ? {} : { text: s.text }), ttl: s.ttl })),
    invalidKeys: this.zone.invalid.slice(0, 20),
    invalidReasons: this.zone.invalidReasons(20),
    revision: this.zone.revision,
    watch: this.#watch?.status(),
    leaseTtls: this.#leases?.status(),
    upstreams: this.#upstreams.map(formatUpstream),
    allow: this.#pipeline?.acl().networks ?? [],
    workers: this.#workers.length,
    tcp: this.#server?.tcpStatus(),
  });

  readonly reload = async (): Promise<void> => {
    // Nothing to re-read beyond the allow list's cluster network (followed anyway, see #followAllow).
    this.#followAllow(true);
  };

  /** Re-reads the allow list (at most once a second unless forced) and swaps it in when it changed. */
  #followAllow(force = false): void {
    const now = Date.now();
    if (this.#pipeline === undefined || (!force && now - this.#allowReadAt < 1000)) return;
    this.#allowReadAt = now;
    const networks = this.#allow();
    const key = networks.join(',');
    if (key === this.#allowKey) return;
    this.#allowKey = key;
    this.#pipeline.setAllow(networks);
    this.#broadcast({ kind: 'allow', networks });
    this.#log.info({ event: 'dns_allow_changed', allow: networks }, 'DNS allow list follows the cluster network');
  }

  #allow(): string[] {
    const dns = this.#o.config.dns;
    const cluster = (this.#o.clusterNetworks?.() ?? []).filter((cidr) => cidrProblem(cidr) === undefined);
    return dns.allow.length > 0 ? [...dns.allow] : [...loopbackNetworks, ...cluster];
  }
}

export function createDnsArea(options: DnsAreaOptions): DnsArea {
  return new DnsArea(options);
}
