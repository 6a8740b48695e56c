// The etcd connection as an area: one client for the whole daemon, plus this host's lease for
// records that must die with the host. Ready while etcd answered within the last probe interval.
// Other areas receive its `handle` (client, host lease, metrics), never the area itself.
import type { Etcd3 } from 'etcd3';
import { Registry } from 'prom-client';
import { onceStop, type Area } from '../area.ts';
import { problem, type Config, type Problem } from '../config/index.ts';
import { isWeftError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { createEtcdClient, etcdClientOptions } from './client.ts';
import { HostLease } from './host-lease.ts';
import { createEtcdMetrics, type EtcdMetrics } from './metrics.ts';

const probeIntervalMs = 5000;

/** What an area that uses etcd receives: the shared client, this host's lease, the watch metrics. */
export interface EtcdHandle {
  readonly client: Etcd3;
  /** This host's lease; undefined until the etcd area started. */
  hostLease(): HostLease | undefined;
  readonly metrics?: EtcdMetrics;
}

/** A handle around a bare client (tests, one-shot CLI commands): no host lease unless given one. */
export function etcdHandle(client: Etcd3, hostLease?: HostLease, metrics?: EtcdMetrics): EtcdHandle {
  return { client, hostLease: () => hostLease, ...(metrics === undefined ? {} : { metrics }) };
}

export interface EtcdArea extends Area {
  readonly handle: EtcdHandle;
}

/** Checks `[etcd]` without touching files or the network (TLS files are read at start). */
export function validateEtcd(config: Config): Problem[] {
  try {
    // Files (TLS, password) are read at start, not here: only the values are checked.
    etcdClientOptions({ ...config.etcd, ca_file: '', cert_file: '', key_file: '', password_file: '' });
  } catch (error) {
    if (!isWeftError(error)) throw error;
    return [problem('etcd.endpoints', error.message)];
  }
  const e = config.etcd;
  const problems: Problem[] = [];
  if ((e.cert_file === '') !== (e.key_file === '')) problems.push(problem(e.cert_file === '' ? 'etcd.cert_file' : 'etcd.key_file', 'etcd client TLS needs both cert_file and key_file (or neither)'));
  if (e.password_file !== '' && e.password !== '') problems.push(problem('etcd.password', 'both etcd.password and etcd.password_file are set; keep only password_file (the command line and the environment are readable by others)'));
  if (e.password_file !== '' && e.username === '') problems.push(problem('etcd.password_file', 'etcd.password_file is set but etcd.username is empty; set the user too'));
  return problems;
}

export function createEtcdArea(deps: { config: Config; logger: Logger }): EtcdArea {
  const { config } = deps;
  const log = deps.logger.child({ area: 'etcd' });
  const metrics = new Registry();
  const etcdMetrics = createEtcdMetrics(metrics);
  // The etcd3 client connects lazily, on its first call: building it here touches no network,
  // and lets the areas that use it be built (side-effect free) before anything starts.
  let client: Etcd3 | undefined;
  const clientNow = (): Etcd3 => (client ??= createEtcdClient(config.etcd));
  let hostLease: HostLease | undefined;
  let probe: NodeJS.Timeout | undefined;
  let lastOk = 0;
  let lastError: string | undefined;
  let stopped = false;

  const runProbe = async (): Promise<void> => {
    try {
      await clientNow().get('/weft/.ping').exec();
      if (lastError !== undefined) log.info({ event: 'etcd_reachable' }, 'etcd answers again');
      lastOk = Date.now();
      lastError = undefined;
    } catch (error) {
      if (lastError === undefined) log.warn({ event: 'etcd_unreachable', err: (error as Error).message }, 'etcd does not answer');
      lastError = (error as Error).message;
    }
  };

  const handle: EtcdHandle = {
    get client() {
      return clientNow();
    },
    hostLease: () => hostLease,
    metrics: etcdMetrics,
  };

  const ready = (): boolean => !stopped && hostLease !== undefined && Date.now() - lastOk < 2 * probeIntervalMs + config.etcd.dial_timeout;

  return {
    name: 'etcd',
    metrics,
    handle,

    async start(signal) {
      hostLease = new HostLease(clientNow(), { ttl: config.etcd.host_lease_ttl, logger: log, metrics: etcdMetrics });
      void hostLease.start();
      // The first probe waits at most dial_timeout; an abort (SIGTERM during start) cuts it short.
      await Promise.race([runProbe(), new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))]);
      if (stopped) return;
      probe = setInterval(() => void runProbe(), probeIntervalMs);
      probe.unref();
    },

    stop: onceStop('etcd', async () => {
      stopped = true;
      clearInterval(probe);
      // Revoke: a cleanly stopped daemon withdraws its records at once instead of after the TTL.
      await hostLease?.stop({ revoke: true });
      client?.close();
    }),

    ready,
    notReadyReason: () => (ready() ? undefined : stopped ? 'stopped' : `etcd at ${config.etcd.endpoints.join(', ')} unreachable: ${lastError ?? 'no answer yet'}`),
    status: () => ({
      endpoints: config.etcd.endpoints,
      lastOk: lastOk === 0 ? null : new Date(lastOk).toISOString(),
      lastError: lastError ?? null,
      hostLease: hostLease?.status(),
    }),
  };
}
