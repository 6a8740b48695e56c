// confd template resources: `<confdir>/conf.d/*.toml`, each with a [template] table. Parsing and
// normalisation are pure; user and group names are resolved through a function the caller passes.
import { parse, TomlError } from 'smol-toml';
import { parseDuration } from '../../net/index.ts';
import { joinPath } from './memkv.ts';

export interface ResourceSpec {
  /** The conf.d file it came from. */
  readonly file: string;
  readonly name: string;
  /** Absolute path of the template file (templates dir joined with `src`). */
  readonly src: string;
  readonly dest: string;
  /** Effective key prefix, always starting with '/': the global prefix if set, else the resource's (see effectivePrefix). */
  readonly prefix: string;
  /** Keys as written (relative to the prefix). */
  readonly keys: readonly string[];
  /** Keys with the prefix: what is read from etcd (each as a string prefix, as confd's etcdv3 backend). */
  readonly fullKeys: readonly string[];
  /** File mode bits, or undefined for "keep the destination's, else 0644". */
  readonly mode: number | undefined;
  /** True when `mode` was written like octal but without the leading 0 ("644"): read as decimal. */
  readonly modeLooksOctal: boolean;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
  readonly checkCmd: string;
  readonly reloadCmd: string;
  /** Debounce (consul-template `wait`): quiet period and upper bound, in ms; undefined: none. */
  readonly wait: { readonly min: number; readonly max: number } | undefined;
  readonly checkTimeout: number;
  readonly reloadTimeout: number;
  /**
   * weft's `sync` key (default true): flush the staged file to disk before the rename, so a power
   * loss leaves the old or the new file, never a torn one. confd never flushes; `sync = false`
   * does the same, for a destination re-rendered from etcd at every start anyway (the services
   * route file), where a flush would cost more than the render (10+ ms on a virtual disk).
   */
  readonly sync: boolean;
  /** Keys of the [template] table we do not know (confd ignores them silently; we warn). */
  readonly unknownKeys: readonly string[];
  /** Things confd accepts silently that an operator should hear about (logged as resource_warning). */
  readonly warnings?: readonly string[];
}

/** confd 0.16 lets a global prefix replace each resource's; weft can join them instead. */
export type PrefixMode = 'replace' | 'join';

export interface ResourceDefaults {
  readonly templateDir: string;
  readonly globalPrefix: string;
  /** Default 'replace', as confd 0.16. */
  readonly prefixMode?: PrefixMode;
  readonly checkTimeout: number;
  readonly reloadTimeout: number;
  /** Resolves a user or group name to its numeric ID; undefined when there is no such name. */
  readonly lookupUser: (name: string) => number | undefined;
  readonly lookupGroup: (name: string) => number | undefined;
}

export class ResourceError extends Error {
  constructor(file: string, message: string) {
    super(`template resource ${file}: ${message}`);
    this.name = 'ResourceError';
  }
}

const known = new Set(['src', 'dest', 'keys', 'prefix', 'owner', 'group', 'mode', 'uid', 'gid', 'check_cmd', 'reload_cmd', 'wait', 'check_timeout', 'reload_timeout', 'sync']);

/**
 * confd parses `mode` with Go's strconv.ParseUint(mode, 0, 32): "0644" is octal, but "644" is the
 * decimal 644 (= 0o1204). We keep that meaning for compatibility; the caller warns about it.
 */
export function parseConfdMode(text: string): number | undefined {
  const t = text.trim();
  let value: number;
  if (/^0[xX][0-9a-fA-F_]+$/.test(t)) value = parseInt(t.slice(2).replaceAll('_', ''), 16);
  else if (/^0[oO][0-7_]+$/.test(t)) value = parseInt(t.slice(2).replaceAll('_', ''), 8);
  else if (/^0[bB][01_]+$/.test(t)) value = parseInt(t.slice(2).replaceAll('_', ''), 2);
  else if (/^0[0-7_]*$/.test(t)) value = parseInt(t.replaceAll('_', '') || '0', 8);
  else if (/^[1-9][0-9_]*$/.test(t)) value = parseInt(t.replaceAll('_', ''), 10);
  else return undefined;
  return value <= 0xffffffff ? value : undefined;
}

/** consul-template's wait: "5s" (max = 4 × min) or "min:max". */
export function parseWait(text: string): { min: number; max: number } | undefined {
  const [minText = '', maxText] = text.split(':');
  const min = parseDuration(minText);
  const max = maxText === undefined ? (min === undefined ? undefined : min * 4) : parseDuration(maxText);
  if (min === undefined || max === undefined || max < min) return undefined;
  return { min, max };
}

/**
 * The effective prefix. confd 0.16 (NewTemplateResource): a non-empty global prefix replaces the
 * resource's, else the resource's is used, else "/"; a leading '/' is added. 'join' (weft's option)
 * joins both, as confd 0.9 did.
 */
export function effectivePrefix(globalPrefix: string, resourcePrefix: string, mode: PrefixMode = 'replace'): string {
  if (mode === 'join') return joinPath('/', globalPrefix, resourcePrefix);
  return joinPath('/', globalPrefix !== '' ? globalPrefix : resourcePrefix);
}

/**
 * The [template] table with confd's key matching (BurntSushi/toml): a key names a field by its
 * tag or name, case-insensitively (`SRC`, `Check_Cmd`, `[Template]`); an exact match wins.
 */
