// Watches the route file and swaps in each good version. Design: the directory is watched, not the
// file (confd replaces it by rename, which orphans a watch on the old inode; the file may not exist
// yet). Events are debounced (~20 ms, trailing) so a burst of writes reads once; a slow poll of the
// file's stamp backs up a missed event or a directory that appears late. Whether to read and
// whether to apply are pure decisions (planCheck, planContent) tested as a table. On any error the
// previous table keeps serving; the error is logged with its key path, counted, and kept for
// readiness. Checks never overlap: an event during a check runs one more check after it.
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { isWeftError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ProxyMetrics } from './metrics.ts';
import { readBounded } from './read-bounded.ts';
import type { RouteProblem } from './types.ts';
import { describeProblems, planCheck, planContent, type FileStamp, type Trigger } from './reload-plan.ts';

export type Compiled<T> = { readonly ok: true; readonly value: T; readonly warnings: readonly RouteProblem[] } | { readonly ok: false; readonly errors: readonly RouteProblem[]; readonly warnings: readonly RouteProblem[] };

export interface ReloaderOptions<T> {
  readonly file: string;
  readonly maxBytes: number;
  /** Text of the file -> the value to swap in, or its problems (never throws for bad input). */
  readonly compile: (text: string) => Promise<Compiled<T>>;
  /** The swap: called with each good version, in order. */
  readonly apply: (value: T, warnings: readonly RouteProblem[]) => void;
  readonly logger: Logger;
  readonly metrics: Pick<ProxyMetrics, 'reloads' | 'reloadFailures' | 'lastReloadSuccess'>;
  readonly debounceMs?: number;
  readonly pollMs?: number;
  readonly settleMs?: number;
}

export interface ReloadStatus {
  readonly file: string;
  readonly loaded: boolean;
  readonly lastReload?: string;
  readonly lastError?: string;
  readonly lastErrorAt?: string;
  readonly warnings: readonly RouteProblem[];
}

const strength: Readonly<Record<Trigger, number>> = { poll: 0, start: 1, event: 2, forced: 3 };

export class RouteFileReloader<T> {
  readonly #o: ReloaderOptions<T>;
  #watcher: FSWatcher | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #queued: { trigger: Trigger; done: Promise<void> } | undefined;
  #closed = false;
  #seen: FileStamp | undefined;
  #lastHash: string | undefined;
  #emptyBefore = false;
  #loaded = false;
  #lastReload: Date | undefined;
  #lastError: { message: string; at: Date } | undefined;
  #warnings: readonly RouteProblem[] = [];

  constructor(options: ReloaderOptions<T>) {
    this.#o = options;
  }

  /** Loads the file once (a missing or bad file is not an error here: readiness says so), then watches. */
  async start(): Promise<void> {
    this.#watchDirectory();
    this.#poll = setInterval(() => this.#schedule('poll'), this.#o.pollMs ?? 1000);
    await this.check('start');
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#debounce);
    clearInterval(this.#poll);
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  /** SIGHUP and tests: read now, even when the bytes did not change. */
  reloadNow(): Promise<void> {
    return this.check('forced');
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  /** Why no table was loaded, or why the last change was refused; undefined when the file is served as is. */
  lastError(): string | undefined {
    return this.#lastError?.message;
  }

  status(): ReloadStatus {
    return {
      file: this.#o.file,
      loaded: this.#loaded,
      ...(this.#lastReload === undefined ? {} : { lastReload: this.#lastReload.toISOString() }),
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError.message, lastErrorAt: this.#lastError.at.toISOString() }),
      warnings: this.#warnings.slice(0, 50),
    };
  }

  #watchDirectory(): void {
    if (this.#watcher !== undefined || this.#closed) return;
    const name = basename(this.#o.file);
    try {
      this.#watcher = watch(dirname(this.#o.file), { persistent: false }, (_event, changed) => {
        if (changed === null || changed === name) this.#schedule('event');
      });
      this.#watcher.on('error', (error) => {
        this.#o.logger.warn({ event: 'proxy_watch_failed', file: this.#o.file, err: error.message }, 'route file watch failed; polling until it can be watched again');
        this.#watcher?.close();
        this.#watcher = undefined;
      });
    } catch (error) {
      // The directory does not exist yet: the poll retries.
      this.#o.logger.debug({ event: 'proxy_watch_unavailable', file: this.#o.file, err: (error as Error).message });
    }
  }

  #schedule(trigger: Trigger, delay = this.#o.debounceMs ?? 20): void {
    if (this.#closed) return;
    if (trigger === 'poll') {
      this.#watchDirectory();
      if (this.#debounce === undefined) void this.check('poll');
      return;
    }
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      void this.check(trigger);
    }, delay);
  }

