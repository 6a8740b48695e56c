// Health of each (service, server): active checks per healthCheck (Traefik: a server is up until a
// check fails, then down until a check passes) and passive failures (a refused connection takes the
// server out for a cool-down). In rotation = active up AND no cool-down running. Shell: timers and
// checks; the check itself is injected (check.ts does HTTP), so tests drive it with fake timers.
import type { Logger } from '../../log.ts';
import type { ProxyMetrics } from '../metrics.ts';
import type { HealthCheckSpec, ServerHealth } from '../types.ts';
import type { HealthCell } from './pickers.ts';

export interface HealthTarget {
  readonly service: string;
  readonly url: string;
  readonly check?: HealthCheckSpec;
}

/** Resolves when the server is healthy; rejects with the reason otherwise. Must honour `signal`. */
export type HealthChecker = (url: string, spec: HealthCheckSpec, signal: AbortSignal) => Promise<void>;

export interface HealthMonitorOptions {
  readonly checker: HealthChecker;
  readonly serverUp: ProxyMetrics['serverUp'];
  readonly logger: Logger;
  /** How long a passive failure keeps a server out (nginx fail_timeout, Traefik failureWindow: 10 s). */
  readonly passiveCooldownMs?: number;
  /** A server's active (checked) state changed: the thread that runs the checks tells the others. */
  readonly onActiveChange?: () => void;
}

/** A server whose active check fails (what worker threads copy from the thread that checks). */
export interface ActiveDown {
  readonly service: string;
  readonly url: string;
  readonly reason?: string;
}

export const defaultPassiveCooldownMs = 10_000;

interface ServerState extends HealthCell {
  up: boolean;
  readonly service: string;
  readonly url: string;
  check: HealthCheckSpec | undefined;
  checkKey: string;
  activeUp: boolean;
  activeReason: string | undefined;
  /** When the running cool-down started (0: none); a check that started later may end it early. */
  failedAt: number;
  passiveReason: string | undefined;
  since: number;
  checkTimer: NodeJS.Timeout | undefined;
  cooldownTimer: NodeJS.Timeout | undefined;
  inFlight: AbortController | undefined;
}

const keyOf = (service: string, url: string): string => `${service}\n${url}`;
const alwaysUp: HealthCell = { up: true };

export class HealthMonitor {
  private readonly servers = new Map<string, ServerState>();
  private readonly options: HealthMonitorOptions;
  private readonly cooldownMs: number;

  constructor(options: HealthMonitorOptions) {
    this.options = options;
    this.cooldownMs = options.passiveCooldownMs ?? defaultPassiveCooldownMs;
  }

  /** Keeps the state of servers that stay, starts new ones up (as Traefik), stops removed ones at once. */
  update(targets: readonly HealthTarget[]): void {
    const wanted = new Map(targets.map((target) => [keyOf(target.service, target.url), target]));
    for (const [key, state] of this.servers) {
      if (!wanted.has(key)) this.remove(key, state);
    }
    for (const [key, target] of wanted) {
      const checkKey = JSON.stringify(target.check ?? null);
      const state = this.servers.get(key);
      if (state === undefined) {
        this.add(key, target, checkKey);
      } else if (state.checkKey !== checkKey) {
        this.stopChecks(state);
        state.check = target.check;
        state.checkKey = checkKey;
        // Without a check nothing could bring the server back: count it up.
        if (target.check === undefined) this.setActive(state, true, undefined);
        this.scheduleCheck(state);
      }
    }
  }

  /** The live `{ up }` cell of a server (pickers read it on every pick). */
  cell(service: string, url: string): HealthCell {
    return this.servers.get(keyOf(service, url)) ?? alwaysUp;
  }

  /** A connection-level failure: out of rotation for the cool-down. True when it took the server out. */
  reportFailure(service: string, url: string, reason: string): boolean {
    const state = this.servers.get(keyOf(service, url));
    if (state === undefined) return false;
    const wasUp = state.up;
    state.failedAt = Date.now();
    state.passiveReason = reason;
    clearTimeout(state.cooldownTimer);
    state.cooldownTimer = setTimeout(() => this.endCooldown(state), this.cooldownMs);
    state.cooldownTimer.unref();
    this.recompute(state);
    return wasUp;
  }

