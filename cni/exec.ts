// Runs a delegate plugin the way libcni's invoke does: found in CNI_PATH, given our environment
// with CNI_COMMAND (and per GC'd attachment the CNI_CONTAINERID/IFNAME/NETNS) replaced, the
// config on stdin, its stderr passed through to ours; stdout is its result or its error JSON.
// Every exec has a deadline (SIGKILL after it) and a bounded stdout.
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CniCode, CniError } from './spec/errors.ts';

export const delegateTimeoutMs = 30_000;
const maxStdout = 1024 * 1024;

export function findPlugin(type: string, path: readonly string[]): string {
  for (const dir of path) {
    const candidate = join(dir, type);
    try {
      if (statSync(candidate).isFile()) {
        accessSync(candidate, constants.X_OK);
        return candidate;
      }
    } catch {
      // not in this directory
    }
  }
  throw new CniError(CniCode.invalidConfig, `failed to find plugin "${type}" in path [${path.join(' ')}]`, 'install containernetworking-plugins (Debian puts them in /usr/lib/cni) and list that directory in the runtime\'s CNI bin dirs');
}

interface Run {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly spawnError?: NodeJS.ErrnoException;
}

function runOnce(file: string, stdin: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(file, [], { env, stdio: ['pipe', 'pipe', 'inherit'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    const chunks: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxStdout) chunks.push(chunk);
      else child.kill('SIGKILL');
    });
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => resolve({ code: null, signal: null, stdout: '', spawnError: error }));
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(chunks).toString('utf8') }));
    child.stdin.end(stdin);
  });
}

/** Runs `type` with `command`; returns its parsed stdout (undefined when empty). */
export async function execDelegate(type: string, command: string, config: unknown, env: NodeJS.ProcessEnv, path: readonly string[], timeoutMs = delegateTimeoutMs): Promise<unknown> {
  const file = findPlugin(type, path);
  const stdin = JSON.stringify(config);
  let run = await runOnce(file, stdin, { ...env, CNI_COMMAND: command }, timeoutMs);
  // libcni retries while the binary is being replaced ("text file busy").
  for (let i = 0; i < 5 && run.spawnError?.code === 'ETXTBSY'; i++) {
    await sleep(1000);
    run = await runOnce(file, stdin, { ...env, CNI_COMMAND: command }, timeoutMs);
  }
  if (run.spawnError !== undefined) throw new CniError(CniCode.ioFailure, `cannot run delegate plugin ${file}`, run.spawnError.message);
  if (run.signal !== null) throw new CniError(CniCode.tryAgainLater, `delegate plugin ${type} ${command} was killed (${run.signal})`, `it did not finish within ${timeoutMs} ms or wrote more than ${maxStdout} bytes`);
  let parsed: unknown;
  if (run.stdout.trim() !== '') {
    try {
      parsed = JSON.parse(run.stdout);
    } catch {
      parsed = undefined;
    }
  }
  if (run.code !== 0) {
    const e = (parsed ?? {}) as { code?: unknown; msg?: unknown; details?: unknown };
    const code = typeof e.code === 'number' ? e.code : CniCode.internal;
    const msg = typeof e.msg === 'string' ? e.msg : `exit status ${run.code}: ${run.stdout.slice(0, 200)}`;
    throw new CniError(code, `delegate plugin ${type} ${command} failed: ${msg}`, typeof e.details === 'string' ? e.details : '');
  }
  if (parsed === undefined && run.stdout.trim() !== '') throw new CniError(CniCode.decodingFailure, `delegate plugin ${type} ${command} printed something that is not JSON`, run.stdout.slice(0, 200));
  return parsed;
}
