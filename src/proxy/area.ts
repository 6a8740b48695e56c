// The proxy area: the route file reloader feeding an immutable table and the upstream pools, and
// the server reading whichever table is current when a request arrives. Creating it has no side
// effects; start() loads the file (a missing or bad one leaves the area not ready, never failed),
// then listens. Stop: the listeners drain by the deadline, then the pools close, then the watch.
// With `proxy.workers` = N, N threads (threads.ts, worker.ts) listen on the same ports besides this one.
import { onceStop, type Area } from '../area.ts';
import type { Config } from '../config/index.ts';
import type { Registry } from 'prom-client';
import { WeftError } from '../errors.ts';
import { logFormatOf, type Logger } from '../log.ts';
import { loadCertificates } from './certificates.ts';
import { createProxyServer, createUpstreams, loadRouteFile, routeFileLimits, type ProxyCertificates, type ProxyServer, type Upstreams } from './layers.ts';
import { createProxyMetrics, type ProxyMetrics } from './metrics.ts';
import { RouteFileReloader, type Compiled } from './reload.ts';
import { boundSettings, ProxyThreads, ThreadsRegistry } from './threads.ts';
import type { RouteTable } from './types.ts';
import { validateProxy } from './validate.ts';

export interface ProxyAreaOptions {
  readonly config: Pick<Config, 'proxy'>;
  readonly logger: Logger;
}

/** What one good version of the route file becomes: swapped in whole. */
interface LoadedRoutes {
  /** The file's text, for worker threads to compile their own table from. */
  readonly text: string;
  readonly table: RouteTable;
  readonly certificates: ProxyCertificates;
}

const noCertificates: ProxyCertificates = { bySni: [] };

/** parse -> compile -> certificates: any problem refuses the whole version. */
export async function compileRoutes(text: string): Promise<Compiled<LoadedRoutes>> {
  const checked = loadRouteFile(text);
  if (checked.table === undefined || checked.errors.length > 0) return { ok: false, errors: checked.errors, warnings: checked.warnings };
  const { certificates, errors } = await loadCertificates(checked.table.config);
  if (errors.length > 0) return { ok: false, errors, warnings: checked.warnings };
  return { ok: true, value: { text, table: checked.table, certificates }, warnings: checked.warnings };
}

export class ProxyArea implements Area {
  readonly name = 'proxy';
  readonly proxyMetrics: ProxyMetrics = createProxyMetrics();
  /** This thread's registry, or with worker threads every thread's added up at scrape time. */
  readonly metrics: Registry;
  readonly #settings: Config['proxy'];
  readonly #log: Logger;
  readonly #threads: ProxyThreads | undefined;
  #current: LoadedRoutes | undefined;
  #reloader: RouteFileReloader<LoadedRoutes> | undefined;
  #upstreams: Upstreams | undefined;
  #server: ProxyServer | undefined;
  #listening = false;
  #stopped = false;

  constructor(options: ProxyAreaOptions) {
    this.#settings = options.config.proxy;
    this.#log = options.logger.child({ area: 'proxy' });
    const threads = this.#settings.workers > 0 ? new ProxyThreads(this.#settings.workers, this.#log) : undefined;
    this.#threads = threads;
    this.metrics = threads === undefined ? this.proxyMetrics.registry : new ThreadsRegistry(this.proxyMetrics.registry, () => threads.metrics());
  }

  /** The table serving now (undefined before the first good route file). */
  table(): RouteTable | undefined {
    return this.#current?.table;
  }

  /** Where the listeners are bound (ports resolved when the config said 0). */
  addresses(): ReturnType<ProxyServer['addresses']> {
    return this.#server?.addresses() ?? [];
  }

