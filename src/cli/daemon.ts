import { asksVersion } from '../config/index.ts';
import { runDaemon } from '../daemon.ts';
import { isWeftError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { takeOption, type Command } from './command.ts';
import { spec } from './commands.ts';
import { loadValidatedFromArgs } from './config.ts';
import { collectAfter } from './heap.ts';
import { weftVersion } from '../version.ts';

/**
 * Areas started is not data held: the overlay's first reconcile, the first renders and a large
 * zone's fill run on after it, longer on a busy host; the second collection catches what the first
 * missed (the memory bench settles 20 s after the data is held).
 */
const collectAfterStartMs = [5000, 15_000];

export const daemonCommand: Command = {
  ...spec('daemon'),
  async run(args, io) {
    // flanneld's -version: print and exit before reading any config (flanneld checks it first too).
    if (asksVersion(args)) {
      io.out(`weft ${weftVersion}`);
      return 0;
    }
    const loaded = await loadValidatedFromArgs(args, io);
    if (loaded === undefined) return 1;
    const logger = createLogger(loaded.config.log.level, undefined, { format: loaded.config.log.format });
    for (const notice of loaded.notices) {
      logger.warn({ area: 'daemon', event: 'flannel_flag_without_effect', flag: notice.path, source: notice.source }, notice.message);
    }
    const { rest: flags } = takeOption(args, 'config');
    try {
      // The start-up burst's garbage, collected once the areas hold their data (docs/memory.md).
      const onStarted = (): void => collectAfter(collectAfterStartMs);
      return await runDaemon({ config: loaded.config, logger, reloadSource: { file: loaded.file, env: io.env, flags }, onStarted });
    } catch (error) {
      if (!isWeftError(error)) throw error;
      logger.fatal({ area: 'daemon', event: 'daemon_failed', code: error.code, err: error.message }, 'daemon failed');
      io.err(`${error.code}: ${error.message}`);
      return 1;
    }
  },
};
