// Runs check_cmd and reload_cmd. Starting a process from Node costs ~3 ms (fork of a large
// process plus libuv's bookkeeping), most of confd's latency budget, so commands go through one
// long-lived /bin/sh that starts them for us (a fork of a small shell: well under a millisecond).
// The shell runs one command at a time; while it is busy, or if it died, commands are started
// directly. Each command runs as `/bin/sh -c CMD` in its own process group (setsid), with its
// output in a file of a private mkdtemp directory (mode 0700); past its timeout, or on a stop, the
// whole group is killed, so nothing a command started outlives weft.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface CommandResult {
  readonly code: number | null;
  readonly output: string;
  readonly timedOut: boolean;
  /** Killed because weft is stopping. */
  readonly stopped: boolean;
}

const quote = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;
const maxOutput = 1024 * 1024;
/** Process groups of the commands running now. */
const runningGroups = new Set<number>();

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Kills the command when it times out or `signal` aborts; returns a disarm function. */
function guard(pid: () => number | undefined, timeoutMs: number, signal: AbortSignal | undefined, mark: (why: 'timeout' | 'stop') => void): () => void {
  const kill = (why: 'timeout' | 'stop'): void => {
    mark(why);
    const id = pid();
    if (id !== undefined) killGroup(id);
  };
  const timer = setTimeout(() => kill('timeout'), timeoutMs);
  const onAbort = (): void => kill('stop');
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted === true) onAbort();
  return () => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  };
}

function runDirect(command: string, timeoutMs: number, env?: Readonly<Record<string, string | undefined>>, signal?: AbortSignal): Promise<CommandResult> {
  return new Promise((resolve) => {
    // detached: the child calls setsid(), so its pid is the group to kill.
    const child = spawn('/bin/sh', ['-c', command], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let output = '';
    const collect = (chunk: Buffer): void => {
      if (output.length < maxOutput) output += chunk.toString('utf8');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let ended: 'timeout' | 'stop' | undefined;
    if (child.pid !== undefined) runningGroups.add(child.pid);
    const disarm = guard(() => child.pid, timeoutMs, signal, (why) => (ended ??= why));
    const finish = (code: number | null): void => {
      disarm();
      if (child.pid !== undefined) runningGroups.delete(child.pid);
      resolve({ code: ended === undefined ? code : null, output: output.trim(), timedOut: ended === 'timeout', stopped: ended === 'stop' });
    };
    child.once('error', (error) => {
      output += error.message;
      finish(null);
    });
    child.once('close', (code) => finish(code));
  });
}

// setsid(1) makes the backgrounded command its own group leader (it only forks when it already is one).
const setsidPath = ['/usr/bin/setsid', '/bin/setsid'].find((p) => existsSync(p));

class ShellRunner {
  readonly #dir = mkdtempSync(join(tmpdir(), 'weft-cmd-'));
  #shell: ChildProcess | undefined;
  #busy = false;
  #next = 0;
  #onLine: ((line: string) => void) | undefined;

  get available(): boolean {
    return !this.#busy;
  }

  #ensure(): ChildProcess {
    if (this.#shell !== undefined && this.#shell.exitCode === null && this.#shell.signalCode === null) return this.#shell;
    const shell = spawn('/bin/sh', ['-s'], { stdio: ['pipe', 'pipe', 'ignore'] });
    shell.on('error', () => undefined);
    shell.stdin?.on('error', () => undefined);
    createInterface({ input: shell.stdout }).on('line', (line) => this.#onLine?.(line));
    shell.once('exit', () => {
      if (this.#shell === shell) this.#shell = undefined;
      this.#onLine?.('EXIT');
    });
    this.#shell = shell;
    this.#hold(false);
    return shell;
  }

  // An idle helper shell must not keep the process alive; a running command must.
  #hold(running: boolean): void {
    const shell = this.#shell;
    if (shell === undefined) return;
    for (const handle of [shell, shell.stdin, shell.stdout] as ({ ref?: () => void; unref?: () => void } | null)[]) {
      if (running) handle?.ref?.();
      else handle?.unref?.();
    }
  }

  run(command: string, timeoutMs: number, signal?: AbortSignal): Promise<CommandResult> {
    this.#busy = true;
    const id = this.#next++;
    const out = join(this.#dir, `${id}.out`);
    return new Promise<CommandResult>((resolve) => {
      let pid: number | undefined;
      let ended: 'timeout' | 'stop' | undefined;
      const disarm = guard(() => pid, timeoutMs, signal, (why) => (ended ??= why));
      const finish = (code: number | null): void => {
        disarm();
        if (pid !== undefined) runningGroups.delete(pid);
        this.#onLine = undefined;
        this.#busy = false;
        this.#hold(false);
        let output = '';
        try {
          output = readFileSync(out, 'utf8').slice(0, maxOutput).trim();
        } catch {
          // no output file: the command never started
        }
        rmSync(out, { force: true });
        resolve({ code: ended === undefined ? code : null, output, timedOut: ended === 'timeout', stopped: ended === 'stop' });
      };
      this.#onLine = (line) => {
        if (line === 'EXIT') return finish(null);
        const [kind, lineId, value] = line.split(' ');
        if (Number(lineId) !== id) return;
        if (kind === 'P') {
          pid = Number(value);
          runningGroups.add(pid);
          // Started after a stop or the timeout already fired: kill it now.
          if (ended !== undefined) killGroup(pid);
        } else if (kind === 'X') finish(Number(value));
      };
      const shell = this.#ensure();
      this.#hold(true);
      const start = setsidPath === undefined ? '' : `${setsidPath} `;
      shell.stdin?.write(`( exec ${start}/bin/sh -c ${quote(command)} ) >${quote(out)} 2>&1 </dev/null & echo "P ${id} $!"; wait $!; echo "X ${id} $?"\n`);
    });
  }

  close(): void {
    this.#shell?.kill('SIGKILL');
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

let runner: ShellRunner | undefined;

/** Runs `command` with /bin/sh -c; never rejects. Extra environment forces a direct start. */
export function runShell(command: string, timeoutMs: number, env?: Readonly<Record<string, string | undefined>>, signal?: AbortSignal): Promise<CommandResult> {
  if (env !== undefined && Object.keys(env).length > 0) return runDirect(command, timeoutMs, env, signal);
  runner ??= new ShellRunner();
  return runner.available ? runner.run(command, timeoutMs, signal) : runDirect(command, timeoutMs, undefined, signal);
}

/** Kills the process group of every command running now (they resolve as `stopped` only with a signal). */
export function killRunningCommands(): void {
  for (const pid of runningGroups) killGroup(pid);
}

/** Kills running commands, stops the helper shell and removes its directory (shutdown, tests). */
export function closeShellRunner(): void {
  killRunningCommands();
  runner?.close();
  runner = undefined;
}
