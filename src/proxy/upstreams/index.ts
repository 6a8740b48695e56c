// The proxy's upstream layer: RouteConfig -> per-service pickers (balancing), per-origin pools
// (connections), per-server health. `update` is called with every new table; pickers of the old
// table stay valid for requests still using it. Decisions and differences: src/proxy/README.md ("Balancing, health and pools").
import { Agent, type Dispatcher } from 'undici';
import type { Config } from '../../config/index.ts';
import type { Logger } from '../../log.ts';
import type { ProxyMetrics } from '../metrics.ts';
import type { RouteConfig, ServerHealth, Upstream } from '../types.ts';
import { createHttpChecker } from './check.ts';
import { connectionFailureCode } from './failures.ts';
import { HealthMonitor, type ActiveDown, type HealthChecker, type HealthTarget } from './health.ts';
import { buildPickers, originOf, smoothPeerOf, usableServerUrl, type ServicePicker } from './pickers.ts';
import { UpstreamPools, type PoolFactory } from './pools.ts';
import { penalizeSmooth } from './wrr.ts';

export type { PickedUpstream, ServicePicker } from './pickers.ts';
export { originOf } from './pickers.ts';
export type { ActiveDown } from './health.ts';

export type UpstreamSettings = Pick<Config['proxy'], 'dial_timeout' | 'upstream_idle_timeout' | 'response_header_timeout' | 'drain_timeout'>;

export interface UpstreamsDeps {
  readonly settings: UpstreamSettings;
  readonly metrics: ProxyMetrics;
  readonly logger: Logger;
  /** Tests: replace the HTTP health check or the pools. */
  readonly checker?: HealthChecker;
  readonly poolFactory?: PoolFactory;
  /** How long a passive failure keeps a server out (default 10 s). */
  readonly passiveCooldownMs?: number;
  /** Worker threads: run no active checks; `followActive` brings the main thread's results. */
  readonly followActiveHealth?: boolean;
  /** The main thread with worker threads: an active check result changed (send `activeDown()` on). */
  readonly onActiveHealthChange?: () => void;
}

export interface Upstreams {
  /** Follows a new route table: pickers rebuilt, pools kept/created/drained, health kept for servers that stay. */
  update(config: RouteConfig): void;
  /** The picker of a service of the current table (undefined: no such service). */
  picker(service: string): ServicePicker | undefined;
  /** The connection pool of an origin (`Upstream.origin`), for undici's request/stream/pipeline/dispatch. */
  dispatcher(origin: string): Dispatcher;
  /** A request to `upstream` failed; connection-level failures take it out for the cool-down. True if counted. */
  reportFailure(upstream: Upstream, error: unknown): boolean;
  /** A request to `upstream` got a response: a running cool-down ends (nginx marks the peer live). */
  reportSuccess(upstream: Upstream): void;
  health(): ServerHealth[];
  /** Servers whose active check fails now (for worker threads). */
  activeDown(): ActiveDown[];
  /** Worker threads: the active state of every server, as the thread running the checks found it. */
  followActive(down: readonly ActiveDown[]): void;
  /** Stops checks and drains every pool; whatever is open at `deadline` is destroyed. */
  close(deadline: Date): Promise<void>;
}

/** Builds the layer without side effects: no sockets or timers before the first `update`. */
export function createUpstreams(deps: UpstreamsDeps): Upstreams {
  const { settings, logger } = deps;
  const poolSettings = {
    dialTimeoutMs: settings.dial_timeout,
    idleTimeoutMs: settings.upstream_idle_timeout,
    responseHeaderTimeoutMs: settings.response_header_timeout,
    drainTimeoutMs: settings.drain_timeout,
  };
  const pools = new UpstreamPools(poolSettings, logger, deps.poolFactory);
  // Health checks use their own connections, so a check never waits behind traffic.
  const checkAgent = deps.checker === undefined ? new Agent({ connect: { timeout: settings.dial_timeout }, pipelining: 1 }) : undefined;
  const monitor = new HealthMonitor({
    checker: deps.checker ?? createHttpChecker(checkAgent!),
    serverUp: deps.metrics.serverUp,
    logger,
    ...(deps.passiveCooldownMs === undefined ? {} : { passiveCooldownMs: deps.passiveCooldownMs }),
    ...(deps.onActiveHealthChange === undefined ? {} : { onActiveChange: deps.onActiveHealthChange }),
  });
  let pickers: ReadonlyMap<string, ServicePicker> = new Map();
  let closed = false;

  return {
    update(config) {
      if (closed) return;
      const targets: HealthTarget[] = [];
      for (const [service, spec] of Object.entries(config.services)) {
        if (spec.kind !== 'loadBalancer') continue;
        for (const server of spec.servers) {
          if (server.weight > 0 && usableServerUrl(server.url)) targets.push({ service, url: server.url, ...(spec.healthCheck === undefined ? {} : { check: spec.healthCheck }) });
        }
      }
      // A follower's monitor gets no checks (no timers): its active state comes by followActive.
      monitor.update(deps.followActiveHealth === true ? targets.map(({ service, url }) => ({ service, url })) : targets);
      const built = buildPickers(config, (service, url) => monitor.cell(service, url), pickers);
      pickers = built.pickers;
      for (const problem of new Set(built.problems)) logger.warn({ event: 'upstream_service_unusable', problem });
      const { added, removed } = pools.update(targets.map((target) => originOf(target.url)));
      if (added.length > 0 || removed.length > 0) logger.info({ event: 'upstream_pools_updated', added, removed });
    },
    picker: (service) => pickers.get(service),
    dispatcher: (origin) => pools.get(origin),
    reportFailure(upstream, error) {
      const code = connectionFailureCode(error);
      if (code === undefined) return false;
      const reason = error instanceof Error ? `${code}: ${error.message}` : code;
      const peer = smoothPeerOf(pickers, upstream.service, upstream.url);
      if (peer !== undefined) penalizeSmooth(peer);
      monitor.reportFailure(upstream.service, upstream.url, reason);
      return true;
    },
    reportSuccess(upstream) {
      monitor.reportSuccess(upstream.service, upstream.url);
    },
    health: () => monitor.list(),
    activeDown: () => monitor.activeDown(),
    followActive: (down) => monitor.followActive(down),
    async close(deadline) {
      closed = true;
      monitor.close();
      const agentClosed = checkAgent === undefined ? Promise.resolve() : closeBy(checkAgent, deadline);
      await Promise.all([pools.close(deadline), agentClosed]);
    },
  };
}

async function closeBy(dispatcher: Dispatcher, deadline: Date): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), Math.max(0, deadline.getTime() - Date.now())); });
  const outcome = await Promise.race([dispatcher.close().then(() => 'closed' as const, () => 'late' as const), late]);
  clearTimeout(timer);
  if (outcome === 'late') await dispatcher.destroy().catch(() => undefined);
}
