// A fresh root for install tests without a container runtime: a mount namespace (unshare) in which
// /etc, /opt and /usr/local are overlays of the real ones, their upper layers in a temp dir the
// test reads from outside. Whatever a command run in the sandbox writes there lands in an upper
// layer and nowhere else; the namespace and every mount in it die with its holder process.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WeftError } from '../../src/errors.ts';
import { requireRoot } from './netns.ts';

export const overlaid = ['/etc', '/opt', '/usr/local'] as const;

export interface SandboxRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export class MountSandbox {
  readonly dir: string;
  readonly #holder: ChildProcess;

  private constructor(dir: string, holder: ChildProcess) {
    this.dir = dir;
    this.#holder = holder;
  }

  static async create(): Promise<MountSandbox> {
    requireRoot();
    const dir = mkdtempSync(join(tmpdir(), 'weft-sandbox-'));
    const mounts = overlaid.map((path) => {
      const name = path.slice(1).replaceAll('/', '_');
      mkdirSync(join(dir, name, 'upper'), { recursive: true });
      mkdirSync(join(dir, name, 'work'), { recursive: true });
      return `mount -t overlay overlay -o lowerdir=${path},upperdir=${dir}/${name}/upper,workdir=${dir}/${name}/work ${path}`;
    });
    // The holder sets up the mounts, says so, and then only keeps the namespace alive.
    const holder = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `set -e; ${mounts.join('; ')}; echo ready; exec sleep infinity`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    holder.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    await new Promise<void>((resolve, reject) => {
      holder.stdout?.once('data', () => resolve());
      holder.once('exit', () => reject(new WeftError('WEFT_E_HARNESS', `mount sandbox did not start (needs root, unshare and overlayfs): ${stderr}`)));
    });
    return new MountSandbox(dir, holder);
  }

  /** Runs a command inside the sandbox's mount namespace (the network and PIDs are the host's). */
  run(command: string, args: readonly string[] = [], env: Record<string, string> = {}): Promise<SandboxRun> {
    return new Promise((resolve) => {
      const child = execFile('nsenter', ['--target', String(this.#holder.pid), '--mount', '--', command, ...args], { env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      });
      child.stdin?.end(); // commands that read stdin (weft-cni) see an empty one
    });
  }

  /** Every path written under an overlaid tree, as its absolute path in the sandbox ('/opt/weft/bin/weft'). */
  written(): string[] {
    return [...this.snapshot().keys()];
  }

  /** What was written, path by path: 'dir', 'link -> TARGET' or 'file MODE SHA256'. */
  snapshot(): Map<string, string> {
    const found = new Map<string, string>();
    for (const path of overlaid) {
      const upper = join(this.dir, path.slice(1).replaceAll('/', '_'), 'upper');
      const walk = (relative: string): void => {
        for (const name of readdirSync(join(upper, relative))) {
          const inside = join(relative, name);
          const stat = lstatSync(join(upper, inside));
          if (stat.isDirectory()) found.set(join(path, inside), 'dir');
          else if (stat.isSymbolicLink()) found.set(join(path, inside), `link -> ${readlinkSync(join(upper, inside))}`);
          else found.set(join(path, inside), `file ${(stat.mode & 0o7777).toString(8)} ${createHash('sha256').update(readFileSync(join(upper, inside))).digest('hex')}`);
          if (stat.isDirectory()) walk(inside);
        }
      };
      walk('');
    }
    return new Map([...found].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  destroy(): void {
    this.#holder.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
