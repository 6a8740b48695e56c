// Composition root. Builds the enabled areas from the config, starts them in dependency order
// (admin first so health is visible during start-up, then etcd, then the areas that use it), stops
// them in reverse with a deadline, reloads on SIGHUP, and keeps systemd informed. An area's code is
// loaded (dynamic import of its index.ts) only when the config enables it: a subnet+overlay host
// never loads the DNS, templates or proxy modules (docs/architecture.md, "Loading").
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { createAdminArea, validateAdmin, type AdminArea, type AdminServer, type Readiness } from './admin/index.ts';
import type { ApiRoute, Area, ConfigValidator } from './area.ts';
import { loadConfigOrThrow, type Config, type Problem } from './config/index.ts';
import { WeftError } from './errors.ts';
import type { Logger, LogLevel } from './log.ts';
import type { PublicAddress } from './subnet/index.ts';
import { SystemdNotifier } from './systemd.ts';
import { weftVersion } from './version.ts';

export interface DaemonOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** Where SIGHUP re-reads the config from (with the same env and flags as at start). */
  readonly reloadSource?: { file: string | undefined; env: Readonly<Record<string, string | undefined>>; flags: readonly string[] };
  readonly notifier?: SystemdNotifier;
  /** Called once every area has started (the CLI schedules a heap collection: docs/memory.md). */
  readonly onStarted?: () => void;
  /** Replaces the areas built from the config (tests); admin always comes first. */
  readonly areas?: readonly Area[];
}

/** The proxy serves the services keyspace (rendered by the templates area from etcd). */
const rendersServices = (config: Config): boolean => config.proxy.enabled && config.proxy.services;
const needsEtcd = (config: Config): boolean => config.subnet.enabled || config.overlay.enabled || config.dns.enabled || config.templates.enabled || rendersServices(config);
/** Service registration runs wherever this host talks to etcd. */
const runsServices = (config: Config): boolean => config.services.enabled && needsEtcd(config);
/** The templates area runs for the operator's confdir, or only for the services resource. */
const runsTemplates = (config: Config): boolean => config.templates.enabled || rendersServices(config);

/** Every area's check of its config section, in start order, each loaded only when its area runs. */
const areaValidators: readonly { readonly runs: (config: Config) => boolean; readonly load: () => Promise<ConfigValidator> }[] = [
  { runs: needsEtcd, load: async () => (await import('./etcd/index.ts')).validateEtcd },
  { runs: (config) => config.subnet.enabled, load: async () => (await import('./subnet/index.ts')).validateSubnet },
  { runs: (config) => config.overlay.enabled, load: async () => (await import('./overlay/index.ts')).validateOverlay },
  { runs: (config) => config.dns.enabled, load: async () => (await import('./dns/index.ts')).validateDns },
  { runs: runsServices, load: async () => (await import('./services/index.ts')).validateServices },
  { runs: runsTemplates, load: async () => (await import('./templates/index.ts')).validateTemplates },
  { runs: (config) => config.proxy.enabled, load: async () => (await import('./proxy/index.ts')).validateProxy },
];

/**
 * Every problem of a loaded config that only the areas know about (run before anything starts).
 * `enabled` (the daemon) checks the sections of the areas that will run; a disabled area's section
 * is only type-checked by the schema, so its code is never loaded. `all` (`weft config check`)
 * checks every section, loading every area.
 */
export async function validateConfig(config: Config, scope: 'enabled' | 'all' = 'enabled'): Promise<Problem[]> {
  const validators: ConfigValidator[] = [validateAdmin];
  for (const entry of areaValidators) if (scope === 'all' || entry.runs(config)) validators.push(await entry.load());
  return validators.flatMap((validate) => validate(config));
}

/** The areas the config enables, in start order: the daemon's explicit list. Loads only those. */
async function buildAreas(config: Config, logger: Logger): Promise<Area[]> {
  const areas: Area[] = [];
  // The proxy serves its route file and needs no etcd; last to start, first to stop (it drains
  // while the templates that render its route file still run). Built first: the services resource
  // reloads it (construction has no side effects).
  const proxy = config.proxy.enabled ? (await import('./proxy/index.ts')).createProxyArea({ config, logger }) : undefined;
  if (needsEtcd(config)) areas.push(...(await buildEtcdAreas(config, logger, proxy)));
  if (proxy !== undefined) areas.push(proxy);
  return areas;
}