  /** A response arrived: a running cool-down ends (nginx marks a peer live on success). */
  reportSuccess(service: string, url: string): void {
    const state = this.servers.get(keyOf(service, url));
    if (state !== undefined && state.failedAt !== 0) this.endCooldown(state);
  }

  list(): ServerHealth[] {
    return [...this.servers.values()].map((state) => {
      const reason = state.failedAt !== 0 ? state.passiveReason : state.up ? undefined : state.activeReason;
      return { service: state.service, url: state.url, up: state.up, since: new Date(state.since).toISOString(), ...(reason === undefined ? {} : { reason }) };
    });
  }

  close(): void {
    for (const [key, state] of this.servers) this.remove(key, state);
  }

  /** Servers whose active check fails now. */
  activeDown(): ActiveDown[] {
    return [...this.servers.values()].filter((s) => !s.activeUp).map((s) => ({ service: s.service, url: s.url, ...(s.activeReason === undefined ? {} : { reason: s.activeReason }) }));
  }

  /** Worker threads run no checks: every server's active state is copied from the thread that does. */
  followActive(down: readonly ActiveDown[]): void {
    const reasons = new Map(down.map((d) => [keyOf(d.service, d.url), d.reason ?? 'health check failed']));
    for (const [key, state] of this.servers) this.setActive(state, !reasons.has(key), reasons.get(key));
  }

  private add(key: string, target: HealthTarget, checkKey: string): void {
    const state: ServerState = {
      up: true, service: target.service, url: target.url, check: target.check, checkKey,
      activeUp: true, activeReason: undefined, failedAt: 0, passiveReason: undefined, since: Date.now(),
      checkTimer: undefined, cooldownTimer: undefined, inFlight: undefined,
    };
    this.servers.set(key, state);
    this.options.serverUp.set({ service: state.service, url: state.url }, 1);
    this.scheduleCheck(state);
  }

  private remove(key: string, state: ServerState): void {
    this.stopChecks(state);
    clearTimeout(state.cooldownTimer);
    this.servers.delete(key);
    // The label set follows the route file: a removed server leaves the metrics too.
    this.options.serverUp.remove({ service: state.service, url: state.url });
  }

  private stopChecks(state: ServerState): void {
    clearTimeout(state.checkTimer);
    state.checkTimer = undefined;
    state.inFlight?.abort(new Error('server removed from the route file'));
    state.inFlight = undefined;
  }

  private scheduleCheck(state: ServerState): void {
    const check = state.check;
    if (check === undefined) return;
    state.checkTimer = setTimeout(() => void this.runCheck(state, check), check.intervalMs);
    state.checkTimer.unref();
  }

  private async runCheck(state: ServerState, check: HealthCheckSpec): Promise<void> {
    const controller = new AbortController();
    state.inFlight = controller;
    const startedAt = Date.now();
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${check.timeoutMs} ms`)), check.timeoutMs);
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true });
    });
    let failure: string | undefined;
    try {
      // The race holds the timeout even against a checker that ignores its signal.
      await Promise.race([this.options.checker(state.url, check, controller.signal), aborted]);
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    } finally {
      clearTimeout(timer);
    }
    if (state.inFlight !== controller) return; // removed or re-specified while checking
    state.inFlight = undefined;
    if (failure === undefined && state.failedAt !== 0 && startedAt >= state.failedAt) this.endCooldown(state);
    this.setActive(state, failure === undefined, failure);
    this.scheduleCheck(state);
  }

  private setActive(state: ServerState, up: boolean, reason: string | undefined): void {
    const changed = state.activeUp !== up;
    state.activeUp = up;
    state.activeReason = reason;
    this.recompute(state);
    if (changed) this.options.onActiveChange?.();
  }

  private endCooldown(state: ServerState): void {
    clearTimeout(state.cooldownTimer);
    state.cooldownTimer = undefined;
    state.failedAt = 0;
    state.passiveReason = undefined;
    this.recompute(state);
  }

  private recompute(state: ServerState): void {
    const up = state.activeUp && state.failedAt === 0;
    if (up === state.up) return;
    state.up = up;
    state.since = Date.now();
    this.options.serverUp.set({ service: state.service, url: state.url }, up ? 1 : 0);
    const fields = { event: up ? 'upstream_up' : 'upstream_down', service: state.service, url: state.url };
    if (up) this.options.logger.info(fields);
    else this.options.logger.warn({ ...fields, reason: state.failedAt !== 0 ? state.passiveReason : state.activeReason });
  }
}