function confdTable(doc: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    const exact = names.includes(key);
    const name = exact ? key : (names.find((n) => n.toLowerCase() === key.toLowerCase()) ?? key);
    if (exact || !(name in out)) out[name] = value;
  }
  return out;
}

function stringField(table: Record<string, unknown>, key: string, file: string): string {
  const value = table[key];
  if (value === undefined) return '';
  if (typeof value !== 'string') throw new ResourceError(file, `${key} must be a string`);
  return value;
}

function intField(table: Record<string, unknown>, key: string, file: string): number | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -1) throw new ResourceError(file, `${key} must be a non-negative integer (or -1: the effective ${key})`);
  // confd's "unset" marker: -1 means the process's effective uid/gid.
  return value === -1 ? undefined : value;
}

export function parseResource(file: string, text: string, defaults: ResourceDefaults): ResourceSpec {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text);
  } catch (error) {
    const where = error instanceof TomlError ? ` (line ${error.line}, column ${error.column})` : '';
    throw new ResourceError(file, `not valid TOML${where}: ${(error as Error).message.split('\n')[0]}`);
  }
  const table = confdTable(doc, ['template']).template;
  if (typeof table !== 'object' || table === null || Array.isArray(table)) throw new ResourceError(file, 'has no [template] table');
  const t = confdTable(table as Record<string, unknown>, [...known]);
  const warnings: string[] = [];
  const src = stringField(t, 'src', file);
  if (src === '') throw new ResourceError(file, 'empty src template');
  const dest = stringField(t, 'dest', file);
  if (dest === '') throw new ResourceError(file, 'dest is required');
  const keysValue = t.keys ?? [];
  if (!Array.isArray(keysValue) || !keysValue.every((k) => typeof k === 'string')) throw new ResourceError(file, 'keys must be an array of strings');
  const prefix = effectivePrefix(defaults.globalPrefix, stringField(t, 'prefix', file), defaults.prefixMode);

  const modeText = stringField(t, 'mode', file);
  const mode = modeText === '' ? undefined : parseConfdMode(modeText);
  if (modeText !== '' && mode === undefined) throw new ResourceError(file, `mode ${JSON.stringify(modeText)} is not a number (write it in octal with a leading 0, e.g. "0644")`);

  let uid = intField(t, 'uid', file);
  const owner = stringField(t, 'owner', file);
  if (uid === undefined && owner !== '') {
    uid = defaults.lookupUser(owner);
    // confd 0.16 never reads `owner` (files get its effective uid); a name we cannot resolve falls back to that.
    if (uid === undefined) warnings.push(`owner ${JSON.stringify(owner)} is not a user on this host; the file is owned by the effective uid, as confd does`);
  }
  let gid = intField(t, 'gid', file);
  const group = stringField(t, 'group', file);
  if (gid === undefined && group !== '') {
    gid = defaults.lookupGroup(group);
    if (gid === undefined) warnings.push(`group ${JSON.stringify(group)} is not a group on this host; the file gets the effective gid, as confd does`);
  }

  const waitText = stringField(t, 'wait', file);
  const wait = waitText === '' ? undefined : parseWait(waitText);
  if (waitText !== '' && wait === undefined) throw new ResourceError(file, `wait ${JSON.stringify(waitText)} is not "MIN:MAX" durations (e.g. "200ms:1s")`);
  const timeout = (key: string, fallback: number): number => {
    const text = stringField(t, key, file);
    if (text === '') return fallback;
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) throw new ResourceError(file, `${key} ${JSON.stringify(text)} is not a duration`);
    return ms;
  };

  const keys = keysValue;
  if (t.sync !== undefined && typeof t.sync !== 'boolean') throw new ResourceError(file, 'sync must be true or false');
  return {
    file,
    name: file.slice(file.lastIndexOf('/') + 1).replace(/\.toml$/, ''),
    src: joinPath(defaults.templateDir, src),
    dest,
    prefix,
    keys,
    fullKeys: keys.map((key) => joinPath(prefix, key)),
    mode,
    modeLooksOctal: /^[1-7][0-7]{2,3}$/.test(modeText.trim()),
    uid,
    gid,
    checkCmd: stringField(t, 'check_cmd', file),
    reloadCmd: stringField(t, 'reload_cmd', file),
    wait,
    checkTimeout: timeout('check_timeout', defaults.checkTimeout),
    reloadTimeout: timeout('reload_timeout', defaults.reloadTimeout),
    sync: t.sync !== false,
    unknownKeys: Object.keys(t).filter((k) => !known.has(k)),
    warnings,
  };
}

/**
 * Whether an etcd key is visible to the resource. confd 0.16's etcdv3 GetValues ranges over the key
 * as a prefix but keeps only the key itself and keys below it: `/app` reads `/app` and `/app/x`,
 * not `/application`.
 */
export function resourceSees(resource: ResourceSpec, key: string): boolean {
  return resource.fullKeys.some((full) => key === full || key.startsWith(full.endsWith('/') ? full : `${full}/`));
}

/** The memkv key a template sees for an etcd key: the prefix stripped, rooted at '/'. */
export function storeKey(resource: ResourceSpec, key: string): string {
  return joinPath('/', key.startsWith(resource.prefix) ? key.slice(resource.prefix.length) : key);
}