/** etcd, then the areas that use it. */
async function buildEtcdAreas(config: Config, logger: Logger, proxy: { reload(): Promise<void> } | undefined): Promise<Area[]> {
  const { createEtcdArea } = await import('./etcd/index.ts');
  const etcd = createEtcdArea({ config, logger });
  const areas: Area[] = [etcd];
  let clusterNetworks = (): string[] => [];
  if (config.subnet.enabled) {
    const { createSubnetArea, networkCidrs } = await import('./subnet/index.ts');
    const overlay = config.overlay.enabled ? await import('./overlay/index.ts') : undefined;
    const subnet = createSubnetArea({
      config,
      etcd: etcd.handle,
      logger,
      // With the overlay on, the lease carries the overlay's VTEP MAC from the first write (flanneld's, when taking its device over).
      ...(overlay === undefined ? {} : { vtepMACFor: (address: PublicAddress) => overlay.adoptOrLoadVtepMac({ stateDir: config.daemon.state_dir, publicIP: address.publicIP, device: config.overlay.device }) }),
    });
    areas.push(subnet);
    clusterNetworks = () => networkCidrs(subnet.network());
    if (overlay !== undefined) {
      const { subnetOverlayFeed } = await import('./compose/subnet-overlay.ts');
      areas.push(overlay.createOverlayArea({ config, logger, leases: subnetOverlayFeed(subnet) }));
    }
  }
  if (config.dns.enabled) areas.push((await import('./dns/index.ts')).createDnsArea({ config, logger, etcd: etcd.handle, clusterNetworks }));
  if (runsServices(config)) {
    const { createServicesArea } = await import('./services/index.ts');
    areas.push(createServicesArea({ config, logger, etcd: etcd.handle, clusterNetworks, watch: rendersServices(config) }));
  }
  if (runsTemplates(config)) {
    const extras = proxy !== undefined && rendersServices(config) ? await (await import('./compose/services-proxy.ts')).servicesTemplatesExtras(config, proxy) : undefined;
    areas.push((await import('./templates/index.ts')).createTemplatesArea({ config, logger, etcd: etcd.handle, ...(extras === undefined ? {} : { extras }) }));
  }
  return areas;
}

export class Daemon {
  readonly #log: Logger;
  readonly #options: DaemonOptions;
  readonly #notifier: SystemdNotifier;
  readonly #processMetrics = new Registry();
  readonly #startedAt = Date.now();
  readonly #areas: Area[];
  readonly #admin: AdminArea;
  readonly #started: Area[] = [];
  readonly #abort = new AbortController();
  #stopping: Promise<number> | undefined;