  /** One check at a time; a trigger during a check queues one more after it (the strongest trigger wins). */
  check(trigger: Trigger): Promise<void> {
    if (this.#queued !== undefined) {
      if (strength[trigger] > strength[this.#queued.trigger]) this.#queued.trigger = trigger;
      return this.#queued.done;
    }
    if (this.#running === undefined) return this.#run(trigger);
    const queued: { trigger: Trigger; done: Promise<void> } = { trigger, done: Promise.resolve() };
    queued.done = this.#running.then(() => {
      this.#queued = undefined;
      return this.#closed ? undefined : this.#run(queued.trigger);
    });
    this.#queued = queued;
    return queued.done;
  }

  #run(trigger: Trigger): Promise<void> {
    this.#running = this.#checkOnce(trigger)
      .catch((error: unknown) => this.#fail(`${this.#o.file}: ${(error as Error).message}`, [], true))
      .finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #stamp(): Promise<FileStamp | undefined> {
    try {
      const s = await stat(this.#o.file, { bigint: true });
      return { dev: s.dev, ino: s.ino, size: s.size, mtimeNs: s.mtimeNs, ctimeNs: s.ctimeNs };
    } catch {
      return undefined;
    }
  }

  async #checkOnce(trigger: Trigger): Promise<void> {
    const before = await this.#stamp();
    const plan = planCheck(this.#seen, before, trigger);
    if (plan === 'unchanged' || this.#closed) return;
    if (plan === 'missing' || before === undefined) {
      // Not counted: a file not written yet is not a refused change. Forget the bytes so it reloads when it returns.
      this.#seen = undefined;
      this.#lastHash = undefined;
      this.#fail(`${this.#o.file}: does not exist${this.#loaded ? '; the previous route table keeps serving' : ' yet'}`, [], false);
      return;
    }
    let bytes: Buffer;
    try {
      bytes = await readBounded(this.#o.file, this.#o.maxBytes);
    } catch (error) {
      // Gone between stat and read (a rename in flight): the next event or poll looks again.
      if ((error as { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT') return;
      this.#seen = before;
      this.#fail(isWeftError(error) ? error.message : String(error), [], true);
      return;
    }
    const hash = createHash('sha256').update(bytes).digest('hex');
    const content = planContent({ lastHash: this.#lastHash, hash, bytes: bytes.length, before, after: await this.#stamp(), emptyBefore: this.#emptyBefore, trigger });
    this.#emptyBefore = bytes.length === 0;
    if (content === 'settle') return this.#schedule('event', this.#o.settleMs ?? 100);
    this.#seen = before;
    if (content === 'unchanged') return;
    this.#lastHash = hash;
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      this.#fail(`${this.#o.file}: is not UTF-8 text`, [], true);
      return;
    }
    const compiled = await this.#o.compile(text);
    if (this.#closed) return;
    this.#warnings = compiled.warnings;
    for (const w of compiled.warnings.slice(0, 50)) this.#o.logger.warn({ event: 'proxy_route_warning', file: this.#o.file, path: w.path, line: w.line, warning: w.message }, 'route file: ignored');
    if (!compiled.ok) {
      this.#fail(describeProblems(this.#o.file, compiled.errors), compiled.errors, true);
      return;
    }
    try {
      this.#o.apply(compiled.value, compiled.warnings);
    } catch (error) {
      this.#fail(`${this.#o.file}: ${(error as Error).message}`, [], true);
      return;
    }
    this.#loaded = true;
    this.#lastError = undefined;
    this.#lastReload = new Date();
    this.#o.metrics.reloads.inc();
    this.#o.metrics.lastReloadSuccess.setToCurrentTime();
  }

  #fail(message: string, problems: readonly RouteProblem[], count: boolean): void {
    this.#lastError = { message, at: new Date() };
    if (!count) return;
    this.#o.metrics.reloadFailures.inc();
    const log = this.#o.logger;
    const kept = this.#loaded ? 'the previous route table keeps serving' : 'no route table yet';
    if (problems.length === 0) log.error({ event: 'proxy_reload_failed', code: 'WEFT_E_PROXY_RELOAD', file: this.#o.file, err: message }, `route file refused; ${kept}`);
    for (const p of problems.slice(0, 50)) log.error({ event: 'proxy_reload_failed', code: 'WEFT_E_PROXY_RELOAD', file: this.#o.file, path: p.path, line: p.line, err: p.message }, `route file refused; ${kept}`);
  }
}
