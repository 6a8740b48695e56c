// The lifecycle every area implements (after Caddy's modules). The contract, exactly:
// - Constructing an area (`createXArea({ config, etcd, logger, ... })`) has no side effects: no
//   socket, file, timer, child process or etcd request until start().
// - `validateX(config): Problem[]` checks the area's config section before anything starts; the
//   daemon refuses to start on any problem, and `weft config check` prints them with their lines.
// - start(signal): the signal aborts a start in progress (e.g. SIGTERM while waiting for etcd).
//   An area never stops itself on it: stopping is the daemon's job, in reverse start order.
// - stop(deadline) is idempotent and safe before start: a second call returns the first call's
//   promise, so every caller waits for the same clean-up. It resolves by the deadline even when a
//   clean-up step hangs (that step is abandoned, logged, and the area counts as stopped).
// - ready() is false before start and after stop.
import type { Registry } from 'prom-client';
import type { Config, Problem } from './config/index.ts';
import { WeftError } from './errors.ts';

export type { Problem } from './config/index.ts';

export interface Area {
  readonly name: string;
  /** Acquire resources and begin work. Resolve once started (not necessarily ready). */
  start(signal: AbortSignal): Promise<void>;
  /** Release everything by the deadline; idempotent (a second call returns the first promise). */
  stop(deadline: Date): Promise<void>;
  /** True when the area does its job: /readyz is 200 only when every enabled area says so. */
  ready(): boolean;
  /** Why the area is not ready, for /readyz and `weft status`. */
  readonly notReadyReason?: () => string | undefined;
  /** A JSON-able picture of the area for /v1/status. */
  readonly status?: () => unknown;
  /** SIGHUP: re-read what can be re-read without a restart. */
  readonly reload?: () => Promise<void>;
  /** The area's own metrics, merged into /metrics by the admin API. */
  readonly metrics?: Registry | undefined;
  /** HTTP endpoints the area offers on the admin API (e.g. DNS registration for weft-cni). */
  readonly routes?: readonly ApiRoute[];
}

/** What every area module exports besides its factory: the check of its config section. */
export type ConfigValidator = (config: Config) => Problem[];

export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Parsed JSON body, or undefined when the request had none. */
  readonly body: unknown;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface ApiRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Exact path, or a prefix ending in '/' that matches everything below it. */
  readonly path: string;
  handle(request: ApiRequest): Promise<ApiResponse>;
}

/**
 * Makes stop() idempotent and deadline-bound: the first call runs `work`, later calls get the same
 * promise. At the deadline it gives up waiting and rejects with WEFT_E_SHUTDOWN_TIMEOUT (the
 * daemon logs it and exits non-zero); an error from `work` rejects likewise.
 */
export function onceStop(area: string, work: (deadline: Date) => Promise<void>): (deadline?: Date) => Promise<void> {
  let stopping: Promise<void> | undefined;
  // Without a deadline (tests, one-shot commands): the daemon's default shutdown_timeout.
  return (deadline = new Date(Date.now() + 10_000)) => {
    stopping ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const left = Math.max(0, deadline.getTime() - Date.now());
      const overrun = new Promise<'overrun'>((resolve) => (timer = setTimeout(() => resolve('overrun'), left)));
      try {
        const outcome = await Promise.race([work(deadline).then(() => 'done' as const), overrun]);
        if (outcome === 'overrun') throw new WeftError('WEFT_E_SHUTDOWN_TIMEOUT', `${area} did not stop within ${left} ms; what it was doing was abandoned`);
      } finally {
        clearTimeout(timer);
      }
    })();
    return stopping;
  };
}
