// Builds the effective config: schema defaults < TOML file < FLANNELD_* environment < WEFT_*
// environment < command-line flags (weft's and flanneld's, in order; sources.ts). Collects every
// problem (with its key path and, for the file, its line) instead of stopping at the first, so
// `weft config check` can report them all at once.
import { readFileSync } from 'node:fs';
import { parse, TomlError } from 'smol-toml';
import { WeftError } from '../errors.ts';
import { FlannelApplier } from './flannel.ts';
import { locateKey } from './locate.ts';
import { defaults, schema, type Config } from './schema.ts';
import { applyEnv, applyFlags, applyFlannelEnv, fieldsOf, type Collected, type ConfigNotice, type MutableConfig } from './sources.ts';

export interface ConfigProblem {
  /** Dotted key path, e.g. `etcd.dial_timeout`, or the flag/env name it came from. */
  readonly path: string;
  readonly message: string;
  readonly source: 'file' | 'env' | 'flag';
  readonly line?: number;
}

export interface LoadInput {
  /** Path of a TOML file; undefined means no file. */
  readonly file?: string | undefined;
  /** TOML text already read (tests); takes precedence over `file` for the content. */
  readonly text?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly flags?: readonly string[];
}

export type { ConfigNotice } from './sources.ts';

export interface LoadResult {
  readonly config: Config;
  readonly problems: readonly ConfigProblem[];
  readonly notices: readonly ConfigNotice[];
}

export { locateKey } from './locate.ts';

function applyFile(text: string, config: MutableConfig, problems: ConfigProblem[]): void {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text);
  } catch (error) {
    if (error instanceof TomlError) {
      problems.push({ path: '(file)', message: error.message.split('\n')[0] ?? 'invalid TOML', source: 'file', line: error.line });
      return;
    }
    throw error;
  }
  for (const [section, table] of Object.entries(doc)) {
    const fields = fieldsOf(section);
    if (fields === undefined) {
      problems.push({ path: section, message: `unknown section [${section}] (known: ${Object.keys(schema).join(', ')})`, source: 'file', ...lineOf(text, section) });
      continue;
    }
    if (typeof table !== 'object' || table === null || Array.isArray(table)) {
      problems.push({ path: section, message: `expected a table [${section}]`, source: 'file', ...lineOf(text, section) });
      continue;
    }
    for (const [key, value] of Object.entries(table)) {
      const field = fields[key];
      const path = `${section}.${key}`;
      if (field === undefined) {
        problems.push({ path, message: `unknown key (known in [${section}]: ${Object.keys(fields).join(', ')})`, source: 'file', ...lineOf(text, section, key) });
        continue;
      }
      const parsed = field.fromToml(value);
      if (parsed.ok) (config[section] as Record<string, unknown>)[key] = parsed.value;
      else problems.push({ path, message: parsed.problem, source: 'file', ...lineOf(text, section, key) });
    }
  }
}

function lineOf(text: string, section: string, key?: string): { line?: number } {
  const line = locateKey(text, section, key);
  return line === undefined ? {} : { line };
}

/** Loads and validates; never throws for bad input (see `problems`), only for an unreadable file. */
export function loadConfig(input: LoadInput): LoadResult {
  const config = structuredClone(defaults()) as unknown as MutableConfig;
  const out: Collected = { problems: [], notices: [], flannel: new FlannelApplier() };
  const { problems } = out;
  let text = input.text;
  if (text === undefined && input.file !== undefined) {
    try {
      text = readFileSync(input.file, 'utf8');
    } catch (error) {
      throw new WeftError('WEFT_E_CONFIG_FILE', `cannot read config file ${input.file}: ${(error as Error).message}`, { cause: error });
    }
  }
  if (text !== undefined) applyFile(text, config, problems);
  if (input.env !== undefined) applyFlannelEnv(input.env, config, out);
  if (input.env !== undefined) applyEnv(input.env, config, problems);
  if (input.flags !== undefined) applyFlags(input.flags, config, out);
  return { config: config as unknown as Config, problems, notices: out.notices };
}

/** Loads and throws one WeftError listing every problem: what the daemon does at start-up. */
export function loadConfigOrThrow(input: LoadInput): Config {
  const { config, problems } = loadConfig(input);
  if (problems.length > 0) throw new WeftError('WEFT_E_CONFIG', formatProblems(problems, input.file));
  return config;
}

export function formatProblems(problems: readonly ConfigProblem[], file?: string): string {
  const where = (p: ConfigProblem): string =>
    p.source === 'file' ? `${file ?? 'config'}${p.line === undefined ? '' : `:${p.line}`}` : p.source === 'env' ? 'environment' : 'command line';
  return [`${problems.length} problem${problems.length === 1 ? '' : 's'} in the configuration:`, ...problems.map((p) => `  ${where(p)}: ${p.path}: ${p.message}`)].join('\n');
}