  constructor(options: DaemonOptions) {
    this.#options = options;
    this.#log = options.logger.child({ area: 'daemon' });
    this.#notifier = options.notifier ?? new SystemdNotifier(process.env, this.#log);
    collectDefaultMetrics({ register: this.#processMetrics });
    new Gauge({ name: 'weft_build_info', help: 'weft version and Node.js runtime.', labelNames: ['version', 'node'], registers: [this.#processMetrics] }).set({ version: weftVersion, node: process.version }, 1);
    this.#admin = createAdminArea({
      config: options.config,
      logger: options.logger,
      hooks: { readiness: () => this.readiness(), status: () => this.status(), registries: () => this.#registries(), routes: () => this.#routes() },
    });
    this.#areas = [this.#admin, ...(options.areas ?? [])];
  }

  /** Checks the config, then loads and builds the enabled areas: before anything starts. */
  async #prepare(): Promise<void> {
    const problems = await validateConfig(this.#options.config);
    if (problems.length > 0) {
      throw new WeftError('WEFT_E_CONFIG', [`${problems.length} problem${problems.length === 1 ? '' : 's'} in the configuration:`, ...problems.map((p) => `  ${p.path}: ${p.message}`)].join('\n'));
    }
    if (this.#options.areas === undefined) this.#areas.push(...(await buildAreas(this.#options.config, this.#options.logger)));
  }

  get admin(): AdminServer {
    return this.#admin.server;
  }

  readiness(): Readiness {
    const areas: Record<string, { ready: boolean; reason?: string }> = {};
    for (const area of this.#areas) {
      const started = this.#started.includes(area);
      const ready = started && area.ready();
      const reason = ready ? undefined : started ? (area.notReadyReason?.() ?? 'not ready') : 'starting';
      areas[area.name] = reason === undefined ? { ready } : { ready, reason };
    }
    return { ready: this.#stopping === undefined && Object.values(areas).every((a) => a.ready), areas };
  }

  status(): unknown {
    const readiness = this.readiness();
    return {
      version: weftVersion,
      node: process.version,
      pid: process.pid,
      uptimeSeconds: Math.round((Date.now() - this.#startedAt) / 1000),
      ready: readiness.ready,
      areas: Object.fromEntries(this.#areas.map((area) => [area.name, { ...readiness.areas[area.name], status: area.status?.() ?? null }])),
    };
  }

  #registries(): Registry[] {
    return [this.#processMetrics, ...this.#areas.flatMap((a) => (a.metrics === undefined ? [] : [a.metrics]))];
  }

  #routes(): ApiRoute[] {
    return this.#areas.flatMap((a) => a.routes ?? []);
  }

  /**
   * Checks the config and loads and builds the enabled areas, then starts every area in order; on a
   * failure, stops those already started and rethrows.
   */
  async start(): Promise<void> {
    await this.#prepare();
    for (const area of this.#areas) {
      const begun = Date.now();
      try {
        await area.start(this.#abort.signal);
      } catch (error) {
        this.#log.error({ event: 'area_start_failed', failed: area.name, err: (error as Error).message }, 'area failed to start; stopping the others');
        await this.#stopAreas(new Date(Date.now() + this.#options.config.daemon.shutdown_timeout));
        if (error instanceof WeftError) throw error;
        throw new WeftError('WEFT_E_AREA_START', `area ${area.name} failed to start: ${(error as Error).message}`, { cause: error });
      }
      this.#started.push(area);
      this.#log.info({ event: 'area_started', started: area.name, ms: Date.now() - begun }, 'area started');
    }
    await this.#notifier.ready();
    this.#notifier.startWatchdog();
    this.#log.info({ event: 'daemon_started', areas: this.#areas.map((a) => a.name), version: weftVersion, node: process.version }, 'weft daemon started');
  }

  /** Stops in reverse order; resolves to the exit status (0 clean, 1 if an area missed the deadline). */
  stop(reason: string): Promise<number> {
    this.#stopping ??= (async () => {
      const deadline = new Date(Date.now() + this.#options.config.daemon.shutdown_timeout);
      this.#log.info({ event: 'daemon_stopping', reason, deadline: deadline.toISOString() }, 'stopping');
      this.#abort.abort();
      // Not awaited: a slow systemd must not eat into the areas' shutdown deadline.
      const told = this.#notifier.stopping();
      const clean = await this.#stopAreas(deadline);
      await told;
      this.#log.info({ event: 'daemon_stopped', clean }, 'stopped');
      return clean ? 0 : 1;
    })();
    return this.#stopping;
  }

  /**
   * Stops the started areas in reverse order. Each gets an equal share of the time left (what an
   * area does not use passes to the next), so one slow area cannot leave etcd no time to revoke
   * the host lease; an area past its share is abandoned (logged) and the next one stops.
   */
  async #stopAreas(deadline: Date): Promise<boolean> {
    let clean = true;
    const order = this.#started.splice(0).reverse();
    for (const [index, area] of order.entries()) {
      const share = Math.max(0, deadline.getTime() - Date.now()) / (order.length - index);
      const areaDeadline = new Date(Date.now() + share);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), share + 5)));
      try {
        const outcome = await Promise.race([area.stop(areaDeadline).then(() => 'stopped' as const), timedOut]);
        if (outcome === 'timeout') throw new WeftError('WEFT_E_SHUTDOWN_TIMEOUT', `${area.name} did not stop within its ${Math.round(share)} ms share`);
      } catch (error) {
        clean = false;
        const code = error instanceof WeftError ? error.code : undefined;
        this.#log.error({ event: code === 'WEFT_E_SHUTDOWN_TIMEOUT' ? 'area_stop_timeout' : 'area_stop_failed', code, stopped: area.name, shareMs: Math.round(share), err: (error as Error).message }, 'area did not stop cleanly');
      } finally {
        clearTimeout(timer);
      }
    }
    return clean;
  }

  /** SIGHUP: re-read the config; apply the log level and let areas reload what they can. */
  async reload(): Promise<void> {
    await this.#notifier.notify('RELOADING=1', `MONOTONIC_USEC=${Math.round(performance.timeOrigin * 1000 + performance.now() * 1000)}`);
    try {
      const source = this.#options.reloadSource;
      if (source !== undefined) {
        const fresh = loadConfigOrThrow(source);
        this.#options.logger.level = fresh.log.level satisfies LogLevel;
      }
      for (const area of this.#started) await area.reload?.();
      this.#log.info({ event: 'daemon_reloaded' }, 'reloaded');
    } catch (error) {
      this.#log.error({ event: 'daemon_reload_failed', err: (error as Error).message }, 'reload failed; keeping the running configuration');
    } finally {
      await this.#notifier.ready();
    }
  }
}

/** Runs the daemon until SIGTERM/SIGINT; resolves to the process exit status. */
export async function runDaemon(options: DaemonOptions): Promise<number> {
  const daemon = new Daemon(options);
  const log = options.logger.child({ area: 'daemon' });
  const { promise: stopSignal, resolve: signalled } = Promise.withResolvers<string>();
  const onStop = (signal: NodeJS.Signals): void => {
    signalled(signal);
    // A second signal while stopping: the operator means it.
    process.once(signal, () => {
      log.warn({ event: 'forced_exit', signal }, 'second signal: exiting now');
      process.exit(1);
    });
  };
  const onHup = (): void => void daemon.reload();
  process.once('SIGTERM', onStop);
  process.once('SIGINT', onStop);
  process.on('SIGHUP', onHup);
  try {
    await daemon.start();
    options.onStarted?.();
  } catch (error) {
    process.off('SIGHUP', onHup);
    throw error;
  }
  const signal = await stopSignal;
  const status = await daemon.stop(signal);
  process.off('SIGHUP', onHup);
  return status;
}
