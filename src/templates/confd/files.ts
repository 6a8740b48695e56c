// The destination side of a render: the attributes wanted, comparison with the destination, and the
// staged file beside it. A staged file is created with O_EXCL under an unpredictable name (a symlink
// planted there makes the open fail), and its mode and owner are set through the open descriptor,
// never by path. Staged files are tracked so a stop can remove any still present.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { WeftError } from '../../errors.ts';
import { basePath, dirPath } from './memkv.ts';
import type { ResourceSpec } from './resource.ts';

export interface Wanted {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

const stagedFiles = new Set<string>();

export async function wantedAttributes(resource: ResourceSpec): Promise<Wanted> {
  // confd passes `mode` to Go's os.Chmod as a number, which keeps only its permission bits (Go's
  // set-id and sticky flags are other bits): "04755" is 0755, decimal "644" (0o1204) is 0204. A
  // destination's own mode, kept when `mode` is unset, keeps them (stat reports them as flags).
  const mode = resource.mode !== undefined ? resource.mode & 0o777 : await stat(resource.dest).then((s) => s.mode & 0o7777, () => 0o644);
  return {
    mode,
    uid: resource.uid ?? process.geteuid?.() ?? 0,
    gid: resource.gid ?? process.getegid?.() ?? 0,
  };
}

export async function sameAsDestination(dest: string, content: Buffer, wanted: Wanted): Promise<boolean> {
  try {
    const [info, current] = await Promise.all([stat(dest), readFile(dest)]);
    return (info.mode & 0o7777) === wanted.mode && info.uid === wanted.uid && info.gid === wanted.gid && current.equals(content);
  } catch {
    return false;
  }
}

/** Writes `content` to a new staged file beside the destination; returns its path. */
export async function stage(resource: ResourceSpec, content: Buffer, wanted: Wanted): Promise<string> {
  const staged = `${dirPath(resource.dest)}/.${basePath(resource.dest)}.${randomBytes(8).toString('hex')}`;
  let created = false;
  try {
    const handle = await open(staged, 'wx', 0o600);
    created = true;
    stagedFiles.add(staged);
    try {
      await handle.writeFile(content);
      if (resource.sync) await handle.datasync();
      // chown first: it may clear set-id bits that chmod then sets.
      if (process.geteuid?.() === 0 || wanted.uid !== process.geteuid?.() || wanted.gid !== process.getegid?.()) await handle.chown(wanted.uid, wanted.gid);
      await handle.chmod(wanted.mode);
    } finally {
      await handle.close();
    }
    return staged;
  } catch (error) {
    if (created) await unstage(staged);
    throw new WeftError('WEFT_E_TEMPLATE_WRITE', `cannot stage ${resource.dest} (in ${dirPath(resource.dest)}): ${(error as Error).message}`, { cause: error });
  }
}

/** Removes a staged file (a failed check, or a stop). */
export async function unstage(staged: string): Promise<void> {
  await rm(staged, { force: true });
  stagedFiles.delete(staged);
}

/** The staged file became the destination (renamed). */
export function committed(staged: string): void {
  stagedFiles.delete(staged);
}

/** Removes every staged file still present (a stop that could not wait for its renders). */
export function discardStagedFiles(): void {
  for (const staged of stagedFiles) rmSync(staged, { force: true });
  stagedFiles.clear();
}
