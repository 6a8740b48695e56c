#!/usr/bin/env node
// weft-cni: the CNI plugin the container runtime executes. For now it answers VERSION (and says
// clearly that the other commands come later); the CNI issue implements ADD/DEL/CHECK/STATUS/GC.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const supportedVersions = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export const cniVersion = '1.1.0';

export interface CniError {
  cniVersion: string;
  code: number;
  msg: string;
  details?: string;
}

/** Runs one CNI invocation; returns what goes to stdout and the exit status. */
export function runCni(env: Readonly<Record<string, string | undefined>>, stdin: string): { stdout: string; status: number } {
  const command = env.CNI_COMMAND;
  let requested = cniVersion;
  if (stdin.trim() !== '') {
    try {
      const config = JSON.parse(stdin) as { cniVersion?: unknown };
      if (typeof config.cniVersion === 'string') requested = config.cniVersion;
    } catch (error) {
      return fail({ cniVersion, code: 6, msg: 'failed to decode network configuration', details: (error as Error).message });
    }
  }
  if (command === 'VERSION') {
    return { stdout: JSON.stringify({ cniVersion: requested, supportedVersions }), status: 0 };
  }
  if (command === undefined || command === '') return fail({ cniVersion: requested, code: 4, msg: 'CNI_COMMAND is not set', details: 'weft-cni is run by the container runtime with CNI_COMMAND=ADD|DEL|CHECK|STATUS|GC|VERSION' });
  return fail({ cniVersion: requested, code: 4, msg: `CNI_COMMAND ${command} is not implemented by this weft-cni yet`, details: 'this build answers VERSION only' });
}

function fail(error: CniError): { stdout: string; status: number } {
  return { stdout: JSON.stringify(error), status: 1 };
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const invokedAs = process.argv[1] === undefined ? '' : realpathSync(process.argv[1]);
if (invokedAs === fileURLToPath(import.meta.url)) {
  const { stdout, status } = runCni(process.env, await readStdin());
  process.stdout.write(`${stdout}\n`);
  process.exitCode = status;
}
