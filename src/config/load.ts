// Builds the effective config: schema defaults < TOML file < WEFT_* environment < command-line
// flags. Collects every problem (with its key path and, for the file, its line) instead of stopping
// at the first, so `weft config check` can report them all at once.
import { readFileSync } from 'node:fs';
import { parse, TomlError } from 'smol-toml';
import { WeftError } from '../errors.ts';
import type { Field } from './fields.ts';
import { locateKey } from './locate.ts';
import { defaults, fieldEnv, fieldFlag, schema, type Config } from './schema.ts';

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

export interface LoadResult {
  readonly config: Config;
  readonly problems: readonly ConfigProblem[];
}

type MutableConfig = Record<string, Record<string, unknown>>;

function fieldsOf(section: string): Record<string, Field<unknown>> | undefined {
  return (schema as Record<string, Record<string, Field<unknown>>>)[section];
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

function applyEnv(env: Readonly<Record<string, string | undefined>>, config: MutableConfig, problems: ConfigProblem[]): void {
  for (const [section, fields] of Object.entries(schema)) {
    for (const [key, field] of Object.entries(fields as Record<string, Field<unknown>>)) {
      const name = fieldEnv(section, key);
      const text = env[name];
      if (text === undefined) continue;
      const parsed = field.fromText(text);
      if (parsed.ok) (config[section] as Record<string, unknown>)[key] = parsed.value;
      else problems.push({ path: name, message: `${section}.${key}: ${parsed.problem}`, source: 'env' });
    }
  }
}

interface FlagTarget {
  section: string;
  key: string;
  field: Field<unknown>;
}

function flagTable(): Map<string, FlagTarget> {
  const table = new Map<string, FlagTarget>();
  for (const [section, fields] of Object.entries(schema)) {
    for (const [key, field] of Object.entries(fields as Record<string, Field<unknown>>)) {
      table.set(fieldFlag(section, key, field), { section, key, field });
    }
  }
  return table;
}

/** Every config flag the command line accepts, for help texts. */
export function configFlags(): { flag: string; path: string; doc: string; switch: boolean }[] {
  return [...flagTable()].map(([flag, t]) => ({ flag, path: `${t.section}.${t.key}`, doc: t.field.doc, switch: t.field.switch === true }));
}

function applyFlags(flags: readonly string[], config: MutableConfig, problems: ConfigProblem[]): void {
  const table = flagTable();
  const appended = new Set<string>();
  for (let i = 0; i < flags.length; i++) {
    const arg = flags[i] ?? '';
    const match = /^--?([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
    if (!match) {
      problems.push({ path: arg, message: 'unexpected argument', source: 'flag' });
      continue;
    }
    let name = match[1] ?? '';
    let inline = match[2];
    let target = table.get(name);
    if (target === undefined && name.startsWith('no-') && table.get(name.slice(3))?.field.switch === true) {
      target = table.get(name.slice(3));
      name = name.slice(3);
      inline = 'false';
    }
    if (target === undefined) {
      problems.push({ path: `--${name}`, message: 'unknown flag (see `weft config flags`)', source: 'flag' });
      continue;
    }
    let text = inline;
    if (text === undefined) {
      if (target.field.switch === true) text = 'true';
      else if (i + 1 < flags.length) text = flags[++i];
      else {
        problems.push({ path: `--${name}`, message: 'needs a value', source: 'flag' });
        continue;
      }
    }
    const parsed = target.field.fromText(text ?? '');
    if (!parsed.ok) {
      problems.push({ path: `--${name}`, message: `${target.section}.${target.key}: ${parsed.problem}`, source: 'flag' });
      continue;
    }
    const sectionValues = config[target.section] as Record<string, unknown>;
    const id = `${target.section}.${target.key}`;
    if (target.field.repeatable === true && appended.has(id)) {
      sectionValues[target.key] = [...(sectionValues[target.key] as string[]), ...(parsed.value as string[])];
    } else {
      sectionValues[target.key] = parsed.value;
    }
    appended.add(id);
  }
}

/** Loads and validates; never throws for bad input (see `problems`), only for an unreadable file. */
export function loadConfig(input: LoadInput): LoadResult {
  const config = structuredClone(defaults()) as unknown as MutableConfig;
  const problems: ConfigProblem[] = [];
  let text = input.text;
  if (text === undefined && input.file !== undefined) {
    try {
      text = readFileSync(input.file, 'utf8');
    } catch (error) {
      throw new WeftError('WEFT_E_CONFIG_FILE', `cannot read config file ${input.file}: ${(error as Error).message}`, { cause: error });
    }
  }
  if (text !== undefined) applyFile(text, config, problems);
  if (input.env !== undefined) applyEnv(input.env, config, problems);
  if (input.flags !== undefined) applyFlags(input.flags, config, problems);
  return { config: config as unknown as Config, problems };
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
