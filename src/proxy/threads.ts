// The main thread's side of `proxy.workers`: starts the threads on the ports the main thread bound,
// sends them every good route table and the active health, gathers their metrics for /metrics,
// and stops them by a deadline (terminate() for a thread that has not exited by then).
import { Worker } from 'node:worker_threads';
import { AggregatorRegistry, Registry, type Aggregator } from 'prom-client';
import { WeftError } from '../errors.ts';
import type { LogFormat, Logger } from '../log.ts';
import { formatIpPort } from '../net/index.ts';
import type { ProxyCertificates, ProxyServer } from './layers.ts';
import type { ProxySettings } from './server/index.ts';
import type { ActiveDown, FromWorker, RoutesVersion, ThreadMetrics, ToWorker, WorkerData } from './worker.ts';

// Compiled to dist/, the worker is a .js file beside this one.
const workerFile = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);

/** How long /metrics waits for a thread's registry; a thread that does not answer is left out. */
const metricsTimeoutMs = 1000;

interface Thread {
  readonly worker: Worker;
  readonly id: number;
  listening: boolean;
  /** The route table version it serves (undefined: none yet). */
  version: number | undefined;
  /** Why it is gone (undefined while it runs). */
  exit: string | undefined;
}

/** The settings a thread binds: the main thread's listeners as bound (a port 0 resolved). */
export function boundSettings(settings: ProxySettings, addresses: ReturnType<ProxyServer['addresses']>): ProxySettings {
  const of = (protocol: 'http' | 'https'): string[] => addresses.filter((a) => a.protocol === protocol).map((a) => formatIpPort({ host: a.address, port: a.port }));
  return { ...settings, listen: of('http'), tls_listen: of('https') };
}

export class ProxyThreads {
  readonly #count: number;
  readonly #log: Logger;
  readonly #threads: Thread[] = [];
  readonly #metricWaiters = new Map<number, (metrics: ThreadMetrics) => void>();
  #requests = 0;
  #latest: RoutesVersion | undefined;
  #healthQueued = false;
  #stopping = false;

  /** No side effects: threads start in start(). */
  constructor(count: number, logger: Logger) {
    this.#count = count;
    this.#log = logger;
  }

  /** Each good version of the route file, to every thread (and to threads started later). */
  publish(text: string, certificates: ProxyCertificates, down: ActiveDown): void {
    this.#latest = { version: (this.#latest?.version ?? 0) + 1, text, certificates, down };
    this.#post({ kind: 'routes', ...this.#latest });
  }

