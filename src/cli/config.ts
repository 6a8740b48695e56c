import { existsSync, readFileSync } from 'node:fs';
import { configFlags, fieldEnv, flannelEnv, flannelFlags, formatProblems, loadConfig, schema, withLines, type ConfigProblem, type FlannelFlag, type LoadResult } from '../config/index.ts';
import { isWeftError } from '../errors.ts';
import { formatDuration } from '../net/index.ts';
import { takeOption, type Command, type CommandIo } from './command.ts';
import { spec } from './commands.ts';

export const defaultConfigFile = '/etc/weft/weft.toml';

/** The config file a command uses: --config, else WEFT_CONFIG, else /etc/weft/weft.toml if present. */
export function configFileFor(explicit: string | undefined, io: CommandIo): string | undefined {
  if (explicit !== undefined) return explicit;
  if (io.env.WEFT_CONFIG !== undefined && io.env.WEFT_CONFIG !== '') return io.env.WEFT_CONFIG;
  return existsSync(defaultConfigFile) ? defaultConfigFile : undefined;
}

/**
 * Parse problems, then every area's own check with file lines: the enabled areas' (what the daemon
 * runs before it starts), or with `scope: 'all'` every section's. Loads the daemon and area code.
 */
export async function allProblems(result: LoadResult, file: string | undefined, scope: 'enabled' | 'all' = 'enabled'): Promise<ConfigProblem[]> {
  const { validateConfig } = await import('../daemon.ts');
  let text: string | undefined;
  try {
    text = file === undefined ? undefined : readFileSync(file, 'utf8');
  } catch {
    text = undefined;
  }
  // A value that did not parse kept its default: the areas' checks of the others still mean something.
  const reported = new Set(result.problems.map((p) => p.path));
  return [...result.problems, ...withLines(await validateConfig(result.config, scope), text).filter((p) => !reported.has(p.path))];
}

type Loaded = LoadResult & { file: string | undefined };

/** Loads file < env < flags from a command's arguments, or prints the problems and returns undefined. */
export function loadFromArgs(args: readonly string[], io: CommandIo): Loaded | undefined {
  return reported(() => {
    const { value, rest } = takeOption(args, 'config');
    const file = configFileFor(value, io);
    return { ...loadConfig({ file, env: io.env, flags: rest }), file };
  }, io);
}

/** loadFromArgs, then the enabled areas' checks too (what the daemon does before it starts). */
export async function loadValidatedFromArgs(args: readonly string[], io: CommandIo): Promise<Loaded | undefined> {
  const { value, rest } = takeOption(args, 'config');
  const file = configFileFor(value, io);
  let loaded: Loaded;
  try {
    loaded = { ...loadConfig({ file, env: io.env, flags: rest }), file };
  } catch (error) {
    return reported(() => {
      throw error;
    }, io);
  }
  const problems = await allProblems(loaded, file);
  return reported(() => ({ ...loaded, problems }), io);
}

function reported(load: () => Loaded, io: CommandIo): Loaded | undefined {
  try {
    const result = load();
    if (result.problems.length > 0) {
      io.err(formatProblems(result.problems, result.file));
      return undefined;
    }
    return result;
  } catch (error) {
    if (isWeftError(error)) {
      io.err(`${error.code}: ${error.message}`);
      return undefined;
    }
    throw error;
  }
}

export const configCheck: Command = {
  ...spec('config check'),
  async run(args, io) {
    const file = args[0];
    if (file === undefined || args.length > 1) {
      io.err(`usage: ${this.usage}`);
      return 2;
    }
    try {
      const problems = await allProblems(loadConfig({ file }), file, 'all');
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

/** A copy of the config with every duration field as the file writes it ("10s"), not milliseconds. */
export function withDurationsAsWritten(config: object): Record<string, Record<string, unknown>> {
  const copy = structuredClone(config) as Record<string, Record<string, unknown>>;
  for (const [section, fields] of Object.entries(schema)) {
    for (const [key, field] of Object.entries(fields as Record<string, { kind: string }>)) {
      const value = copy[section]?.[key];
      if (field.kind === 'duration' && typeof value === 'number') (copy[section] as Record<string, unknown>)[key] = formatDuration(value);
    }
  }
  return copy;
}

export const configShow: Command = {
  ...spec('config show'),
  async run(args, io) {
    const loaded = loadFromArgs(args, io);
    if (loaded === undefined) return 1;
    const shown = withDurationsAsWritten(loaded.config) as { etcd: { password: string } };
    if (shown.etcd.password !== '') shown.etcd.password = '<redacted>';
    io.out(JSON.stringify({ file: loaded.file ?? null, config: shown }, null, 2));
    return 0;
  },
};

export const configFlagsCommand: Command = {
  ...spec('config flags'),
  async run(_args, io) {
    for (const { flag, path, doc } of configFlags()) {
      const [section = '', key = ''] = path.split('.');
      io.out(`--${flag.padEnd(22)} ${fieldEnv(section, key).padEnd(28)} ${path.padEnd(24)} ${doc}`);
    }
    io.out(`\nsections: ${Object.keys(schema).join(', ')}`);
    io.out("\nflanneld's flags (also read from FLANNELD_<FLAG>; see src/subnet/README.md):");
    for (const [name, flag] of Object.entries(flannelFlags)) io.out(`--${name.padEnd(29)} ${flannelEnv(name).padEnd(38)} ${flannelMeaning(flag)}`);
    return 0;
  },
};

function flannelMeaning(flag: FlannelFlag): string {
  switch (flag.kind) {
    case 'same':
      return flag.path;
    case 'alias':
      return `${flag.path} (converted)`;
    case 'accepted':
      return `accepted, no effect: ${flag.note}`;
    case 'refused':
      return `refused: ${flag.why}`;
    case 'healthz':
      return 'admin.listen (with --healthz-ip/--healthz-port)';
    case 'command':
      return 'weft daemon --version';
  }
}
