// The templates area inside `weft daemon`: the confd engine in watch mode over the daemon's etcd
// client, with readiness, status, metrics, and SIGHUP reloading the confdir.
import { isAbsolute, join } from 'node:path';
import { Registry } from 'prom-client';
import { onceStop, type Area } from '../area.ts';
import { problem, type Config, type Problem } from '../config/index.ts';
import type { EtcdHandle } from '../etcd/index.ts';
import type { Logger } from '../log.ts';
import type { GoFunc } from '../gotemplate/index.ts';
import { closeShellRunner, ConfdEngine, ConfdMetrics, lookupGroup, lookupUser, type BuiltinCommands, type BuiltinResource } from './confd/index.ts';

export interface TemplatesDeps {
  readonly config: Pick<Config, 'templates' | 'daemon'>;
  readonly etcd: EtcdHandle;
  readonly logger: Logger;
  /** What the daemon adds (the services resource, its functions, the in-process proxy check). */
  readonly extras?: TemplatesExtras;
}

export interface TemplatesExtras {
  readonly builtinResources?: readonly BuiltinResource[];
  readonly extraFuncs?: Readonly<Record<string, GoFunc>>;
  readonly builtins?: BuiltinCommands;
  readonly onUpdated?: (resource: { readonly name: string; readonly dest: string }) => void;
}

/** Checks `[templates]` before anything starts (also `weft config check`). */
export function validateTemplates(config: Pick<Config, 'templates'>): Problem[] {
  const t = config.templates;
  const problems: Problem[] = [];
  if (!isAbsolute(t.confdir)) problems.push(problem('templates.confdir', `"${t.confdir}" must be an absolute path (a directory with conf.d/ and templates/)`));
  if (t.prefix !== '' && !t.prefix.startsWith('/')) problems.push(problem('templates.prefix', `"${t.prefix}" must start with '/' (it replaces, or with prefix_mode = "join" prefixes, each resource's prefix)`));
  return problems;
}

export function createTemplatesArea(deps: TemplatesDeps): Area {
  const settings = deps.config.templates;
  const log = deps.logger.child({ area: 'templates' });
  const metrics = new Registry();
  // Constructing the engine reads nothing: load() reads the confdir at start.
  const engine = new ConfdEngine({
    confdir: settings.confdir,
    prefix: settings.prefix,
    prefixMode: settings.prefix_mode,
    noop: false,
    syncOnly: false,
    checkTimeout: settings.check_timeout,
    reloadTimeout: settings.reload_timeout,
    lookupUser,
    lookupGroup,
    logger: log,
    metrics: new ConfdMetrics(metrics),
    // Pending reloads survive restarts under <state_dir>/templates/.
    stateDir: join(deps.config.daemon.state_dir, 'templates'),
    // With [templates] off the area runs only for the daemon's own resources: conf.d is not read.
    readConfdir: settings.enabled,
    ...deps.extras,
  });
  let loadErrors: string[] = [];
  let started = false;
  let stopped = false;

  return {
    name: 'templates',
    metrics,

    async start() {
      if (started || stopped) return;
      started = true;
      loadErrors = (await engine.load()).map((e) => e.message);
      // Not awaited: the first snapshot waits for etcd, and start-up must not.
      void engine.watch(deps.etcd.client);
    },

    stop: onceStop('templates', async (deadline) => {
      stopped = true;
      await engine.stop(deadline);
      closeShellRunner();
    }),

    ready: () => started && !stopped && engine.watchReady(),

    notReadyReason() {
      if (stopped) return 'stopped';
      const status = engine.watchStatus();
      if (status === undefined) return 'watch not started';
      if (!status.synced) return `no snapshot of ${status.prefix} yet${status.lastError === undefined ? '' : `: ${status.lastError}`}`;
      return `watch on ${status.prefix} disconnected${status.lastError === undefined ? '' : `: ${status.lastError}`}; resuming`;
    },

    status: () => ({
      confdir: settings.enabled ? settings.confdir : null,
      watch: engine.watchStatus() ?? null,
      invalidResources: loadErrors,
      resources: engine.states(),
    }),

    async reload() {
      if (!started || stopped) return;
      loadErrors = (await engine.load()).map((e) => e.message);
      await engine.watch(deps.etcd.client);
      engine.triggerAll();
      log.info({ event: 'confdir_reloaded', resources: engine.resources.length }, 'confdir reloaded');
    },
  };
}
