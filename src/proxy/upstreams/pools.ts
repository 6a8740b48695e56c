// One undici Pool per upstream origin. A reload keeps the pools of origins that stay (their idle
// keep-alive connections are reused), creates pools for new origins and drains removed ones: the
// pool stops taking requests, those in flight finish, and whatever is left is destroyed at the
// drain deadline. Connections per origin are not capped: the client side's max_connections is the bound.
import { Pool, type Dispatcher } from 'undici';
import type { Logger } from '../../log.ts';

export interface PoolSettings {
  readonly dialTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly responseHeaderTimeoutMs: number;
  readonly drainTimeoutMs: number;
}

export type PoolFactory = (origin: string, settings: PoolSettings) => Dispatcher;

export const createUndiciPool: PoolFactory = (origin, settings) =>
  new Pool(origin, {
    connect: { timeout: settings.dialTimeoutMs },
    // undici follows the upstream's Keep-Alive hint, never longer than this.
    keepAliveTimeout: settings.idleTimeoutMs,
    keepAliveMaxTimeout: settings.idleTimeoutMs,
    headersTimeout: settings.responseHeaderTimeoutMs,
    pipelining: 1,
  });

interface Draining {
  readonly done: Promise<void>;
  /** Destroys the pool no later than `at` (ms since the epoch). */
  deadline(at: number): void;
}

export class UpstreamPools {
  private readonly active = new Map<string, Dispatcher>();
  private readonly draining = new Set<Draining>();
  private readonly settings: PoolSettings;
  private readonly logger: Logger;
  private readonly factory: PoolFactory;
  private closed = false;

  constructor(settings: PoolSettings, logger: Logger, factory: PoolFactory = createUndiciPool) {
    this.settings = settings;
    this.logger = logger;
    this.factory = factory;
  }

  /** Makes the pool set follow `origins`; returns what changed. */
  update(origins: Iterable<string>): { added: string[]; removed: string[] } {
    if (this.closed) return { added: [], removed: [] };
    const wanted = new Set(origins);
    const removed = [...this.active.keys()].filter((origin) => !wanted.has(origin));
    for (const origin of removed) {
      this.drain(origin, this.active.get(origin)!, Date.now() + this.settings.drainTimeoutMs);
      this.active.delete(origin);
    }
    const added = [...wanted].filter((origin) => !this.active.has(origin));
    for (const origin of added) this.active.set(origin, this.factory(origin, this.settings));
    return { added, removed };
  }

  /** The pool of `origin`; one is made for an origin not (or no longer) in the table, dropped at the next update. */
  get(origin: string): Dispatcher {
    let pool = this.active.get(origin);
    if (pool === undefined) {
      pool = this.factory(origin, this.settings);
      // After close() a caller still gets a dispatcher, one that refuses requests (ClientClosedError).
      if (this.closed) void pool.close().catch(() => undefined);
      else this.active.set(origin, pool);
    }
    return pool;
  }

  origins(): string[] {
    return [...this.active.keys()];
  }

  /** Drains every pool, destroying what is still open at `deadline`. */
  async close(deadline: Date): Promise<void> {
    this.closed = true;
    for (const [origin, pool] of this.active) this.drain(origin, pool, deadline.getTime());
    this.active.clear();
    for (const draining of this.draining) draining.deadline(deadline.getTime());
    await Promise.all([...this.draining].map((draining) => draining.done));
  }

  private drain(origin: string, pool: Dispatcher, at: number): void {
    const timers: NodeJS.Timeout[] = [];
    let destroyed: Promise<void> | undefined;
    const destroy = (): Promise<void> => {
      destroyed ??= pool.destroy().then(
        () => this.logger.warn({ event: 'upstream_pool_destroyed', origin }),
        (error: unknown) => this.logger.warn({ event: 'upstream_pool_destroy_failed', origin, err: error }),
      );
      return destroyed;
    };
    const closed = pool.close().catch((error: unknown) => this.logger.warn({ event: 'upstream_pool_close_failed', origin, err: error }));
    let finish: () => void = () => undefined;
    const forced = new Promise<void>((resolve) => { finish = resolve; });
    const entry: Draining = {
      done: Promise.race([closed, forced]).finally(() => {
        timers.forEach(clearTimeout);
        this.draining.delete(entry);
      }),
      deadline: (deadlineAt) => {
        timers.push(setTimeout(() => void destroy().then(finish), Math.max(0, deadlineAt - Date.now())));
      },
    };
    this.draining.add(entry);
    entry.deadline(at);
    this.logger.info({ event: 'upstream_pool_draining', origin, deadline: new Date(at).toISOString() });
  }
}
