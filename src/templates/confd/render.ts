// Processing one template resource, as confd does, plus what confd lacks. Design note (owns files
// on disk): render into a staged file in the destination's directory with the wanted mode and
// owner; if it differs from the destination (content, mode, uid, gid), run check_cmd on the staged
// file, rename it over the destination (atomic), then run reload_cmd. Any failure before the
// rename removes the staged file and leaves the destination byte-identical.
import { randomBytes } from 'node:crypto';
import { chmod, chown, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { createTwoFilesPatch } from 'diff';
import { WeftError } from '../../errors.ts';
import { parse, type Template } from '../../gotemplate/index.ts';
import { confdFuncs } from './funcs.ts';
import { basePath, dirPath, MemKV } from './memkv.ts';
import { resourceSees, storeKey, type ResourceSpec } from './resource.ts';
import { runShell } from './shell.ts';

export interface ProcessOptions {
  readonly noop: boolean;
  readonly syncOnly: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export type ProcessStatus = 'unchanged' | 'updated' | 'would-update';

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
  /** The store the next execution reads; set just before each execute (rendering is synchronous). */
  store: MemKV;
}

// Parsed templates by path, re-parsed when the file changes: parsing on every change would
// dominate a busy watch.
const parsedTemplates = new Map<string, CachedTemplate>();

async function templateFor(resource: ResourceSpec, env?: Readonly<Record<string, string | undefined>>): Promise<CachedTemplate> {
  let info: { mtimeMs: number; size: number };
  try {
    info = await stat(resource.src);
  } catch (error) {
    throw new WeftError('WEFT_E_TEMPLATE_MISSING', `template ${resource.src} of ${resource.file} cannot be read: ${(error as Error).message}`);
  }
  const key = `${resource.src}\u0000${JSON.stringify(env ?? null)}`;
  const cached = parsedTemplates.get(key);
  if (cached !== undefined && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return cached;
  const text = await readFile(resource.src, 'utf8');
  const entry: CachedTemplate = { mtimeMs: info.mtimeMs, size: info.size, store: new MemKV(), template: undefined as unknown as Template };
  (entry as { template: Template }).template = parse(basePath(resource.src), text, { funcs: confdFuncs(() => entry.store, env) });
  parsedTemplates.set(key, entry);
  return entry;
}

/** Renders the resource's template over the mirror; throws WEFT_E_TEMPLATE_* on a bad template. */
export async function renderResource(resource: ResourceSpec, mirror: ReadonlyMap<string, string>, env?: Readonly<Record<string, string | undefined>>): Promise<string> {
  const cached = await templateFor(resource, env);
  cached.store = storeFor(resource, mirror);
  return cached.template.execute(undefined);
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

interface Wanted {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

async function wantedAttributes(resource: ResourceSpec): Promise<Wanted> {
  let mode = resource.mode;
  if (mode === undefined) mode = await stat(resource.dest).then((s) => s.mode & 0o7777, () => 0o644);
  return {
    mode: mode & 0o7777,
    uid: resource.uid ?? process.geteuid?.() ?? 0,
    gid: resource.gid ?? process.getegid?.() ?? 0,
  };
}

async function sameAsDestination(dest: string, content: Buffer, wanted: Wanted): Promise<boolean> {
  try {
    const [info, current] = await Promise.all([stat(dest), readFile(dest)]);
    return (info.mode & 0o7777) === wanted.mode && info.uid === wanted.uid && info.gid === wanted.gid && current.equals(content);
  } catch {
    return false;
  }
}

async function stage(resource: ResourceSpec, content: Buffer, wanted: Wanted): Promise<string> {
  const staged = `${dirPath(resource.dest)}/.${basePath(resource.dest)}.${randomBytes(6).toString('hex')}`;
  try {
    const handle = await open(staged, 'wx', 0o600);
    try {
      await handle.writeFile(content);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await chmod(staged, wanted.mode);
    if (process.geteuid?.() === 0 || wanted.uid !== process.geteuid?.() || wanted.gid !== process.getegid?.()) await chown(staged, wanted.uid, wanted.gid);
    return staged;
  } catch (error) {
    await rm(staged, { force: true });
    throw new WeftError('WEFT_E_TEMPLATE_WRITE', `cannot stage ${resource.dest} (in ${dirPath(resource.dest)}): ${(error as Error).message}`, { cause: error });
  }
}

/** Renders, compares, checks, commits and reloads one resource. */
export async function processResource(resource: ResourceSpec, mirror: ReadonlyMap<string, string>, options: ProcessOptions): Promise<ProcessResult> {
  const content = Buffer.from(await renderResource(resource, mirror, options.env), 'utf8');
  const wanted = await wantedAttributes(resource);
  if (await sameAsDestination(resource.dest, content, wanted)) return { status: 'unchanged' };

  if (options.noop) {
    const current = await readFile(resource.dest, 'utf8').catch(() => '');
    return { status: 'would-update', diff: createTwoFilesPatch(resource.dest, `${resource.dest} (rendered)`, current, content.toString('utf8')) };
  }

  const staged = await stage(resource, content, wanted);
  let checkOutput: string | undefined;
  try {
    if (resource.checkCmd !== '' && !options.syncOnly) {
      const command = commandText(resource.checkCmd, { src: staged, dest: resource.dest });
      const result = await runShell(command, resource.checkTimeout, options.env);
      checkOutput = result.output;
      if (result.code !== 0) {
        const why = result.timedOut ? `timed out after ${resource.checkTimeout} ms` : `exited with ${result.code ?? 'a signal'}`;
        throw new WeftError('WEFT_E_TEMPLATE_CHECK', `check_cmd for ${resource.dest} ${why}; ${resource.dest} left unchanged. Output: ${result.output === '' ? '(none)' : result.output}`);
      }
    }
    await rename(staged, resource.dest);
  } catch (error) {
    await rm(staged, { force: true });
    if (error instanceof WeftError) throw error;
    throw new WeftError('WEFT_E_TEMPLATE_WRITE', `cannot replace ${resource.dest}: ${(error as Error).message}`, { cause: error });
  }

  if (resource.reloadCmd === '' || options.syncOnly) return { status: 'updated', ...(checkOutput === undefined ? {} : { checkOutput }) };
  const command = commandText(resource.reloadCmd, { src: resource.dest, dest: resource.dest });
  const result = await runShell(command, resource.reloadTimeout, options.env);
  if (result.code !== 0) {
    const why = result.timedOut ? `timed out after ${resource.reloadTimeout} ms` : `exited with ${result.code ?? 'a signal'}`;
    throw new WeftError('WEFT_E_TEMPLATE_RELOAD', `reload_cmd for ${resource.dest} ${why} (the new file is in place). Output: ${result.output === '' ? '(none)' : result.output}`);
  }
  return { status: 'updated', reloadOutput: result.output, ...(checkOutput === undefined ? {} : { checkOutput }) };
}
