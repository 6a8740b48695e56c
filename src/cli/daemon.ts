import { runDaemon } from '../daemon.ts';
import { isWeftError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { takeOption, type Command } from './command.ts';
import { loadFromArgs } from './config.ts';

export const daemonCommand: Command = {
  name: 'daemon',
  usage: 'weft daemon [--config FILE] [--etcd-endpoints URL[,URL]] [--etcd-prefix P] [--public-ip IP] [--iface NAME] [--subnet-file PATH] [--ip-masq] [--subnet-lease-ttl D] [flags from `weft config flags`]',
  summary: 'Run the host daemon: the areas enabled in the config, the admin API, systemd notify.',
  async run(args, io) {
    const loaded = loadFromArgs(args, io, { validate: true });
    if (loaded === undefined) return 1;
    const logger = createLogger(loaded.config.log.level);
    const { rest: flags } = takeOption(args, 'config');
    try {
      return await runDaemon({ config: loaded.config, logger, reloadSource: { file: loaded.file, env: io.env, flags } });
    } catch (error) {
      if (!isWeftError(error)) throw error;
      logger.fatal({ area: 'daemon', event: 'daemon_failed', code: error.code, err: error.message }, 'daemon failed');
      io.err(`${error.code}: ${error.message}`);
      return 1;
    }
  },
};
