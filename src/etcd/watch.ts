// The one prefix watch every area uses. Design: take a snapshot (range at revision R), then watch
// from R+1. After a disconnect the watch resumes from the last revision *we delivered* (the etcd3
// library would resume from the header revision of the create response, which can skip events that
// were pending on the lost stream); events at or below that revision are dropped as duplicates.
// When etcd has compacted past our revision, the watch is cancelled; we take a fresh snapshot and
// hand it to the consumer as a full replacement.
import type { Etcd3, IKeyValue, IWatchResponse, Watcher } from 'etcd3';
import { silentLogger, type Logger } from '../log.ts';
import type { EtcdMetrics } from './metrics.ts';
import { guardStreamDial } from './stream-dial.ts';

export interface KeyValue {
  readonly key: string;
  readonly value: string;
  readonly modRevision: number;
  readonly createRevision: number;
  readonly version: number;
  /** etcd lease ID as a decimal string, '0' when the key has no lease. */
  readonly lease: string;
}

/** What a consumer of a prefix watch implements. Calls are made one at a time, in revision order. */
export interface WatchHandler {
  /** The whole prefix at `revision`; replaces everything the consumer knew. */
  snapshot(items: readonly KeyValue[], revision: number): void | Promise<void>;
  put(item: KeyValue): void | Promise<void>;
  delete(key: string, revision: number): void | Promise<void>;
}

export interface PrefixWatchOptions {
  readonly prefix: string;
  readonly logger?: Logger;
  readonly metrics?: EtcdMetrics;
}

export interface PrefixWatchStatus {
  readonly prefix: string;
  readonly revision: number;
  readonly connected: boolean;
  readonly synced: boolean;
  readonly snapshots: number;
  readonly events: number;
  readonly lastError: string | undefined;
}

/** What consumers hold of a prefix watch (PrefixWatch on etcd; MemoryPrefixWatch in unit tests). */
export interface PrefixWatcher {
  readonly prefix: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  ready(): boolean;
  status(): PrefixWatchStatus;
}

const retryDelays = [100, 200, 500, 1000, 2000];

export function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString(),
    value: kv.value.toString(),
    modRevision: Number(kv.mod_revision),
    createRevision: Number(kv.create_revision),
    version: Number(kv.version),
    lease: kv.lease,
  };
}

export class PrefixWatch implements PrefixWatcher {
  readonly prefix: string;
  readonly #client: Etcd3;
  readonly #handler: WatchHandler;
  readonly #log: Logger;
  readonly #metrics: EtcdMetrics | undefined;
  #watcher: Watcher | undefined;
  #unguard = (): void => undefined;
  #revision = 0;
  #connected = false;
  #synced = false;
  #stopped = false;
  #snapshots = 0;
  #events = 0;
  #lastError: string | undefined;
  #delivery: Promise<void> = Promise.resolve();
  #firstSnapshot: Promise<void>;
  #resolveFirstSnapshot!: () => void;

  constructor(client: Etcd3, options: PrefixWatchOptions, handler: WatchHandler) {
    this.prefix = options.prefix;
    this.#client = client;
    this.#handler = handler;
    this.#log = (options.logger ?? silentLogger).child({ watch: options.prefix });
    this.#metrics = options.metrics;
    this.#firstSnapshot = new Promise((resolve) => (this.#resolveFirstSnapshot = resolve));
  }

  /** Starts in the background; resolves when the first snapshot has been delivered. */
  start(): Promise<void> {
    void this.#resync(0);
    return this.#firstSnapshot;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#resolveFirstSnapshot();
    await this.#dropWatcher();
    await this.#delivery;
  }

  /** True once a snapshot was delivered and the watch stream is connected. */
  ready(): boolean {
    return this.#synced && this.#connected;
  }

  status(): PrefixWatchStatus {
    return {
      prefix: this.prefix,
      revision: this.#revision,
      connected: this.#connected,
      synced: this.#synced,
      snapshots: this.#snapshots,
      events: this.#events,
      lastError: this.#lastError,
    };
  }

