// Runs check_cmd and reload_cmd. Starting a process from Node costs ~3 ms (fork of a large
// process plus libuv's bookkeeping), most of confd's latency budget, so commands go through one
// long-lived /bin/sh that starts them for us (a fork of a small shell: well under a millisecond).
// The shell runs one command at a time; while it is busy, or if it died, commands are started
// directly. Each command runs as `/bin/sh -c CMD` in its own background job with its output in a
// temp file; a command past its timeout is killed by the PID the runner reported.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface CommandResult {
  readonly code: number | null;
  readonly output: string;
  readonly timedOut: boolean;
}

const quote = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;

function runDirect(command: string, timeoutMs: number, env?: Readonly<Record<string, string | undefined>>): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', command], { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`.trim();
      if (error === null) return resolve({ code: 0, output, timedOut: false });
      const timedOut = (error as NodeJS.ErrnoException & { killed?: boolean }).killed === true;
      resolve({ code: typeof error.code === 'number' ? error.code : null, output, timedOut });
    });
  });
}

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

  run(command: string, timeoutMs: number): Promise<CommandResult> {
    this.#busy = true;
    const id = this.#next++;
    const out = join(this.#dir, `${id}.out`);
    return new Promise<CommandResult>((resolve) => {
      let pid: number | undefined;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        if (pid !== undefined) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }, timeoutMs);
      const finish = (code: number | null): void => {
        clearTimeout(timer);
        this.#onLine = undefined;
        this.#busy = false;
        this.#hold(false);
        let output = '';
        try {
          output = readFileSync(out, 'utf8').trim();
        } catch {
          // no output file: the command never started
        }
        rmSync(out, { force: true });
        resolve({ code: timedOut ? null : code, output, timedOut });
      };
      this.#onLine = (line) => {
        if (line === 'EXIT') return finish(null);
        const [kind, lineId, value] = line.split(' ');
        if (Number(lineId) !== id) return;
        if (kind === 'P') pid = Number(value);
        else if (kind === 'X') finish(Number(value));
      };
      const shell = this.#ensure();
      this.#hold(true);
      shell.stdin?.write(`( exec /bin/sh -c ${quote(command)} ) >${quote(out)} 2>&1 & echo "P ${id} $!"; wait $!; echo "X ${id} $?"\n`);
    });
  }

  close(): void {
    this.#shell?.kill('SIGKILL');
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

let runner: ShellRunner | undefined;

/** Runs `command` with /bin/sh -c; never rejects. Extra environment forces a direct start. */
export function runShell(command: string, timeoutMs: number, env?: Readonly<Record<string, string | undefined>>): Promise<CommandResult> {
  if (env !== undefined && Object.keys(env).length > 0) return runDirect(command, timeoutMs, env);
  runner ??= new ShellRunner();
  return runner.available ? runner.run(command, timeoutMs) : runDirect(command, timeoutMs);
}

/** Stops the helper shell (tests, shutdown). */
export function closeShellRunner(): void {
  runner?.close();
  runner = undefined;
}
