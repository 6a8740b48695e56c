// The environment and the command line as config sources: weft's `WEFT_<SECTION>_<KEY>` variables
// and `--<section>-<key>` flags (both derived from the schema), and flanneld's FLANNELD_<FLAG>
// variables and flags (flannel.ts says what each becomes).
import type { Field } from './fields.ts';
import { FlannelApplier, flannelEnv, flannelFlags, isFlannelSwitch, retiredFlannelFlags, retiredProblem, type FlannelSink } from './flannel.ts';
import type { ConfigProblem } from './load.ts';
import { fieldEnv, fieldFlag, schema } from './schema.ts';

/** A flanneld flag weft accepts without effect: the daemon logs it (`flannel_flag_without_effect`). */
export interface ConfigNotice {
  readonly path: string;
  readonly message: string;
  readonly source: 'env' | 'flag';
}

export interface Collected {
  readonly problems: ConfigProblem[];
  readonly notices: ConfigNotice[];
  readonly flannel: FlannelApplier;
}

export type MutableConfig = Record<string, Record<string, unknown>>;

export function fieldsOf(section: string): Record<string, Field<unknown>> | undefined {
  return (schema as Record<string, Record<string, Field<unknown>>>)[section];
}

/** Sets `path` (`subnet.iface`) from flag/env text; a repeatable list appends after its first setting. */
function assign(config: MutableConfig, path: string, text: string, appended?: Set<string>): string | undefined {
  const [section = '', key = ''] = path.split('.');
  const field = fieldsOf(section)?.[key];
  if (field === undefined) throw new Error(`schema bug: no key ${path}`);
  const parsed = field.fromText(text);
  if (!parsed.ok) return parsed.problem;
  const values = config[section] as Record<string, unknown>;
  if (field.repeatable === true && appended?.has(path) === true) values[key] = [...(values[key] as string[]), ...(parsed.value as string[])];
  else values[key] = parsed.value;
  appended?.add(path);
  return undefined;
}

function flannelSink(config: MutableConfig, out: Collected, path: string, source: 'env' | 'flag', appended?: Set<string>): FlannelSink {
  return {
    assign: (target, text) => assign(config, target, text, appended),
    problem: (message) => out.problems.push({ path, message, source }),
    notice: (message) => out.notices.push({ path, message, source }),
  };
}

/** flanneld's FLANNELD_<FLAG> variables; empty ones are ignored, as flanneld does. */
export function applyFlannelEnv(env: Readonly<Record<string, string | undefined>>, config: MutableConfig, out: Collected): void {
  for (const name of Object.keys(flannelFlags)) {
    const variable = flannelEnv(name);
    const text = env[variable];
    if (text !== undefined && text !== '') out.flannel.apply(name, text, flannelSink(config, out, variable, 'env'));
  }
}

export function applyEnv(env: Readonly<Record<string, string | undefined>>, config: MutableConfig, problems: ConfigProblem[]): void {
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

export function applyFlags(flags: readonly string[], config: MutableConfig, out: Collected): void {
  const table = flagTable();
  const appended = new Set<string>();
  for (let i = 0; i < flags.length; i++) {
    const arg = flags[i] ?? '';
    // '_' for klog's log_backtrace_at; one dash or two, as Go's flag package.
    const match = /^--?([a-z0-9_-]+)(?:=(.*))?$/s.exec(arg);
    if (!match) {
      out.problems.push({ path: arg, message: 'unexpected argument', source: 'flag' });
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
    const flannel = target === undefined ? flannelFlags[name] : undefined;
    if (target === undefined && flannel === undefined) {
      const retired = retiredFlannelFlags[name];
      if (retired === false && inline === undefined) i++; // its value is not an argument of its own
      out.problems.push({ path: `--${name}`, message: retired === undefined ? 'unknown flag (see `weft config flags`)' : retiredProblem(name), source: 'flag' });
      continue;
    }
    let text = inline;
    if (text === undefined) {
      if (target?.field.switch === true || (flannel !== undefined && isFlannelSwitch(flannel))) text = 'true';
      else if (i + 1 < flags.length) text = flags[++i] ?? '';
      else {
        out.problems.push({ path: `--${name}`, message: 'needs a value', source: 'flag' });
        continue;
      }
    }
    if (target === undefined) {
      out.flannel.apply(name, text, flannelSink(config, out, `--${name}`, 'flag', appended));
      continue;
    }
    const problem = assign(config, `${target.section}.${target.key}`, text, appended);
    if (problem !== undefined) out.problems.push({ path: `--${name}`, message: `${target.section}.${target.key}: ${problem}`, source: 'flag' });
  }
}

