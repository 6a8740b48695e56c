// What ADD leaves for DEL, CHECK and GC: one file per attachment, <dataDir>/<network>/<containerID>@<ifname>
// (containerIDs never hold '@'), with the delegate config DEL must be given again (flannel keeps
// the same under /var/lib/cni/flannel/<containerID>) and the addresses and names ADD registered.
// Written before anything is allocated and again after, atomically (rename), so a plugin killed mid-ADD
// leaves a file that DEL or GC can undo from.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { DelegateConfig } from './delegate-config.ts';

export interface AttachmentState {
  readonly containerID: string;
  readonly ifname: string;
  readonly delegate: DelegateConfig;
  /** The container's addresses, once the delegate returned them. */
  readonly ips: readonly string[];
  /** Names registered (or about to be) in weft's DNS. */
  readonly names: readonly string[];
}

const maxStateBytes = 1024 * 1024;
let tempCounter = 0;

export function stateDir(dataDir: string, network: string): string {
  return join(dataDir, network);
}

export function statePath(dataDir: string, network: string, containerID: string, ifname: string): string {
  return join(dataDir, network, `${containerID}@${ifname}`);
}

export function saveState(dataDir: string, network: string, state: AttachmentState): void {
  const dir = stateDir(dataDir, network);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = statePath(dataDir, network, state.containerID, state.ifname);
  // pid + counter is unique among live writers ('wx' refuses any leftover); no node:crypto to load.
  const temp = join(dir, `.${process.pid}-${tempCounter++}.tmp`);
  let fd: number;
  try {
    fd = openSync(temp, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Left by a killed writer whose pid we now have: ours to replace.
    rmSync(temp, { force: true });
    fd = openSync(temp, 'wx', 0o600);
  }
  try {
    // No fsync (2-5 ms of ADD): a rename survives a killed plugin, and after a power loss
    // host-local's reservations, which it does not fsync either, are no safer than this file.
    writeSync(fd, JSON.stringify(state));
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

function isState(value: unknown): value is AttachmentState {
  const s = value as Partial<AttachmentState> | null;
  return typeof s === 'object' && s !== null && typeof s.containerID === 'string' && typeof s.ifname === 'string'
    && typeof s.delegate === 'object' && s.delegate !== null && typeof s.delegate.type === 'string'
    && Array.isArray(s.ips) && Array.isArray(s.names);
}

/** The saved state; undefined when there is none; 'corrupt' when the file cannot be used. */
export function loadState(path: string): AttachmentState | 'corrupt' | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (text.length > maxStateBytes) return 'corrupt';
  try {
    const parsed: unknown = JSON.parse(text);
    return isState(parsed) ? parsed : 'corrupt';
  } catch {
    return 'corrupt';
  }
}

export function removeState(path: string): void {
  rmSync(path, { force: true });
}

/** Every attachment file of a network, and the temp files a killed ADD left behind. */
export function listStates(dataDir: string, network: string): { files: string[]; temps: string[] } {
  let names: string[];
  try {
    names = readdirSync(stateDir(dataDir, network));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { files: [], temps: [] };
    throw error;
  }
  const dir = stateDir(dataDir, network);
  return { files: names.filter((n) => n.includes('@') && !n.startsWith('.')).map((n) => join(dir, n)), temps: names.filter((n) => n.startsWith('.') && n.endsWith('.tmp')).map((n) => join(dir, n)) };
}
