// The templates area inside `weft daemon`: the confd engine in watch mode over the daemon's etcd
// client, with readiness, status, metrics, and SIGHUP reloading the confdir.
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { Registry } from 'prom-client';
import type { Area } from '../area.ts';
import type { Logger } from '../log.ts';
import { closeShellRunner, ConfdEngine, ConfdMetrics, lookupGroup, lookupUser } from './confd/index.ts';

export interface TemplatesAreaOptions {
  readonly confdir: string;
  readonly prefix: string;
  /** The daemon's etcd client (from the etcd area). */
  readonly etcd: () => Etcd3;
  readonly logger: Logger;
  /** `daemon.state_dir`: pending reloads are remembered under `<state_dir>/templates/`. */
  readonly stateDir?: string;
}

export class TemplatesArea implements Area {
  readonly name = 'templates';
  readonly metrics = new Registry();
  readonly #engine: ConfdEngine;
  readonly #options: TemplatesAreaOptions;
  readonly #log: Logger;
  #loadErrors: string[] = [];

  constructor(options: TemplatesAreaOptions) {
    this.#options = options;
    this.#log = options.logger.child({ area: 'templates' });
    this.#engine = new ConfdEngine({
      confdir: options.confdir,
      prefix: options.prefix,
      noop: false,
      syncOnly: false,
      checkTimeout: 60_000,
      reloadTimeout: 60_000,
      lookupUser,
      lookupGroup,
      logger: this.#log,
      metrics: new ConfdMetrics(this.metrics),
      ...(options.stateDir === undefined ? {} : { stateDir: join(options.stateDir, 'templates') }),
    });
  }

  async start(): Promise<void> {
    this.#loadErrors = (await this.#engine.load()).map((e) => e.message);
    // Not awaited: the first snapshot waits for etcd, and start-up must not.
    void this.#engine.watch(this.#options.etcd());
  }

  async stop(deadline: Date): Promise<void> {
    await this.#engine.stop(deadline);
    closeShellRunner();
  }

  ready(): boolean {
    return this.#engine.watchReady();
  }

  readonly notReadyReason = (): string | undefined => {
    const status = this.#engine.watchStatus();
    if (status === undefined) return 'watch not started';
    if (!status.synced) return `no snapshot of ${status.prefix} yet${status.lastError === undefined ? '' : `: ${status.lastError}`}`;
    return `watch on ${status.prefix} disconnected${status.lastError === undefined ? '' : `: ${status.lastError}`}; resuming`;
  };

  readonly status = (): unknown => ({
    confdir: this.#options.confdir,
    watch: this.#engine.watchStatus() ?? null,
    invalidResources: this.#loadErrors,
    resources: this.#engine.states(),
  });

  readonly reload = async (): Promise<void> => {
    this.#loadErrors = (await this.#engine.load()).map((e) => e.message);
    await this.#engine.watch(this.#options.etcd());
    this.#engine.triggerAll();
    this.#log.info({ event: 'confdir_reloaded', resources: this.#engine.resources.length }, 'confdir reloaded');
  };
}
