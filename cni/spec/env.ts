// The CNI_* environment, validated before use as libcni's skel does: which variables each
// command needs, the container ID and network name charset, the interface name rules (1-15
// bytes, not . or .., no /, : or whitespace), an absolute CNI_NETNS, and CNI_ARGS pairs.
import { CniCode, CniError } from './errors.ts';

export type Command = 'ADD' | 'DEL' | 'CHECK' | 'STATUS' | 'GC' | 'VERSION';
export const commands: readonly Command[] = ['ADD', 'DEL', 'CHECK', 'STATUS', 'GC', 'VERSION'];

export interface CniEnv {
  readonly command: Command;
  readonly containerId: string;
  readonly netns: string;
  readonly ifName: string;
  readonly args: ReadonlyMap<string, string>;
  readonly path: readonly string[];
}

const nameChars = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** State files are named `<containerID>@<ifname>`: keep them inside a file name's 255 bytes. */
const maxContainerId = 200;
const maxPath = 4096;
const maxArgs = 64 * 1024;

const required: Readonly<Record<Command, readonly string[]>> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH'],
  GC: ['CNI_PATH'],
  STATUS: ['CNI_PATH'],
  VERSION: [],
};

export function parseCommand(value: string | undefined): Command {
  if (value === undefined || value === '') throw new CniError(CniCode.invalidEnvironment, 'required env variables [CNI_COMMAND] missing', 'weft-cni is run by the container runtime with CNI_COMMAND=ADD|DEL|CHECK|STATUS|GC|VERSION');
  const command = commands.find((c) => c === value);
  if (command === undefined) throw new CniError(CniCode.invalidEnvironment, `unknown CNI_COMMAND: ${value}`, `CNI_COMMAND must be one of ${commands.join(', ')}`);
  return command;
}

export function validateContainerId(id: string): void {
  if (!nameChars.test(id)) throw new CniError(CniCode.invalidEnvironment, 'invalid characters in CNI_CONTAINERID', `"${id.slice(0, 80)}" must match ${nameChars.source}`);
  if (id.length > maxContainerId) throw new CniError(CniCode.invalidEnvironment, 'CNI_CONTAINERID is too long', `at most ${maxContainerId} characters (got ${id.length})`);
}

export function validateIfName(name: string): void {
  const bytes = Buffer.byteLength(name);
  if (bytes > 15) throw new CniError(CniCode.invalidEnvironment, 'CNI_IFNAME is too long', `interface names have at most 15 bytes; "${name.slice(0, 40)}" has ${bytes}`);
  if (name === '.' || name === '..') throw new CniError(CniCode.invalidEnvironment, 'CNI_IFNAME is . or ..');
  if (/[/:\s]/u.test(name)) throw new CniError(CniCode.invalidEnvironment, 'CNI_IFNAME contains / or : or whitespace characters', `"${name}"`);
}

export function validateNetworkName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw new CniError(CniCode.invalidConfig, 'missing network name', 'the config needs "name"');
  if (!nameChars.test(name) || name.length > 200) throw new CniError(CniCode.invalidConfig, 'invalid characters found in network name', `"${name.slice(0, 80)}" must match ${nameChars.source} (at most 200 characters)`);
  return name;
}

/** CNI_ARGS "K8S_POD_NAME=web;IgnoreUnknown=1": every pair must be KEY=VALUE (libcni's rule). */
export function parseCniArgs(text: string): Map<string, string> {
  const out = new Map<string, string>();
  if (text === '') return out;
  if (text.length > maxArgs) throw new CniError(CniCode.invalidEnvironment, 'CNI_ARGS is too long', `at most ${maxArgs} bytes`);
  for (const pair of text.split(';')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CniError(CniCode.invalidEnvironment, 'CNI_ARGS: invalid pair', `"${pair.slice(0, 80)}" is not KEY=VALUE`);
    out.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return out;
}

export function parseEnv(env: Readonly<Record<string, string | undefined>>): CniEnv {
  const command = parseCommand(env.CNI_COMMAND);
  const value = (name: string): string => env[name] ?? '';
  const missing = required[command].filter((name) => value(name) === '');
  if (missing.length > 0) throw new CniError(CniCode.invalidEnvironment, `required env variables [${missing.join(',')}] missing`, `CNI_COMMAND=${command} needs ${required[command].join(', ')}`);
  const containerId = value('CNI_CONTAINERID');
  const ifName = value('CNI_IFNAME');
  const netns = value('CNI_NETNS');
  const attachment = command === 'ADD' || command === 'CHECK' || command === 'DEL';
  if (attachment) {
    validateContainerId(containerId);
    validateIfName(ifName);
  }
  if (attachment && netns !== '' && (!netns.startsWith('/') || netns.length > maxPath || netns.includes('\0'))) {
    throw new CniError(CniCode.invalidEnvironment, 'CNI_NETNS is not an absolute path', `"${netns.slice(0, 80)}" should name a network namespace, e.g. /run/netns/NAME or /proc/PID/ns/net`);
  }
  const path = value('CNI_PATH').split(':').filter((p) => p !== '');
  return { command, containerId, netns, ifName, args: attachment ? parseCniArgs(value('CNI_ARGS')) : new Map(), path };
}
