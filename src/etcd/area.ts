// The etcd connection as an area: one client for the whole daemon, plus this host's lease for
// records that must die with the host. Ready while etcd answered within the last probe interval.
import type { Etcd3 } from 'etcd3';
import { Registry } from 'prom-client';
import type { Area } from '../area.ts';
import type { Config } from '../config/index.ts';
import type { Logger } from '../log.ts';
import { createEtcdClient } from './client.ts';
import { HostLease } from './host-lease.ts';
import { createEtcdMetrics, type EtcdMetrics } from './metrics.ts';

const probeIntervalMs = 5000;

export class EtcdArea implements Area {
  readonly name = 'etcd';
  readonly metrics = new Registry();
  readonly etcdMetrics: EtcdMetrics = createEtcdMetrics(this.metrics);
  readonly #config: Config;
  readonly #log: Logger;
  readonly #client: Etcd3;
  #hostLease: HostLease | undefined;
  #probe: NodeJS.Timeout | undefined;
  #lastOk = 0;
  #lastError: string | undefined;

  constructor(config: Config, logger: Logger) {
    this.#config = config;
    this.#log = logger.child({ area: 'etcd' });
    // The etcd3 client connects lazily, on its first call: building it here touches no network,
    // and lets the areas that use it be built (side-effect free) before anything starts.
    this.#client = createEtcdClient(config.etcd);
  }

  /** The shared client. */
  get client(): Etcd3 {
    return this.#client;
  }

  /** This host's lease; granted in the background after start(). */
  get hostLease(): HostLease {
    if (this.#hostLease === undefined) throw new Error('etcd area used before start()');
    return this.#hostLease;
  }

  async start(): Promise<void> {
    this.#hostLease = new HostLease(this.#client, { ttl: this.#config.etcd.host_lease_ttl, logger: this.#log, metrics: this.etcdMetrics });
    void this.#hostLease.start();
    await this.#runProbe();
    this.#probe = setInterval(() => void this.#runProbe(), probeIntervalMs);
    this.#probe.unref();
  }

  async stop(): Promise<void> {
    if (this.#probe !== undefined) clearInterval(this.#probe);
    // Revoke: a cleanly stopped daemon withdraws its records at once instead of after the TTL.
    await this.#hostLease?.stop({ revoke: true });
    this.#client.close();
  }

  ready(): boolean {
    return Date.now() - this.#lastOk < 2 * probeIntervalMs + this.#config.etcd.dial_timeout;
  }

  readonly notReadyReason = (): string | undefined => (this.ready() ? undefined : `etcd at ${this.#config.etcd.endpoints.join(', ')} unreachable: ${this.#lastError ?? 'no answer yet'}`);

  readonly status = (): unknown => ({
    endpoints: this.#config.etcd.endpoints,
    lastOk: this.#lastOk === 0 ? null : new Date(this.#lastOk).toISOString(),
    lastError: this.#lastError ?? null,
    hostLease: this.#hostLease?.status(),
  });

  async #runProbe(): Promise<void> {
    try {
      await this.#client.get('/weft/.ping').exec();
      if (this.#lastError !== undefined) this.#log.info({ event: 'etcd_reachable' }, 'etcd answers again');
      this.#lastOk = Date.now();
      this.#lastError = undefined;
    } catch (error) {
      if (this.#lastError === undefined) this.#log.warn({ event: 'etcd_unreachable', err: (error as Error).message }, 'etcd does not answer');
      this.#lastError = (error as Error).message;
    }
  }
}