  // Takes a snapshot and opens the watch after it, retrying with backoff until it works or we stop.
  async #resync(attempt: number): Promise<void> {
    if (this.#stopped) return;
    try {
      const response = await this.#client.getAll().prefix(this.prefix).exec();
      if (this.#stopped) return;
      const revision = Number(response.header.revision);
      const items = response.kvs.map(toKeyValue);
      this.#revision = revision;
      this.#snapshots += 1;
      this.#metrics?.watchSnapshots.inc({ prefix: this.prefix });
      this.#deliver(() => this.#handler.snapshot(items, revision));
      this.#synced = true;
      this.#log.info({ event: 'watch_snapshot', revision, keys: items.length }, 'prefix snapshot delivered');
      this.#openWatch(revision + 1);
      void this.#delivery.then(() => this.#resolveFirstSnapshot());
    } catch (error) {
      this.#lastError = (error as Error).message;
      const delay = retryDelays[Math.min(attempt, retryDelays.length - 1)] ?? 2000;
      this.#log.warn({ event: 'watch_snapshot_failed', err: this.#lastError, retryInMs: delay }, 'prefix snapshot failed; retrying');
      await new Promise((resolve) => setTimeout(resolve, delay));
      await this.#resync(attempt + 1);
    }
  }

  #openWatch(fromRevision: number): void {
    const watcher = this.#client.watch().prefix(this.prefix).startRevision(String(fromRevision)).watcher();
    this.#watcher = watcher;
    this.#unguard = guardStreamDial(watcher, () => this.#log.warn({ event: 'watch_stream_redial', revision: this.#revision }, 'watch stream not answered; re-opening it on another member'));
    watcher.on('connected', () => {
      this.#connected = true;
      this.#lastError = undefined;
    });
    watcher.on('disconnected', (error: Error) => {
      this.#connected = false;
      this.#lastError = error.message;
      this.#metrics?.watchReconnects.inc({ prefix: this.prefix });
      // Resume from what we delivered, not from what the library last saw in a response header.
      (watcher as unknown as { request: { start_revision?: string } }).request.start_revision = String(this.#revision + 1);
      this.#log.warn({ event: 'watch_disconnected', err: error.message, resumeFrom: this.#revision + 1 }, 'watch stream lost; resuming');
    });
    watcher.on('data', (response: IWatchResponse) => this.#onResponse(response));
    watcher.on('error', (error: Error) => {
      // The server cancelled the watch: most often a compaction past our revision. The library has
      // already forgotten this watcher, so we just let it go and start over from a snapshot.
      if (this.#watcher !== watcher) return;
      this.#unguard();
      watcher.removeAllListeners();
      this.#watcher = undefined;
      this.#connected = false;
      this.#lastError = error.message;
      this.#metrics?.watchResnapshots.inc({ prefix: this.prefix });
      this.#log.warn({ event: 'watch_cancelled', err: error.message, revision: this.#revision }, 'watch cancelled by etcd; taking a new snapshot');
      void this.#resync(0);
    });
  }

  #onResponse(response: IWatchResponse): void {
    const seen = this.#revision;
    if (response.events.length === 0) {
      // A progress notification: etcd only sends it when every event up to this revision was sent.
      if (!response.created) this.#revision = Math.max(this.#revision, Number(response.header.revision));
      return;
    }
    for (const event of response.events) {
      const item = toKeyValue(event.kv);
      if (item.modRevision <= seen) {
        this.#metrics?.watchDuplicates.inc({ prefix: this.prefix });
        continue;
      }
      this.#revision = Math.max(this.#revision, item.modRevision);
      this.#events += 1;
      if (event.type === 'Delete') {
        this.#metrics?.watchEvents.inc({ prefix: this.prefix, type: 'delete' });
        this.#deliver(() => this.#handler.delete(item.key, item.modRevision));
      } else {
        this.#metrics?.watchEvents.inc({ prefix: this.prefix, type: 'put' });
        this.#deliver(() => this.#handler.put(item));
      }
    }
  }

  // Delivers in order, one at a time; a consumer that throws is logged, never stops the watch.
  #deliver(call: () => void | Promise<void>): void {
    this.#delivery = this.#delivery.then(call).catch((error: unknown) => {
      this.#metrics?.watchHandlerErrors.inc({ prefix: this.prefix });
      this.#log.error({ event: 'watch_handler_failed', err: (error as Error).message }, 'watch consumer failed on an event');
    });
  }

  async #dropWatcher(): Promise<void> {
    const watcher = this.#watcher;
    this.#watcher = undefined;
    this.#connected = false;
    if (watcher === undefined) return;
    this.#unguard();
    watcher.removeAllListeners('data');
    // cancel() waits for etcd's confirmation; don't let a dead etcd hold up shutdown.
    await Promise.race([watcher.cancel().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    watcher.removeAllListeners();
  }
}
