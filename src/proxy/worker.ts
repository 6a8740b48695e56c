// One extra proxy thread (`proxy.workers`): its own listeners on the same ports (SO_REUSEPORT), its
// own route table, undici pools and passive health. The main thread reads the route file and runs
// the active health checks; it sends each good version (text and certificates: the thread compiles
// its own table) and the servers its checks find down. Metrics go back on request, for /metrics.
import type { SecureContextOptions } from 'node:tls';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import type { Registry } from 'prom-client';
import { createLogger, type LogFormat, type LogLevel } from '../log.ts';
import { createProxyServer, createUpstreams, loadRouteFile, type ProxyCertificates, type Upstreams } from './layers.ts';
import { createProxyMetrics } from './metrics.ts';
import type { ProxySettings } from './server/index.ts';
import type { RouteTable } from './types.ts';

export type ActiveDown = Parameters<Upstreams['followActive']>[0];

/** One good version of the route file, as the main thread applied it. */
export interface RoutesVersion {
  readonly version: number;
  readonly text: string;
  readonly certificates: ProxyCertificates;
  readonly down: ActiveDown;
}

export interface WorkerData {
  /** `listen` and `tls_listen` as the main thread bound them (ports resolved). */
  readonly settings: ProxySettings;
  readonly logLevel: string;
  readonly logFormat: LogFormat;
  readonly routes: RoutesVersion | undefined;
}

export type ThreadMetrics = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

export type ToWorker =
  | ({ readonly kind: 'routes' } & RoutesVersion)
  | { readonly kind: 'health'; readonly down: ActiveDown }
  | { readonly kind: 'metrics'; readonly id: number }
  | { readonly kind: 'stop'; readonly deadline: number };

export type FromWorker =
  | { readonly kind: 'listening' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'loaded'; readonly version: number }
  | { readonly kind: 'metrics'; readonly id: number; readonly metrics: ThreadMetrics }
  | { readonly kind: 'stopped' };

/** The route file's own counters live in the main thread only (it alone reads the file). */
const mainThreadOnly = /^weft_proxy_(reload|last_reload)/;

type Pem = SecureContextOptions['cert'];

// A structured clone turns a Buffer into a plain Uint8Array: made Buffers again for node:tls.
function revive<T extends Pem | SecureContextOptions['key']>(pem: T): T {
  const one = (p: unknown): unknown => (p instanceof Uint8Array ? Buffer.from(p.buffer, p.byteOffset, p.byteLength) : p);
  return (Array.isArray(pem) ? pem.map(one) : one(pem)) as T;
}

function certificatesOf(sent: ProxyCertificates): ProxyCertificates {
  const one = (o: SecureContextOptions): SecureContextOptions => ({ ...o, cert: revive(o.cert), key: revive(o.key) });
  return sent.default === undefined ? { bySni: sent.bySni.map(one) } : { bySni: sent.bySni.map(one), default: one(sent.default) };
}

const port = parentPort;
if (port !== null) {
  const data = workerData as WorkerData;
  const settings = data.settings;
  // Straight to stdout, one write per line (atomic in a pipe), never through the main thread; sonic-boom
  // retries EAGAIN on a full non-blocking pipe. It is a stream in all but its typings.
  const stdoutLines = pino.destination({ dest: 1, sync: true }) as unknown as NodeJS.WritableStream;
  const log = createLogger(data.logLevel as LogLevel, stdoutLines, { format: data.logFormat }).child({ area: 'proxy', thread: threadId });
  const metrics = createProxyMetrics();
  const send = (message: FromWorker): void => port.postMessage(message);
  const upstreams = createUpstreams({ settings, metrics, logger: log, followActiveHealth: true });
  let current: { table: RouteTable; certificates: ProxyCertificates } | undefined;
  const apply = (routes: RoutesVersion): void => {
    const loaded = loadRouteFile(routes.text);
    if (loaded.table === undefined || loaded.errors.length > 0) {
      // Cannot happen (the main thread compiled the same text): kept as a guard, the previous table serves.
      log.error({ event: 'proxy_worker_routes_refused', version: routes.version, errors: loaded.errors.slice(0, 5) }, 'worker thread refused a route table');
      return;
    }
    upstreams.update(loaded.table.config);
    upstreams.followActive(routes.down);
    current = { table: loaded.table, certificates: certificatesOf(routes.certificates) };
    log.info({ event: 'proxy_worker_routes_loaded', version: routes.version }, 'route table swapped in');
    send({ kind: 'loaded', version: routes.version });
  };
  const server = createProxyServer({
    settings,
    table: () => current?.table,
    upstreams,
    metrics,
    logger: log,
    certificates: () => current?.certificates ?? { bySni: [] },
    reusePort: true,
  });
  const stop = async (deadline: Date): Promise<void> => {
    await server.stop(deadline);
    await upstreams.close(deadline);
    send({ kind: 'stopped' });
    port.close();
  };
  port.on('message', (message: ToWorker) => {
    if (message.kind === 'routes') apply(message);
    else if (message.kind === 'health') upstreams.followActive(message.down);
    else if (message.kind === 'metrics') {
      void metrics.registry.getMetricsAsJSON().then((all) => send({ kind: 'metrics', id: message.id, metrics: all.filter((m) => !mainThreadOnly.test(m.name)) }));
    } else void stop(new Date(message.deadline));
  });
  // The table first, then the sockets: a thread never answers 404 while the main thread has routes.
  if (data.routes !== undefined) apply(data.routes);
  server.start().then(
    () => send({ kind: 'listening' }),
    (error: unknown) => send({ kind: 'error', message: (error as Error).message }),
  );
}
