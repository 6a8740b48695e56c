#!/usr/bin/env node
// weft-cni: the CNI plugin the container runtime executes (ADD, DEL, CHECK, STATUS, GC, VERSION).
// It starts small: only the spec modules load up front; each command imports what it needs.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CniCode, CniError, errorJson } from './spec/errors.ts';
import { currentVersion, decodeConfig, isSupported, requestedVersion, supportedVersions } from './spec/version.ts';

export { supportedVersions };
export const cniVersion = currentVersion;
/** Larger stdin is refused (CNI error 5): a conflist is a few KiB. */
export const maxStdinBytes = 1024 * 1024;

export interface CniOutcome {
  readonly stdout: string;
  readonly status: number;
}

/** Runs one CNI invocation; resolves to what goes to stdout and the exit status. */
export async function runCni(env: Readonly<Record<string, string | undefined>>, stdin: string): Promise<CniOutcome> {
  let requested: string = currentVersion;
  try {
    if (Buffer.byteLength(stdin) > maxStdinBytes) throw new CniError(CniCode.ioFailure, `network configuration on stdin is larger than ${maxStdinBytes} bytes`);
    if (env.CNI_COMMAND === 'VERSION') {
      // Answered from the two modules already loaded: runtimes call VERSION before anything else.
      if (stdin.trim() !== '') requested = requestedVersion(decodeConfig(stdin));
      return { stdout: JSON.stringify({ cniVersion: requested, supportedVersions }), status: 0 };
    }
    const [{ parseConfig }, { parseEnv }] = await Promise.all([import('./spec/config.ts'), import('./spec/env.ts')]);
    const raw = decodeConfig(stdin);
    requested = requestedVersion(raw);
    const cniEnv = parseEnv(env);
    const config = parseConfig(raw, cniEnv.command);
    const processEnv: NodeJS.ProcessEnv = { ...env };
    const invocation = { env: cniEnv, config, processEnv };
    switch (cniEnv.command) {
      case 'ADD': {
        const { add } = await import('./commands/add.ts');
        return { stdout: JSON.stringify(await add(invocation)), status: 0 };
      }
      case 'DEL':
        await (await import('./commands/del.ts')).del(invocation);
        return { stdout: '', status: 0 };
      case 'CHECK':
        await (await import('./commands/check.ts')).check(invocation);
        return { stdout: '', status: 0 };
      case 'STATUS':
        await (await import('./commands/status.ts')).status(config, cniEnv.path, processEnv);
        return { stdout: '', status: 0 };
      case 'GC':
        await (await import('./commands/gc.ts')).gc(config, cniEnv.path, processEnv);
        return { stdout: '', status: 0 };
    }
  } catch (error) {
    return { stdout: JSON.stringify(errorJson(error, isSupported(requested) ? requested : currentVersion)), status: 1 };
  }
  return { stdout: JSON.stringify(errorJson(new CniError(CniCode.invalidEnvironment, 'unknown CNI_COMMAND'), requested)), status: 1 };
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    // Keep one byte past the bound so runCni sees it is too large, without holding more.
    if (size > maxStdinBytes + 1) break;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const invokedAs = process.argv[1] === undefined ? '' : realpathSync(process.argv[1]);
if (invokedAs === fileURLToPath(import.meta.url)) {
  const { stdout, status } = await runCni(process.env, await readStdin());
  if (stdout !== '') process.stdout.write(`${stdout}\n`);
  process.exitCode = status;
}
