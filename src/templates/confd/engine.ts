// The confd engine: loads the template resources of a confdir, keeps a mirror of the etcd keys they
// read, and processes resources once, on an interval, or on change through ONE prefix watch (the
// longest common prefix of every resource's keys). In watch mode each resource has its own debounce
// (`wait = "min:max"`), a render in flight is never run twice at once, and failures are retried
// with backoff until they succeed or the inputs change.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { PrefixWatch, type KeyValue } from '../../etcd/index.ts';
import { WeftError } from '../../errors.ts';
import { silentLogger, type Logger } from '../../log.ts';
import type { GoFunc } from '../../gotemplate/index.ts';
import type { BuiltinCommands } from './builtin.ts';
import { discardStagedFiles } from './files.ts';
import type { ConfdMetrics } from './metrics.ts';
import { ReloadMarkers } from './pending.ts';
import { processResource, type ProcessResult, type ReloadPending } from './render.ts';
import type { LookupOptions } from './resolve.ts';
import { parseResource, resourceSees, ResourceError, type ResourceDefaults, type ResourceSpec } from './resource.ts';

export interface EngineOptions {
  readonly confdir: string;
  readonly prefix: string;
  readonly prefixMode?: ResourceDefaults['prefixMode'];
  /** confd's -keep-stage-file. */
  readonly keepStageFile?: boolean;
  readonly noop: boolean;
  readonly syncOnly: boolean;
  readonly checkTimeout: number;
  readonly reloadTimeout: number;
  readonly lookupUser: ResourceDefaults['lookupUser'];
  readonly lookupGroup: ResourceDefaults['lookupGroup'];
  readonly logger?: Logger;
  readonly metrics?: ConfdMetrics;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Called with each noop diff (the CLI prints it). */
  readonly onDiff?: (resource: ResourceSpec, diff: string) => void;
  /** Where pending reloads are remembered across restarts; undefined: in memory only. */
  readonly stateDir?: string;
  /** Resolver settings for lookupIP/lookupSRV (tests point them at a local server). */
  readonly lookup?: LookupOptions;
  /** false: read no conf.d (the daemon with only its own resources); default true. */
  readonly readConfdir?: boolean;
  /** Resources the host program ships, used unless conf.d has a file of the same name (the operator's copy wins). */
  readonly builtinResources?: readonly BuiltinResource[];
  /** Functions added to confd's for every template. */
  readonly extraFuncs?: Readonly<Record<string, GoFunc>>;
  /** check_cmd/reload_cmd commands run in-process. */
  readonly builtins?: BuiltinCommands;
  /** Called after a resource replaced its destination (the daemon tells the proxy at once). */
  readonly onUpdated?: (resource: ResourceSpec) => void;
}

/** A resource file's text and the directory its `src` is relative to. */
export interface BuiltinResource {
  /** The name it has (and an operator's copy in conf.d would have), e.g. `weft-services.toml`. */
  readonly file: string;
  readonly text: string;
  readonly templateDir: string;
}

export interface ResourceState {
  renders: number;
  unchanged: number;
  failures: number;
  lastError: string | undefined;
  lastSuccess: Date | undefined;
  /** The destination changed but reload_cmd has not succeeded since (retried until it does). */
  reloadPending: boolean;
}

const retryDelays = [500, 1000, 2000, 5000, 10_000, 30_000];