  async start(): Promise<void> {
    if (this.#stopped || this.#server !== undefined) return;
    const problems = validateProxy({ proxy: this.#settings });
    if (problems.length > 0) throw new WeftError('WEFT_E_PROXY_CONFIG', problems.map((p) => `${p.path}: ${p.message}`).join('; '));
    const settings = this.#settings;
    const metrics = this.proxyMetrics;
    const threads = this.#threads;
    // Only this thread runs active checks; the worker threads copy their results.
    const onActiveHealthChange = threads === undefined ? undefined : (): void => threads.health(() => upstreams.activeDown());
    const upstreams = createUpstreams({ settings, metrics, logger: this.#log, ...(onActiveHealthChange === undefined ? {} : { onActiveHealthChange }) });
    this.#upstreams = upstreams;
    this.#reloader = new RouteFileReloader<LoadedRoutes>({
      file: settings.route_file,
      maxBytes: routeFileLimits.bytes,
      compile: compileRoutes,
      // The pools learn the new servers before the table that routes to them goes live.
      apply: (loaded) => {
        upstreams.update(loaded.table.config);
        this.#current = loaded;
        threads?.publish(loaded.text, loaded.certificates, upstreams.activeDown());
        const { routers, services } = loaded.table.config;
        this.#log.info({ event: 'proxy_routes_loaded', file: settings.route_file, routers: Object.keys(routers).length, services: Object.keys(services).length }, 'route table swapped in');
      },
      logger: this.#log,
      metrics,
    });
    // With worker threads, this thread's access log lines say so too (thread 0).
    const logger = threads === undefined ? this.#log : this.#log.child({ thread: 0 });
    this.#server = createProxyServer({ settings, table: () => this.#current?.table, upstreams, metrics, logger, certificates: () => this.#current?.certificates ?? noCertificates });
    try {
      await this.#reloader.start();
      await this.#server.start();
      await threads?.start(boundSettings(settings, this.#server.addresses()), this.#log.level, logFormatOf(this.#log));
    } catch (error) {
      // The daemon stops only the areas that started: what this one holds is released here.
      this.#reloader.close();
      const soon = new Date(Date.now() + 1000);
      await Promise.all([this.#server.stop(soon).catch(() => undefined), threads?.stop(soon)]);
      await upstreams.close(soon);
      throw error;
    }
    this.#listening = true;
    this.#log.info({ event: 'proxy_listening', addresses: this.#server.addresses(), routeFile: settings.route_file, loaded: this.#reloader.loaded, workers: settings.workers }, 'proxy listening');
  }

  readonly stop = onceStop('proxy', async (deadline) => {
    this.#stopped = true;
    this.#listening = false;
    this.#reloader?.close();
    await Promise.all([this.#server?.stop(deadline), this.#threads?.stop(deadline)]);
    await this.#upstreams?.close(deadline);
  });

  ready(): boolean {
    return !this.#stopped && this.#listening && this.#current !== undefined && this.#threads?.notReadyReason(true) === undefined;
  }

  readonly notReadyReason = (): string | undefined => {
    if (this.#stopped) return 'stopped';
    if (!this.#listening) return 'proxy not listening yet';
    if (this.#current === undefined) return `no route table: ${this.#reloader?.lastError() ?? `waiting for ${this.#settings.route_file}`}`;
    return this.#threads?.notReadyReason(true);
  };

  readonly status = (): unknown => {
    const config = this.#current?.table.config;
    const health = this.#upstreams?.health() ?? [];
    return {
      listen: this.addresses(),
      routeFile: this.#reloader?.status() ?? { file: this.#settings.route_file, loaded: false, warnings: [] },
      routers: Object.values(config?.routers ?? {}).map((r) => ({ name: r.name, rule: r.rule, service: r.service, priority: r.priority, middlewares: r.middlewares, tls: r.tls })),
      services: Object.entries(config?.services ?? {}).map(([name, spec]) =>
        spec.kind === 'weighted'
          ? { name, kind: spec.kind, services: spec.services }
          : { name, kind: spec.kind, servers: spec.servers.map((s) => ({ url: s.url, weight: s.weight, ...health.find((h) => h.service === name && h.url === s.url) })) },
      ),
      certificates: (this.#current?.table.config.certificates ?? []).map((c) => c.certFile),
      ...(this.#threads === undefined ? {} : { workers: this.#threads.status() }),
    };
  };

  /** SIGHUP: read the route file again even if its bytes did not change (a certificate may have); every thread gets it. */
  readonly reload = async (): Promise<void> => {
    await this.#reloader?.reloadNow();
  };
}

export function createProxyArea(options: ProxyAreaOptions): ProxyArea {
  return new ProxyArea(options);
}
