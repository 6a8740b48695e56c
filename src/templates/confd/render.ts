// Processing one template resource, as confd does, plus what confd lacks. Design note (owns files
// on disk): render into a staged file in the destination's directory with the wanted mode and
// owner; if it differs from the destination (content, mode, uid, gid), run check_cmd on the staged
// file, rename it over the destination (atomic), then run reload_cmd. Any failure before the
// rename removes the staged file and leaves the destination byte-identical. A reload that has not
// yet succeeded is remembered (ReloadPending, persisted by the caller) and run again on the next
// pass even when the destination is already up to date.
import { readFile, rename, stat } from 'node:fs/promises';
import { createTwoFilesPatch } from 'diff';
import { WeftError } from '../../errors.ts';
import { parse, type GoFunc, type Template } from '../../gotemplate/index.ts';
import { matchBuiltin, type BuiltinCommands } from './builtin.ts';
import { committed, sameAsDestination, stage, unstage, wantedAttributes } from './files.ts';
import { confdFuncs } from './funcs.ts';
import { LookupTable } from './lookup.ts';
import { basePath, MemKV } from './memkv.ts';
import { resolveLookups, type LookupOptions } from './resolve.ts';
import { resourceSees, storeKey, type ResourceSpec } from './resource.ts';
import { runShell, type CommandResult } from './shell.ts';

export interface RenderOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly lookup?: LookupOptions;
  /** Aborts pending lookups and running commands (a stop). */
  readonly signal?: AbortSignal;
  /** Functions the host program adds to confd's (the daemon: the services functions). */
  readonly extraFuncs?: Readonly<Record<string, GoFunc>>;
}

/** A resource's "reload_cmd has not succeeded since the destination changed" flag. */
export interface ReloadPending {
  readonly pending: boolean;
  /** Called before the rename, so a crash between rename and reload still leaves it set. */
  set(): Promise<void>;
  clear(): Promise<void>;
}

export interface ProcessOptions extends RenderOptions {
  readonly noop: boolean;
  readonly syncOnly: boolean;
  readonly reloadPending?: ReloadPending;
  /** check_cmd/reload_cmd commands run in-process (builtin.ts). */
  readonly builtins?: BuiltinCommands;
  /** confd's -keep-stage-file: the staged file stays when it is not renamed into place. */
  readonly keepStageFile?: boolean;
}

/** `reloaded`: the destination was already current, but a pending reload_cmd was run (and succeeded). */
export type ProcessStatus = 'unchanged' | 'updated' | 'would-update' | 'reloaded';

export interface ProcessResult {
  readonly status: ProcessStatus;
  /** Unified diff of destination -> rendered, in noop mode. */
  readonly diff?: string;
  readonly checkOutput?: string;
  readonly reloadOutput?: string;
}

/** The keys a resource's template sees, from a mirror of etcd. */
export function storeFor(resource: ResourceSpec, mirror: ReadonlyMap<string, string>): MemKV {
  const store = new MemKV();
  for (const [key, value] of mirror) if (resourceSees(resource, key)) store.set(storeKey(resource, key), value);
  return store;
}

interface CachedTemplate {
  readonly mtimeMs: number;
  readonly size: number;
  readonly template: Template;
  /** The store and lookup answers the next execution reads; set just before each (synchronous) execute. */
  store: MemKV;
  lookups: LookupTable | undefined;
}

// Parsed templates by path, re-parsed when the file changes: parsing on every change would
// dominate a busy watch.
const parsedTemplates = new Map<string, CachedTemplate>();

// Each set of extra functions gets an id, so templates parsed with different sets are cached apart.
const funcSetIds = new WeakMap<object, number>();
let funcSets = 0;
const funcSetId = (funcs: object | undefined): number => {
  if (funcs === undefined) return 0;
  let id = funcSetIds.get(funcs);
  if (id === undefined) funcSetIds.set(funcs, (id = ++funcSets));
  return id;
};