/** The longest common prefix of the keys all resources read: what one watch must cover. */
export function commonPrefix(resources: readonly ResourceSpec[]): string {
  const keys = resources.flatMap((r) => r.fullKeys);
  if (keys.length === 0) return '/';
  let prefix = keys[0] ?? '';
  for (const key of keys) while (!key.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix === '' ? '/' : prefix;
}

/** Reads conf.d/*.toml in name order. Bad files are reported and skipped (the others still run). */
export async function loadResources(options: EngineOptions): Promise<{ resources: ResourceSpec[]; errors: Error[] }> {
  const confd = join(options.confdir, 'conf.d');
  let names: string[] = [];
  const errors: Error[] = [];
  if (options.readConfdir !== false) {
    try {
      names = (await readdir(confd)).filter((n) => n.endsWith('.toml')).sort();
    } catch (error) {
      errors.push(new WeftError('WEFT_E_TEMPLATE_RESOURCE', `cannot read ${confd}: ${(error as Error).message}`));
    }
  }
  const defaults: ResourceDefaults = {
    templateDir: join(options.confdir, 'templates'),
    globalPrefix: options.prefix,
    ...(options.prefixMode === undefined ? {} : { prefixMode: options.prefixMode }),
    checkTimeout: options.checkTimeout,
    reloadTimeout: options.reloadTimeout,
    lookupUser: options.lookupUser,
    lookupGroup: options.lookupGroup,
  };
  const resources: ResourceSpec[] = [];
  const parseInto = (file: string, text: string, templateDir: string, globalPrefix = defaults.globalPrefix): void => {
    try {
      resources.push(parseResource(file, text, { ...defaults, templateDir, globalPrefix }));
    } catch (error) {
      errors.push(error instanceof ResourceError ? new WeftError('WEFT_E_TEMPLATE_RESOURCE', error.message) : (error as Error));
    }
  };
  for (const name of names) {
    const file = join(confd, name);
    try {
      parseInto(file, await readFile(file, 'utf8'), defaults.templateDir);
    } catch (error) {
      errors.push(new WeftError('WEFT_E_TEMPLATE_RESOURCE', `cannot read ${file}: ${(error as Error).message}`));
    }
  }
  for (const builtin of options.builtinResources ?? []) {
    // weft's own resources name absolute keys (services.prefix): the global prefix would replace them.
    if (!names.includes(builtin.file)) parseInto(join(builtin.templateDir, '..', 'conf.d', builtin.file), builtin.text, builtin.templateDir, '');
  }
  return { resources, errors };
}

interface Scheduled {
  cancel(): void;
}

// A zero delay runs on the next turn of the event loop (setTimeout(0) costs a millisecond or more).
function schedule(delayMs: number, run: () => void): Scheduled {
  if (delayMs === 0) {
    const immediate = setImmediate(run);
    return { cancel: () => clearImmediate(immediate) };
  }
  const timer = setTimeout(run, delayMs);
  return { cancel: () => clearTimeout(timer) };
}

interface Slot {
  resource: ResourceSpec;
  state: ResourceState;
  timer: Scheduled | undefined;
  firstTrigger: number | undefined;
  running: Promise<void> | undefined;
  rerun: boolean;
  attempt: number;
  /** What the resource saw at its last successful render, to skip renders nothing changed. */
  seen: string | undefined;
  pending: ReloadPending;
}

const freshState = (): ResourceState => ({ renders: 0, unchanged: 0, failures: 0, lastError: undefined, lastSuccess: undefined, reloadPending: false });
const defaultStopMs = 10_000;

export class ConfdEngine {
  readonly #options: EngineOptions;
  readonly #log: Logger;
  readonly mirror = new Map<string, string>();
  #slots: Slot[] = [];
  #watch: PrefixWatch | undefined;
  #stopped = false;
  #stopping: Promise<void> | undefined;
  readonly #abort = new AbortController();
  readonly #markers: ReloadMarkers;

  constructor(options: EngineOptions) {
    this.#options = options;
    this.#log = options.logger ?? silentLogger;
    this.#markers = new ReloadMarkers(options.stateDir, this.#log);
  }

  get resources(): readonly ResourceSpec[] {
    return this.#slots.map((s) => s.resource);
  }

  states(): Record<string, ResourceState & { dest: string }> {
    return Object.fromEntries(this.#slots.map((s) => [s.resource.name, { ...s.state, dest: s.resource.dest }]));
  }

  /** (Re)loads the confdir; returns the problems found (bad resource files). */
  async load(): Promise<Error[]> {
    const { resources, errors } = await loadResources(this.#options);
    for (const error of errors) this.#log.error({ event: 'resource_invalid', err: error.message }, 'template resource skipped');
    for (const r of resources) {
      if (r.unknownKeys.length > 0) this.#log.warn({ event: 'resource_unknown_keys', resource: r.file, keys: r.unknownKeys }, 'unknown keys in template resource ignored');
      for (const warning of r.warnings ?? []) this.#log.warn({ event: 'resource_warning', resource: r.file }, warning);
      if (r.modeLooksOctal) this.#log.warn({ event: 'resource_mode_decimal', resource: r.file, mode: `0${((r.mode ?? 0) & 0o777).toString(8).padStart(3, '0')}` }, 'mode has no leading 0, so confd (and weft) read it as decimal; write "0644" for rw-r--r--');
    }
    const old = new Map(this.#slots.map((s) => [s.resource.file, s]));
    this.#slots = await Promise.all(resources.map(async (resource) => {
      const previous = old.get(resource.file);
      previous?.timer?.cancel();
      const state = previous?.state ?? freshState();
      if (previous === undefined) {
        const marker = await this.#markers.read(resource);
        if (marker !== undefined) {
          state.reloadPending = true;
          state.lastError = `reload_cmd for ${resource.dest} has not succeeded since ${marker.since} (before a restart); retrying`;
        }
      }
      const pending = this.#markers.flag(resource, state.reloadPending, (now) => (state.reloadPending = now));
      return { resource, state, timer: undefined, firstTrigger: undefined, running: undefined, rerun: false, attempt: 0, seen: undefined, pending };
    }));
    for (const [file, slot] of old) if (!this.#slots.some((s) => s.resource.file === file)) slot.timer?.cancel();
    return errors;
  }

  /** Fetches the keys of every resource (one range over their common prefix). */
  async fetch(client: Etcd3): Promise<void> {
    const values = await client.getAll().prefix(commonPrefix(this.resources)).strings();
    this.mirror.clear();
    for (const [key, value] of Object.entries(values)) this.mirror.set(key, value);
  }

  /** Processes every resource once, in order; resolves to the number that failed. */
  async processAll(): Promise<number> {
    let failed = 0;
    for (const slot of this.#slots) if (!(await this.#process(slot))) failed++;
    return failed;
  }

  /** Watch mode: one prefix watch; resolves once the first snapshot was processed. */
  async watch(client: Etcd3): Promise<void> {
    await this.#watch?.stop();
    this.#watch = new PrefixWatch(
      client,
      { prefix: commonPrefix(this.resources), logger: this.#log },
      {
        snapshot: (items: readonly KeyValue[]) => {
          this.mirror.clear();
          for (const item of items) this.mirror.set(item.key, item.value);
          for (const slot of this.#slots) this.#trigger(slot);
        },
        put: (item: KeyValue) => {
          this.mirror.set(item.key, item.value);
          this.#changed(item.key);
        },
        delete: (key: string) => {
          this.mirror.delete(key);
          this.#changed(key);
        },
      },
    );
    await this.#watch.start();
  }

  watchReady(): boolean {
    return this.#watch?.ready() ?? false;
  }

  watchStatus(): ReturnType<PrefixWatch['status']> | undefined {
    return this.#watch?.status();
  }

  /** Re-renders everything now (SIGHUP after reloading the confdir). */
  triggerAll(): void {
    for (const slot of this.#slots) {
      slot.seen = undefined;
      this.#trigger(slot);
    }
  }

  /** Resolves when no render is running or scheduled (tests, clean shutdown). */
  async idle(): Promise<void> {
    while (this.#slots.some((s) => s.running !== undefined || s.timer !== undefined)) {
      await Promise.all(this.#slots.flatMap((s) => (s.running === undefined ? [] : [s.running])));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /**
   * Stops watching and rendering by `deadline`: running check/reload commands are killed (their
   * whole process group), lookups cancelled, and staged files removed.
   */
  stop(deadline = new Date(Date.now() + defaultStopMs)): Promise<void> {
    this.#stopping ??= this.#stop(deadline);
    return this.#stopping;
  }

  async #stop(deadline: Date): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    for (const slot of this.#slots) slot.timer?.cancel();
    const settled = Promise.all([this.#watch?.stop(), ...this.#slots.flatMap((s) => (s.running === undefined ? [] : [s.running]))]);
    // Leave a little of the deadline for the caller's own cleanup.
    const budget = Math.max(0, deadline.getTime() - Date.now() - 200);
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([settled.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), budget)))]);
    clearTimeout(timer);
    if (late) this.#log.warn({ event: 'confd_stop_late', deadline: deadline.toISOString() }, 'renders still running at the stop deadline; abandoned');
    discardStagedFiles();
  }

  #changed(key: string): void {
    for (const slot of this.#slots) if (resourceSees(slot.resource, key)) this.#trigger(slot);
  }

  // Debounce per resource: render after `min` of quiet, but no later than `max` after the first
  // change of a burst. Without `wait`, render on the next tick (coalescing one batch of events).
  #trigger(slot: Slot, delayOverride?: number): void {
    if (this.#stopped) return;
    const now = Date.now();
    slot.firstTrigger ??= now;
    let delay = delayOverride ?? 0;
    if (delayOverride === undefined && slot.resource.wait !== undefined) {
      delay = Math.max(0, Math.min(slot.resource.wait.min, slot.firstTrigger + slot.resource.wait.max - now));
    }
    slot.timer?.cancel();
    slot.timer = schedule(delay, () => this.#fire(slot));
  }

  #fire(slot: Slot): void {
    slot.timer = undefined;
    slot.firstTrigger = undefined;
    if (slot.running !== undefined) {
      slot.rerun = true;
      return;
    }
    slot.running = this.#process(slot, true).then((ok) => {
      slot.running = undefined;
      if (slot.rerun) {
        slot.rerun = false;
        this.#trigger(slot, 0);
      } else if (!ok && !this.#stopped) {
        const delay = retryDelays[Math.min(slot.attempt - 1, retryDelays.length - 1)] ?? 30_000;
        this.#log.warn({ event: 'render_retry', resource: slot.resource.name, attempt: slot.attempt, retryInMs: delay }, 'render failed; retrying');
        this.#trigger(slot, delay);
      }
    });
  }

  // The keys and values a resource sees, as one string: equal means its output cannot change.
  #view(resource: ResourceSpec): string {
    const entries: string[] = [];
    for (const [key, value] of this.mirror) if (resourceSees(resource, key)) entries.push(`${key}\u0000${value}`);
    return entries.sort().join('\u0001');
  }

  async #process(slot: Slot, skipUnchangedView = false): Promise<boolean> {
    const { resource, state } = slot;
    const view = this.#view(resource);
    if (skipUnchangedView && slot.seen === view && slot.attempt === 0) return true;
    const begun = performance.now();
    let result: ProcessResult;
    try {
      result = await processResource(resource, this.mirror, {
        noop: this.#options.noop,
        keepStageFile: this.#options.keepStageFile === true,
        syncOnly: this.#options.syncOnly,
        reloadPending: slot.pending,
        signal: this.#abort.signal,
        ...(this.#options.builtins === undefined ? {} : { builtins: this.#options.builtins }),
        ...(this.#options.extraFuncs === undefined ? {} : { extraFuncs: this.#options.extraFuncs }),
        ...(this.#options.lookup === undefined ? {} : { lookup: this.#options.lookup }),
        ...(this.#options.env === undefined ? {} : { env: this.#options.env }),
      });
    } catch (error) {
      if (this.#stopped) {
        this.#log.info({ event: 'render_abandoned', resource: resource.name, dest: resource.dest, err: (error as Error).message }, 'render abandoned: stopping');
        return false;
      }
      slot.attempt += 1;
      state.failures += 1;
      state.lastError = (error as Error).message;
      const code = error instanceof WeftError ? error.code : 'WEFT_E_TEMPLATE_EXEC';
      this.#options.metrics?.record(resource.name, code);
      this.#log.error({ event: 'render_failed', resource: resource.name, dest: resource.dest, code, err: state.lastError }, 'template resource failed');
      return false;
    }
    slot.attempt = 0;
    slot.seen = view;
    state.lastError = undefined;
    state.lastSuccess = new Date();
    const ms = Math.round((performance.now() - begun) * 10) / 10;
    if (result.status === 'reloaded') {
      this.#options.metrics?.record(resource.name, 'reloaded');
      this.#log.info({ event: 'reload_retried', resource: resource.name, dest: resource.dest, ms, reloadOutput: result.reloadOutput }, 'pending reload_cmd succeeded');
    } else if (result.status === 'unchanged') {
      state.unchanged += 1;
      this.#options.metrics?.record(resource.name, 'unchanged');
      this.#log.debug({ event: 'render_unchanged', resource: resource.name, dest: resource.dest, ms }, 'target in sync');
    } else {
      state.renders += 1;
      this.#options.metrics?.record(resource.name, result.status);
      if (result.diff !== undefined) this.#options.onDiff?.(resource, result.diff);
      if (result.status === 'updated') this.#options.onUpdated?.(resource);
      this.#log.info({ event: result.status === 'updated' ? 'render_updated' : 'render_noop', resource: resource.name, dest: resource.dest, ms, reloadOutput: result.reloadOutput }, result.status === 'updated' ? 'target updated' : 'target would change (noop)');
    }
    return true;
  }
}
