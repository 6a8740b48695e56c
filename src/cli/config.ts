import { existsSync, readFileSync } from 'node:fs';
import { configFlags, fieldEnv, formatProblems, loadConfig, schema, withLines, type ConfigProblem, type LoadResult } from '../config/index.ts';
import { validateConfig } from '../daemon.ts';
import { isWeftError } from '../errors.ts';
import { takeOption, type Command, type CommandIo } from './command.ts';

export const defaultConfigFile = '/etc/weft/weft.toml';

/** The config file a command uses: --config, else WEFT_CONFIG, else /etc/weft/weft.toml if present. */
export function configFileFor(explicit: string | undefined, io: CommandIo): string | undefined {
  if (explicit !== undefined) return explicit;
  if (io.env.WEFT_CONFIG !== undefined && io.env.WEFT_CONFIG !== '') return io.env.WEFT_CONFIG;
  return existsSync(defaultConfigFile) ? defaultConfigFile : undefined;
}

/** Parse problems, then (when the values parse) every area's own check, with file lines. */
export function allProblems(result: LoadResult, file: string | undefined): ConfigProblem[] {
  let text: string | undefined;
  try {
    text = file === undefined ? undefined : readFileSync(file, 'utf8');
  } catch {
    text = undefined;
  }
  // A value that did not parse kept its default: the areas' checks of the others still mean something.
  const reported = new Set(result.problems.map((p) => p.path));
  return [...result.problems, ...withLines(validateConfig(result.config), text).filter((p) => !reported.has(p.path))];
}

/**
 * Loads file < env < flags from a command's arguments, or prints the problems and returns
 * undefined. With `validate`, the areas' checks run too (what the daemon does before it starts).
 */
export function loadFromArgs(args: readonly string[], io: CommandIo, options: { validate?: boolean } = {}): (LoadResult & { file: string | undefined }) | undefined {
  const { value, rest } = takeOption(args, 'config');
  const file = configFileFor(value, io);
  try {
    const loaded = loadConfig({ file, env: io.env, flags: rest });
    const result = options.validate === true ? { ...loaded, problems: allProblems(loaded, file) } : loaded;
    if (result.problems.length > 0) {
      io.err(formatProblems(result.problems, file));
      return undefined;
    }
    return { ...result, file };
  } catch (error) {
    if (isWeftError(error)) {
      io.err(`${error.code}: ${error.message}`);
      return undefined;
    }
    throw error;
  }
}

export const configCheck: Command = {
  name: 'config check',
  usage: 'weft config check FILE',
  summary: 'Validate a config file; print every problem with its key path and line.',
  async run(args, io) {
    const file = args[0];
    if (file === undefined || args.length > 1) {
      io.err(`usage: ${this.usage}`);
      return 2;
    }
    try {
      const problems = allProblems(loadConfig({ file }), file);
      if (problems.length === 0) {
        io.out(`${file}: ok`);
        return 0;
      }
      io.err(formatProblems(problems, file));
      return 1;
    } catch (error) {
      if (!isWeftError(error)) throw error;
      io.err(`${error.code}: ${error.message}`);
      return 1;
    }
  },
};

export const configShow: Command = {
  name: 'config show',
  usage: 'weft config show [--config FILE] [flags]',
  summary: 'Print the effective config (defaults < file < WEFT_* env < flags) as JSON.',
  async run(args, io) {
    const loaded = loadFromArgs(args, io);
    if (loaded === undefined) return 1;
    const shown = structuredClone(loaded.config) as unknown as { etcd: { password: string } };
    if (shown.etcd.password !== '') shown.etcd.password = '<redacted>';
    io.out(JSON.stringify({ file: loaded.file ?? null, config: shown }, null, 2));
    return 0;
  },
};

export const configFlagsCommand: Command = {
  name: 'config flags',
  usage: 'weft config flags',
  summary: 'List every config key with its flag, environment variable and meaning.',
  async run(_args, io) {
    for (const { flag, path, doc } of configFlags()) {
      const [section = '', key = ''] = path.split('.');
      io.out(`--${flag.padEnd(22)} ${fieldEnv(section, key).padEnd(28)} ${path.padEnd(24)} ${doc}`);
    }
    io.out(`\nsections: ${Object.keys(schema).join(', ')}`);
    return 0;
  },
};
