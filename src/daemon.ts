// Composition root. Builds the enabled areas from the config, starts them in dependency order
// (admin first so health is visible during start-up, then etcd, then the areas that use it), stops
// them in reverse with a deadline, reloads on SIGHUP, and keeps systemd informed.
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { AdminServer, type Readiness } from './admin/index.ts';
import type { ApiRoute, Area } from './area.ts';
import { loadConfigOrThrow, type Config } from './config/index.ts';
import { EtcdArea } from './etcd/area.ts';
import { WeftError } from './errors.ts';
import type { Logger, LogLevel } from './log.ts';
import { SystemdNotifier } from './systemd.ts';
import { createDnsArea } from './dns/index.ts';
import { SubnetOverlayLink } from './compose/subnet-overlay.ts';
import { loadOrCreateVtepMac } from './overlay/index.ts';
import { createSubnetArea, networkCidrs, type PublicAddress } from './subnet/index.ts';
import { TemplatesArea } from './templates/area.ts';
import { weftVersion } from './version.ts';

export interface DaemonOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** Where SIGHUP re-reads the config from (with the same env and flags as at start). */
  readonly reloadSource?: { file: string | undefined; env: Readonly<Record<string, string | undefined>>; flags: readonly string[] };
  readonly notifier?: SystemdNotifier;
  /** Replaces the areas built from the config (tests); admin always comes first. */
  readonly areas?: readonly Area[];
}

class AdminArea implements Area {
  readonly name = 'admin';
  readonly server: AdminServer;
  #listening = false;

  constructor(server: AdminServer) {
    this.server = server;
  }

  async start(): Promise<void> {
    await this.server.start();
    this.#listening = true;
  }

  async stop(): Promise<void> {
    this.#listening = false;
    await this.server.stop();
  }

  ready(): boolean {
    return this.#listening;
  }
}

/** The areas the config enables, in start order. Area factories join this list as they land. */
function buildAreas(config: Config, logger: Logger): Area[] {
  const needsEtcd = config.subnet.enabled || config.overlay.enabled || config.dns.enabled || config.templates.enabled;
  const areas: Area[] = [];
  const etcd = needsEtcd ? new EtcdArea(config, logger) : undefined;
  if (etcd !== undefined) areas.push(etcd);
  const subnet =
    config.subnet.enabled && etcd !== undefined
      ? createSubnetArea({
          config,
          etcd: etcd.client,
          logger,
          etcdMetrics: etcd.etcdMetrics,
          // With the overlay on, the lease carries the overlay's persisted VTEP MAC from the first write.
          ...(config.overlay.enabled ? { vtepMACFor: (address: PublicAddress) => loadOrCreateVtepMac({ stateDir: config.daemon.state_dir, publicIP: address.publicIP }) } : {}),
        })
      : undefined;
  if (subnet !== undefined) areas.push(subnet);
  if (config.overlay.enabled) {
    if (subnet === undefined) throw new WeftError('WEFT_E_CONFIG', 'overlay.enabled needs subnet.enabled: the overlay is built from the subnet leases');
    areas.push(new SubnetOverlayLink(subnet, config, logger));
  }
  if (config.dns.enabled && etcd !== undefined) {
    areas.push(
      createDnsArea({
        config,
        logger,
        etcd: etcd.client,
        hostLease: () => etcd.hostLease,
        etcdMetrics: etcd.etcdMetrics,
        clusterNetworks: () => networkCidrs(subnet?.network()),
      }),
    );
  }
  if (config.templates.enabled && etcd !== undefined) {
    areas.push(new TemplatesArea({ confdir: config.templates.confdir, prefix: config.templates.prefix, etcd: () => etcd.client, logger, stateDir: config.daemon.state_dir }));
  }
  const unbuilt = (['proxy'] as const).filter((name) => config[name].enabled);
  if (unbuilt.length > 0) {
    throw new WeftError('WEFT_E_CONFIG', `area${unbuilt.length > 1 ? 's' : ''} ${unbuilt.join(', ')} cannot be enabled in weft ${weftVersion} yet; set ${unbuilt.map((n) => `${n}.enabled = false`).join(', ')}`);
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
    const config = options.config;
    const server = new AdminServer(
      { socket: config.admin.socket, socketMode: config.admin.socket_mode, listen: config.admin.listen, logger: options.logger.child({ area: 'admin' }) },
      { readiness: () => this.readiness(), status: () => this.status(), registries: () => this.#registries(), routes: () => this.#routes() },
    );
    this.#admin = new AdminArea(server);
    this.#areas = [this.#admin, ...(options.areas ?? buildAreas(config, options.logger))];
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

  /** Starts every area in order; on a failure, stops those already started and rethrows. */
  async start(): Promise<void> {
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

  async #stopAreas(deadline: Date): Promise<boolean> {
    let clean = true;
    for (const area of this.#started.splice(0).reverse()) {
      const remaining = Math.max(0, deadline.getTime() - Date.now());
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), remaining)));
      try {
        const outcome = await Promise.race([area.stop(deadline).then(() => 'stopped' as const), timedOut]);
        if (outcome === 'timeout') {
          clean = false;
          this.#log.error({ event: 'area_stop_timeout', code: 'WEFT_E_SHUTDOWN_TIMEOUT', stopped: area.name }, 'area did not stop before the shutdown deadline');
        }
      } catch (error) {
        clean = false;
        this.#log.error({ event: 'area_stop_failed', stopped: area.name, err: (error as Error).message }, 'area failed to stop cleanly');
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
  } catch (error) {
    process.off('SIGHUP', onHup);
    throw error;
  }
  const signal = await stopSignal;
  const status = await daemon.stop(signal);
  process.off('SIGHUP', onHup);
  return status;
}
