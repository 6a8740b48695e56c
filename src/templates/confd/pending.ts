// "reload_cmd has not succeeded since the destination changed", per resource, kept across restarts
// as a marker file `<stateDir>/reload-pending/<resource>.<hash>` (hash of the resource file and its
// dest, so two confdirs sharing a state directory do not collide). Written before the rename and
// removed after a successful reload; an unwritable state directory is logged, and the flag then
// lives in memory only.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../log.ts';
import type { ReloadPending } from './render.ts';
import type { ResourceSpec } from './resource.ts';

export interface PendingMarker {
  readonly dest: string;
  readonly since: string;
}

export function markerName(resource: ResourceSpec): string {
  const hash = createHash('sha256').update(`${resource.file}\u0000${resource.dest}`).digest('hex').slice(0, 16);
  return `${resource.name.replace(/[^A-Za-z0-9._-]/g, '_')}.${hash}`;
}

export class ReloadMarkers {
  readonly #dir: string | undefined;
  readonly #log: Logger;

  /** `stateDir` undefined: flags in memory only (nothing persisted). */
  constructor(stateDir: string | undefined, logger: Logger) {
    this.#dir = stateDir === undefined ? undefined : join(stateDir, 'reload-pending');
    this.#log = logger;
  }

  /** The persisted marker of a resource, if any. */
  async read(resource: ResourceSpec): Promise<PendingMarker | undefined> {
    if (this.#dir === undefined) return undefined;
    try {
      const parsed = JSON.parse(await readFile(join(this.#dir, markerName(resource)), 'utf8')) as Partial<PendingMarker>;
      return { dest: String(parsed.dest ?? resource.dest), since: String(parsed.since ?? '') };
    } catch {
      return undefined;
    }
  }

  /** A ReloadPending bound to one resource, starting from `pending`; `onChange` sees each flip. */
  flag(resource: ResourceSpec, pending: boolean, onChange: (pending: boolean) => void): ReloadPending {
    const markers = { write: (): Promise<void> => this.#write(resource), remove: (): Promise<void> => this.#remove(resource) };
    const flag = {
      pending,
      async set(): Promise<void> {
        if (!flag.pending) await markers.write();
        flag.pending = true;
        onChange(true);
      },
      async clear(): Promise<void> {
        if (flag.pending) await markers.remove();
        flag.pending = false;
        onChange(false);
      },
    };
    return flag;
  }

  async #write(resource: ResourceSpec): Promise<void> {
    if (this.#dir === undefined) return;
    const file = join(this.#dir, markerName(resource));
    const temp = `${file}.${randomBytes(8).toString('hex')}.tmp`;
    try {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
      await writeFile(temp, `${JSON.stringify({ resource: resource.file, dest: resource.dest, since: new Date().toISOString() })}\n`, { flag: 'wx', mode: 0o600 });
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      this.#log.warn({ event: 'reload_pending_unsaved', resource: resource.name, dir: this.#dir, err: (error as Error).message }, 'cannot persist the pending reload; a restart would forget it');
    }
  }

  async #remove(resource: ResourceSpec): Promise<void> {
    if (this.#dir === undefined) return;
    await rm(join(this.#dir, markerName(resource)), { force: true }).catch((error: unknown) => {
      this.#log.warn({ event: 'reload_pending_stale', resource: resource.name, err: (error as Error).message }, 'cannot remove the pending-reload marker; the next start reloads once more');
    });
  }
}