  /** The main thread's active checks changed a server: every thread gets the servers down (once per tick). */
  health(down: () => ActiveDown): void {
    if (this.#healthQueued) return;
    this.#healthQueued = true;
    queueMicrotask(() => {
      this.#healthQueued = false;
      const now = down();
      if (this.#latest !== undefined) this.#latest = { ...this.#latest, down: now };
      this.#post({ kind: 'health', down: now });
    });
  }

  /** Starts every thread; resolves when all listen, rejects (WEFT_E_PROXY_WORKER) when one cannot. */
  async start(settings: ProxySettings, logLevel: string, logFormat: LogFormat = 'json'): Promise<void> {
    const results = await Promise.allSettled(Array.from({ length: this.#count }, () => this.#spawn(settings, logLevel, logFormat)));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  #spawn(settings: ProxySettings, logLevel: string, logFormat: LogFormat): Promise<void> {
    const worker = new Worker(workerFile, { workerData: { settings, logLevel, logFormat, routes: this.#latest } satisfies WorkerData });
    const thread: Thread = { worker, id: worker.threadId, listening: false, version: undefined, exit: undefined };
    this.#threads.push(thread);
    return new Promise<void>((resolve, reject) => {
      const gone = (why: string): void => {
        thread.exit ??= why;
        if (!this.#stopping) this.#log.error({ event: 'proxy_worker_exited', code: 'WEFT_E_PROXY_WORKER', thread: thread.id, reason: thread.exit }, 'proxy worker thread gone; the other threads keep serving');
        reject(new WeftError('WEFT_E_PROXY_WORKER', `proxy worker thread ${thread.id} ${thread.exit}`));
      };
      worker.on('message', (message: FromWorker) => {
        if (message.kind === 'listening') {
          thread.listening = true;
          resolve();
        } else if (message.kind === 'error') {
          reject(new WeftError('WEFT_E_PROXY_WORKER', `proxy worker thread ${thread.id} cannot listen: ${message.message}`));
        } else if (message.kind === 'loaded') thread.version = message.version;
        else if (message.kind === 'metrics') this.#metricWaiters.get(message.id)?.(message.metrics);
      });
      worker.on('error', (error: Error) => gone(`failed: ${error.message}`));
      worker.on('exit', (code: number) => gone(`exited (code ${code})`));
    });
  }

  #post(message: ToWorker): void {
    for (const t of this.#threads) if (t.exit === undefined) t.worker.postMessage(message);
  }

  /** Every running thread's registry as JSON (a thread that does not answer in time is left out). */
  async metrics(): Promise<ThreadMetrics[]> {
    const answers = await Promise.all(this.#threads.filter((t) => t.exit === undefined).map((t) => this.#askMetrics(t)));
    return answers.filter((m): m is ThreadMetrics => m !== undefined);
  }

  #askMetrics(thread: Thread): Promise<ThreadMetrics | undefined> {
    const id = ++this.#requests;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(undefined), metricsTimeoutMs);
      const done = (metrics: ThreadMetrics | undefined): void => {
        clearTimeout(timer);
        this.#metricWaiters.delete(id);
        resolve(metrics);
      };
      this.#metricWaiters.set(id, done);
      thread.worker.postMessage({ kind: 'metrics', id } satisfies ToWorker);
    });
  }

  /** Why the threads are not all serving (the main thread has a table: each must have one too). */
  notReadyReason(mainLoaded: boolean): string | undefined {
    for (const t of this.#threads) {
      if (t.exit !== undefined) return `proxy worker thread ${t.id} ${t.exit}`;
      if (!t.listening) return `proxy worker thread ${t.id} not listening yet`;
      if (mainLoaded && t.version === undefined) return `proxy worker thread ${t.id} has no route table yet`;
    }
    return this.#threads.length < this.#count ? 'proxy worker threads not started yet' : undefined;
  }

  status(): unknown {
    return { count: this.#count, routesVersion: this.#latest?.version, threads: this.#threads.map((t) => ({ thread: t.id, listening: t.listening, routesVersion: t.version, ...(t.exit === undefined ? {} : { exit: t.exit }) })) };
  }

  /** Each thread drains by a little before the deadline and exits; one still running at the deadline is terminated. */
  async stop(deadline: Date): Promise<void> {
    this.#stopping = true;
    const margin = Math.min(200, Math.max(0, deadline.getTime() - Date.now()) / 4);
    const drainBy = deadline.getTime() - margin;
    await Promise.all(
      this.#threads.map(async (t) => {
        if (t.exit !== undefined) return;
        const exited = new Promise<'exited'>((resolve) => t.worker.once('exit', () => resolve('exited')));
        t.worker.postMessage({ kind: 'stop', deadline: drainBy } satisfies ToWorker);
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), Math.max(0, drainBy + margin / 2 - Date.now()))));
        const outcome = await Promise.race([exited, late]);
        clearTimeout(timer);
        if (outcome === 'late') await t.worker.terminate();
        this.#log.info({ event: 'proxy_worker_stopped', thread: t.id, terminated: outcome === 'late' }, 'proxy worker thread stopped');
      }),
    );
  }
}

/** How a metric adds up across threads: a server is up only if it is in every thread's rotation; the rest sums. */
const aggregatorOf: Readonly<Record<string, Aggregator>> = { weft_proxy_server_up: 'min', weft_proxy_last_reload_success_timestamp_seconds: 'max' };

/** The area's /metrics with worker threads: the main thread's registry and every thread's, added up at scrape time. */
export class ThreadsRegistry extends Registry {
  readonly #main: Registry;
  readonly #threads: () => Promise<ThreadMetrics[]>;

  constructor(main: Registry, threads: () => Promise<ThreadMetrics[]>) {
    super();
    this.#main = main;
    this.#threads = threads;
  }

  async #aggregated(): Promise<Registry> {
    const all = [await this.#main.getMetricsAsJSON(), ...(await this.#threads())];
    return AggregatorRegistry.aggregate(all.map((metrics) => metrics.map((m) => ({ ...m, aggregator: aggregatorOf[m.name] ?? 'sum' }))));
  }

  override async metrics(): Promise<string> {
    return (await this.#aggregated()).metrics();
  }

  override async getMetricsAsJSON(): ReturnType<Registry['getMetricsAsJSON']> {
    return (await this.#aggregated()).getMetricsAsJSON();
  }
}
