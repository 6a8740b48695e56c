// `weft confd`: confd's command line on etcd v3. Modes: -onetime, -interval N (default), -watch.
import { readFileSync } from 'node:fs';
import { createEtcdClient } from '../etcd/index.ts';
import { isWeftError, WeftError } from '../errors.ts';
import { createLogger, type LogLevel } from '../log.ts';
import {
  backendProblem, closeShellRunner, ConfdEngine, ConfdUsageError, defaultConfdStateDir, discoverSrv, keyringProblem, lookupGroup, lookupUser, parseConfdArgs,
  resolveConfdSettings, withSrvNodes, type ConfdSettings,
} from '../templates/index.ts';
import { weftVersion } from '../version.ts';
import type { Command, CommandIo } from './command.ts';
import { spec } from './commands.ts';

const levels: Record<string, LogLevel> = { debug: 'debug', info: 'info', warn: 'warn', warning: 'warn', error: 'error', fatal: 'fatal', panic: 'fatal' };

function settingsFrom(args: readonly string[]): { settings: ConfdSettings; ignoredKeys: readonly string[]; missingConfigFile: string | undefined } {
  const parsed = parseConfdArgs(args);
  const file = parsed.configFile ?? '/etc/confd/confd.toml';
  let text: string | undefined;
  let missingConfigFile: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    // confd runs without its config file when it does not exist, even one named with -config-file
    // (a unit naming a confd.toml that is not there keeps working); weft says so in a warning.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfdUsageError(`cannot read config file ${file}: ${(error as Error).message}`);
    if (parsed.configFile !== undefined) missingConfigFile = file;
  }
  return { ...resolveConfdSettings(parsed, text, process.env), missingConfigFile };
}

/** confd reads -secret-keyring at start and exits if it cannot; weft also checks that it holds usable keys. */
async function readKeyring(file: string): Promise<string> {
  if (file === '') return '';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfdUsageError(`cannot read -secret-keyring ${file}: ${(error as Error).message}`);
  }
  const problem = await keyringProblem(text);
  if (problem !== undefined) throw new ConfdUsageError(`-secret-keyring ${file}: ${problem}`);
  return text;
}

// SIGTERM/SIGINT stop every mode (onetime too: running commands are killed, staged files and the
// helper's temp directory removed); SIGHUP reloads the confdir in watch and interval mode.
function stopSignals(): { stopped: Promise<string>; dispose: () => void } {
  const { promise, resolve } = Promise.withResolvers<string>();
  const onTerm = (): void => resolve('SIGTERM');
  const onInt = (): void => resolve('SIGINT');
  process.once('SIGTERM', onTerm);
  process.once('SIGINT', onInt);
  return {
    stopped: promise,
    dispose: () => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
    },
  };
}

/** How long a stop may take before weft confd exits anyway (the daemon's default shutdown_timeout). */
const stopDeadlineMs = 10_000;

