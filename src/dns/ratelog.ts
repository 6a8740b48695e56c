// Log lines a client can trigger at will (a broken record asked for in a loop, a handler failure)
// are written once per event and key per interval, with the count of those held back since.
import type { Logger } from '../log.ts';

const maxKeys = 1000;

export class RateLimitedLog {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #seen = new Map<string, { at: number; suppressed: number }>();

  constructor(logger: Logger, intervalMs = 60_000, now: () => number = Date.now) {
    this.#logger = logger;
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  /** Logs `fields` at `level` unless the same event and key were logged within the interval. */
  log(level: 'warn' | 'error', key: string, fields: { event: string } & Record<string, unknown>, message: string): void {
    const id = `${fields.event}\u0000${key}`;
    const now = this.#now();
    const last = this.#seen.get(id);
    if (last !== undefined && now - last.at < this.#intervalMs) {
      last.suppressed += 1;
      return;
    }
    if (last === undefined && this.#seen.size >= maxKeys) this.#seen.clear();
    this.#seen.set(id, { at: now, suppressed: 0 });
    this.#logger[level]({ ...fields, ...(last !== undefined && last.suppressed > 0 ? { suppressed: last.suppressed } : {}) }, message);
  }
}
