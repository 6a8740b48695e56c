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
  /** Effective key prefix: the global prefix joined with the resource's own, always starting with '/'. */
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
}

export interface ResourceDefaults {
  readonly templateDir: string;
  readonly globalPrefix: string;
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

/** The effective prefix: global and resource prefixes joined (see README: confd 0.12–0.16 differ). */
export function effectivePrefix(globalPrefix: string, resourcePrefix: string): string {
  return joinPath('/', globalPrefix, resourcePrefix);
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
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new ResourceError(file, `${key} must be a non-negative integer`);
  return value;
}

export function parseResource(file: string, text: string, defaults: ResourceDefaults): ResourceSpec {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text);
  } catch (error) {
    const where = error instanceof TomlError ? ` (line ${error.line}, column ${error.column})` : '';
    throw new ResourceError(file, `not valid TOML${where}: ${(error as Error).message.split('\n')[0]}`);
  }
  const table = doc.template;
  if (typeof table !== 'object' || table === null || Array.isArray(table)) throw new ResourceError(file, 'has no [template] table');
  const t = table as Record<string, unknown>;
  const src = stringField(t, 'src', file);
  if (src === '') throw new ResourceError(file, 'empty src template');
  const dest = stringField(t, 'dest', file);
  if (dest === '') throw new ResourceError(file, 'dest is required');
  const keysValue = t.keys ?? [];
  if (!Array.isArray(keysValue) || !keysValue.every((k) => typeof k === 'string')) throw new ResourceError(file, 'keys must be an array of strings');
  const prefix = effectivePrefix(defaults.globalPrefix, stringField(t, 'prefix', file));

  const modeText = stringField(t, 'mode', file);
  const mode = modeText === '' ? undefined : parseConfdMode(modeText);
  if (modeText !== '' && mode === undefined) throw new ResourceError(file, `mode ${JSON.stringify(modeText)} is not a number (write it in octal with a leading 0, e.g. "0644")`);

  let uid = intField(t, 'uid', file);
  const owner = stringField(t, 'owner', file);
  if (uid === undefined && owner !== '') {
    uid = defaults.lookupUser(owner);
    if (uid === undefined) throw new ResourceError(file, `owner ${JSON.stringify(owner)} is not a user on this host`);
  }
  let gid = intField(t, 'gid', file);
  const group = stringField(t, 'group', file);
  if (gid === undefined && group !== '') {
    gid = defaults.lookupGroup(group);
    if (gid === undefined) throw new ResourceError(file, `group ${JSON.stringify(group)} is not a group on this host`);
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
  };
}

/** Whether an etcd key is visible to the resource (a string prefix match, as confd's etcdv3 backend). */
export function resourceSees(resource: ResourceSpec, key: string): boolean {
  return resource.fullKeys.some((full) => key.startsWith(full));
}

/** The memkv key a template sees for an etcd key: the prefix stripped, rooted at '/'. */
export function storeKey(resource: ResourceSpec, key: string): string {
  return joinPath('/', key.startsWith(resource.prefix) ? key.slice(resource.prefix.length) : key);
}