async function run(args: readonly string[], io: CommandIo): Promise<number> {
  const resolved = settingsFrom(args);
  let settings = resolved.settings;
  const ignoredKeys = resolved.ignoredKeys;
  if (settings.version) {
    io.out(`weft confd ${weftVersion} (confd-compatible, etcdv3)`);
    return 0;
  }
  const problem = backendProblem(settings.backend);
  if (problem !== undefined) throw new ConfdUsageError(problem);
  const level = levels[settings.logLevel.toLowerCase()];
  if (level === undefined) throw new ConfdUsageError(`-log-level ${settings.logLevel}: use debug, info, warn or error`);
  const logger = createLogger(level).child({ area: 'templates' });
  if (resolved.missingConfigFile !== undefined) logger.warn({ event: 'confd_toml_missing', file: resolved.missingConfigFile }, '-config-file does not exist; running without it, as confd does');
  if (ignoredKeys.length > 0) logger.warn({ event: 'confd_toml_ignored', keys: ignoredKeys }, 'confd.toml keys weft does not use were ignored');
  if (settings.authToken !== '') logger.warn({ event: 'confd_auth_token_ignored' }, '-auth-token has no effect with etcdv3 (as in confd, where only the vault backend reads it); use -basic-auth -username -password for etcd');
  if (settings.scheme !== 'http') logger.warn({ event: 'confd_scheme_ignored', scheme: settings.scheme }, "-scheme has no effect with etcdv3 (as in confd): nodes without a scheme use TLS when -client-ca-keys or -client-cert/-client-key are set");
  const secretKeyring = await readKeyring(settings.secretKeyring);
  if (settings.srvRecord !== '') {
    logger.info({ event: 'confd_srv', record: settings.srvRecord }, 'looking up the etcd nodes in DNS');
    settings = withSrvNodes(settings, await discoverSrv(settings.srvRecord));
  }

  const client = createEtcdClient({
    endpoints: settings.nodes,
    dial_timeout: 5000,
    ca_file: settings.clientCaKeys,
    cert_file: settings.clientCert,
    key_file: settings.clientKey,
    username: settings.basicAuth ? settings.username : '',
    password: settings.basicAuth ? settings.password : '',
  });
  const engine = new ConfdEngine({
    confdir: settings.confdir,
    prefix: settings.prefix,
    prefixMode: settings.prefixJoin ? 'join' : 'replace',
    keepStageFile: settings.keepStageFile,
    ...(secretKeyring === '' ? {} : { lookup: { secretKeyring } }),
    noop: settings.noop,
    syncOnly: settings.syncOnly,
    checkTimeout: settings.checkTimeout,
    reloadTimeout: settings.reloadTimeout,
    stateDir: settings.stateDir === '' ? defaultConfdStateDir(process.env, process.geteuid?.()) : settings.stateDir,
    lookupUser,
    lookupGroup,
    logger,
    onDiff: (_resource, diff) => io.out(diff),
  });
  const signals = stopSignals();
  let stopSignal: string | undefined;
  void signals.stopped.then((signal) => {
    stopSignal = signal;
    logger.info({ event: 'confd_stopping', signal }, 'stopping');
    return engine.stop(new Date(Date.now() + stopDeadlineMs));
  });
  const onHup = (): void => {
    void engine.load().then(async () => {
      if (settings.watch) await engine.watch(client);
      engine.triggerAll();
      logger.info({ event: 'confd_reloaded', resources: engine.resources.length }, 'confdir reloaded');
    });
  };
  try {
    const loadErrors = await engine.load();
    logger.info({ event: 'confd_start', mode: settings.onetime ? 'onetime' : settings.watch ? 'watch' : 'interval', nodes: settings.nodes, confdir: settings.confdir, resources: engine.resources.length }, 'weft confd starting');
    if (settings.onetime) {
      await engine.fetch(client).catch((error: unknown) => {
        throw new WeftError('WEFT_E_ETCD_UNAVAILABLE', `cannot read keys from etcd at ${settings.nodes.join(', ')}: ${(error as Error).message}`);
      });
      const failed = await engine.processAll();
      return failed + loadErrors.length > 0 || stopSignal !== undefined ? 1 : 0;
    }
    process.on('SIGHUP', onHup);
    if (settings.watch) {
      await engine.watch(client);
      await signals.stopped;
      return 0;
    }
    let timer: NodeJS.Timeout | undefined;
    const tick = async (): Promise<void> => {
      try {
        await engine.fetch(client);
        await engine.processAll();
      } catch (error) {
        logger.error({ event: 'confd_interval_failed', err: (error as Error).message }, 'interval run failed; trying again next interval');
      }
      if (stopSignal === undefined) timer = setTimeout(() => void tick(), settings.interval * 1000);
    };
    await tick();
    await signals.stopped;
    clearTimeout(timer);
    return 0;
  } finally {
    process.off('SIGHUP', onHup);
    signals.dispose();
    await engine.stop(new Date(Date.now() + stopDeadlineMs));
    closeShellRunner();
    client.close();
  }
}

export const confdCommand: Command = {
  ...spec('confd'),
  async run(args, io) {
    try {
      return await run(args, io);
    } catch (error) {
      if (error instanceof ConfdUsageError) {
        io.err(`WEFT_E_CONFD_USAGE: ${error.message}`);
        return 2;
      }
      if (isWeftError(error)) {
        io.err(`${error.code}: ${error.message}`);
        return 1;
      }
      throw error;
    }
  },
};