async function templateFor(resource: ResourceSpec, env?: Readonly<Record<string, string | undefined>>, extraFuncs?: Readonly<Record<string, GoFunc>>): Promise<CachedTemplate> {
  let info: { mtimeMs: number; size: number };
  try {
    info = await stat(resource.src);
  } catch (error) {
    throw new WeftError('WEFT_E_TEMPLATE_MISSING', `template ${resource.src} of ${resource.file} cannot be read: ${(error as Error).message}`);
  }
  const key = `${resource.src}\u0000${JSON.stringify(env ?? null)}\u0000${funcSetId(extraFuncs)}`;
  const cached = parsedTemplates.get(key);
  if (cached !== undefined && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return cached;
  const text = await readFile(resource.src, 'utf8');
  const entry: CachedTemplate = { mtimeMs: info.mtimeMs, size: info.size, store: new MemKV(), lookups: undefined, template: undefined as unknown as Template };
  (entry as { template: Template }).template = parse(basePath(resource.src), text, { funcs: { ...confdFuncs(() => entry.store, env, () => entry.lookups), ...extraFuncs } });
  parsedTemplates.set(key, entry);
  return entry;
}

// Lookups whose names come from other lookups (lookupIP of each lookupSRV target) need a pass each.
const maxLookupPasses = 4;

/**
 * Renders the resource's template over the mirror; throws WEFT_E_TEMPLATE_* on a bad template.
 * Name lookups: execute, resolve what the execution asked for (asynchronously), execute again with
 * the answers; an execution that missed answers is discarded (its lookups returned placeholders).
 */
export async function renderResource(resource: ResourceSpec, mirror: ReadonlyMap<string, string>, options: RenderOptions = {}): Promise<string> {
  const cached = await templateFor(resource, options.env, options.extraFuncs);
  const store = storeFor(resource, mirror);
  const table = new LookupTable();
  for (let pass = 1; ; pass++) {
    cached.store = store;
    cached.lookups = table;
    let output = '';
    let failure: Error | undefined;
    try {
      output = cached.template.execute(undefined);
    } catch (error) {
      failure = error as Error;
    } finally {
      cached.lookups = undefined;
    }
    if (table.misses.size === 0) {
      if (failure !== undefined) throw failure;
      return output;
    }
    if (pass >= maxLookupPasses) throw new WeftError('WEFT_E_TEMPLATE_LOOKUP', `${resource.src}: name lookups still depend on other lookups after ${maxLookupPasses} passes`);
    const requests = [...table.misses.values()];
    table.answer(requests, await resolveLookups(requests, options.lookup, options.signal));
  }
}

export { runShell, type CommandResult } from './shell.ts';

// check_cmd and reload_cmd are Go templates too: {{.src}} is the staged file, {{.dest}} (weft) the target.
const commandTemplates = new Map<string, Template>();
function commandText(template: string, data: { src: string; dest: string }): string {
  let parsed = commandTemplates.get(template);
  if (parsed === undefined) {
    parsed = parse('checkcmd', template);
    commandTemplates.set(template, parsed);
  }
  return parsed.execute(data);
}

function why(result: CommandResult, timeoutMs: number): string {
  if (result.stopped) return 'was stopped (weft is shutting down)';
  return result.timedOut ? `timed out after ${timeoutMs} ms` : `exited with ${result.code ?? 'a signal'}`;
}

/** A registered builtin in-process, anything else through the shell. */
async function runCommand(command: string, timeoutMs: number, options: ProcessOptions): Promise<CommandResult> {
  const builtin = matchBuiltin(command, options.builtins);
  return builtin === undefined ? runShell(command, timeoutMs, options.env, options.signal) : builtin.run(builtin.args);
}

async function reload(resource: ResourceSpec, options: ProcessOptions): Promise<string> {
  const command = commandText(resource.reloadCmd, { src: resource.dest, dest: resource.dest });
  const result = await runCommand(command, resource.reloadTimeout, options);
  if (result.code !== 0) {
    throw new WeftError('WEFT_E_TEMPLATE_RELOAD', `reload_cmd for ${resource.dest} ${why(result, resource.reloadTimeout)} (the new file is in place; reload is retried). Output: ${result.output === '' ? '(none)' : result.output}`);
  }
  await options.reloadPending?.clear();
  return result.output;
}

/** Renders, compares, checks, commits and reloads one resource. */
export async function processResource(resource: ResourceSpec, mirror: ReadonlyMap<string, string>, options: ProcessOptions): Promise<ProcessResult> {
  const content = Buffer.from(await renderResource(resource, mirror, options), 'utf8');
  const wanted = await wantedAttributes(resource);
  const runsCommands = !options.syncOnly && !options.noop;
  const keep = options.keepStageFile === true;
  if (keep && (options.noop || (await sameAsDestination(resource.dest, content, wanted)))) committed(await stage(resource, content, wanted));
  if (await sameAsDestination(resource.dest, content, wanted)) {
    if (options.reloadPending?.pending !== true || !runsCommands) return { status: 'unchanged' };
    if (resource.reloadCmd === '') {
      await options.reloadPending.clear();
      return { status: 'unchanged' };
    }
    return { status: 'reloaded', reloadOutput: await reload(resource, options) };
  }

  if (options.noop) {
    const current = await readFile(resource.dest, 'utf8').catch(() => '');
    return { status: 'would-update', diff: createTwoFilesPatch(resource.dest, `${resource.dest} (rendered)`, current, content.toString('utf8')) };
  }

  const staged = await stage(resource, content, wanted);
  let checkOutput: string | undefined;
  try {
    if (resource.checkCmd !== '' && !options.syncOnly) {
      const command = commandText(resource.checkCmd, { src: staged, dest: resource.dest });
      const result = await runCommand(command, resource.checkTimeout, options);
      checkOutput = result.output;
      if (result.code !== 0) {
        throw new WeftError('WEFT_E_TEMPLATE_CHECK', `check_cmd for ${resource.dest} ${why(result, resource.checkTimeout)}; ${resource.dest} left unchanged. Output: ${result.output === '' ? '(none)' : result.output}`);
      }
    }
    if (resource.reloadCmd !== '' && runsCommands) await options.reloadPending?.set();
    await rename(staged, resource.dest);
    committed(staged);
  } catch (error) {
    if (keep) committed(staged);
    else await unstage(staged);
    if (error instanceof WeftError) throw error;
    throw new WeftError('WEFT_E_TEMPLATE_WRITE', `cannot replace ${resource.dest}: ${(error as Error).message}`, { cause: error });
  }

  const checked = checkOutput === undefined ? {} : { checkOutput };
  if (resource.reloadCmd === '' || !runsCommands) return { status: 'updated', ...checked };
  return { status: 'updated', reloadOutput: await reload(resource, options), ...checked };
}
