// The reference CNI runtime for tests and the bench: builds test/cni/driver (Go, Debian's libcni,
// offline) once per source hash into the temp dir, and runs it as a runtime runs its CNI library.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WeftError } from '../../src/errors.ts';

const sourceDir = fileURLToPath(new URL('./driver/', import.meta.url));
const sources = ['go.mod', 'main.go'];
export const libcniDir = '/usr/share/gocode/src/github.com/containernetworking/cni';

export interface ExecOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; never throws on a non-zero exit. */
export function execOutcome(cmd: string, args: readonly string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<ExecOutcome> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 << 20, env: options.env ?? process.env, cwd: options.cwd }, (error, stdout, stderr) => {
      const errno = (error as NodeJS.ErrnoException | null)?.code;
      if (errno === 'ENOENT') {
        reject(new WeftError('WEFT_E_HARNESS', `test harness: command '${cmd}' not found`, { cause: error }));
        return;
      }
      resolve({ code: typeof errno === 'number' ? errno : error ? null : 0, signal: (error as { signal?: NodeJS.Signals } | null)?.signal ?? null, stdout, stderr });
    });
  });
}

let building: Promise<string> | undefined;

/** Path of the built driver; builds it (GOPROXY=off, Debian's libcni) when its sources changed. */
export function buildDriver(): Promise<string> {
  building ??= build();
  return building;
}

async function build(): Promise<string> {
  if (!existsSync(join(libcniDir, 'libcni', 'api.go'))) {
    throw new WeftError('WEFT_E_HARNESS', `test harness: libcni not found at ${libcniDir}; apt-get install golang-github-appc-cni-dev golang-go`);
  }
  const hash = createHash('sha256');
  for (const file of sources) hash.update(file).update(readFileSync(join(sourceDir, file)));
  const dir = join(tmpdir(), `weft-cni-driver-${hash.digest('hex').slice(0, 16)}`);
  const binary = join(dir, 'driver');
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  // Build beside, then rename: parallel runs never see a half-written binary.
  const staging = mkdtempSync(join(dir, 'build-'));
  try {
    const env = { ...process.env, GOPROXY: 'off', GOFLAGS: '-mod=mod', CGO_ENABLED: '0', GOCACHE: join(tmpdir(), 'weft-cni-driver-gocache') };
    const out = await execOutcome('go', ['build', '-o', join(staging, 'driver'), '.'], { cwd: sourceDir, env, timeoutMs: 300_000 });
    if (out.code !== 0) throw new WeftError('WEFT_E_HARNESS', `test harness: building the CNI driver failed (exit ${out.code}): ${out.stderr}`);
    renameSync(join(staging, 'driver'), binary);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return binary;
}

/** One attachment as a runtime names it: the container's netns, its ID and interface. */
export interface Attachment {
  netns: string;
  containerID: string;
  ifName: string;
}

export interface DriverOptions {
  /** CNI_PATH: the plugin dirs. */
  cniPath: readonly string[];
  /** libcni's cache dir (the runtime's; holds the results DEL and CHECK replay). */
  cacheDir: string;
  /** CNI_ARGS pairs, in order (e.g. IgnoreUnknown=1, K8S_POD_NAME=web). */
  args?: readonly (readonly [string, string])[];
  /** RuntimeConf.CapabilityArgs (libcni passes each only to plugins declaring the capability). */
  capabilityArgs?: Record<string, unknown>;
  /** Command and arguments the driver runs under: `ip netns exec HOST`, `taskset -c 0`, a host view. */
  prefix?: readonly string[];
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Ask the driver for the libcni call's own duration (`elapsedMs`). */
  timed?: boolean;
}

export interface DriverResult extends ExecOutcome {
  /** The driver's stdout JSON: the ADD result, `{}`, or the CNI error (`code`, `msg`, `details`). */
  json: Record<string, unknown> | undefined;
  elapsedMs: number | undefined;
  ok: boolean;
}

/** Podman's and containerd's CNI_ARGS for a pod/container named `name`. */
export function podArgs(name: string, containerID: string, namespace = 'default'): [string, string][] {
  return [['IgnoreUnknown', '1'], ['K8S_POD_NAMESPACE', namespace], ['K8S_POD_NAME', name], ['K8S_POD_INFRA_CONTAINER_ID', containerID]];
}

function flags(options: DriverOptions): string[] {
  const out = ['--cni-path', options.cniPath.join(':'), '--cache-dir', options.cacheDir];
  if (options.args !== undefined && options.args.length > 0) out.push('--args', options.args.map(([k, v]) => `${k}=${v}`).join(';'));
  if (options.capabilityArgs !== undefined) out.push('--capability-args', JSON.stringify(options.capabilityArgs));
  if (options.timed === true) out.push('--time');
  return out;
}

async function runDriver(argv: string[], options: DriverOptions): Promise<DriverResult> {
  const driver = await buildDriver();
  const [cmd, ...rest] = [...(options.prefix ?? []), driver, ...argv, ...flags(options)];
  const timeoutMs = options.timeoutMs ?? 120_000;
  const out = await execOutcome(cmd!, rest, { timeoutMs, env: { ...process.env, ...options.env } });
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(out.stdout.trim().split('\n').at(-1) ?? '') as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  let elapsedMs: number | undefined;
  if (options.timed === true && out.code === 0 && json !== undefined) {
    elapsedMs = json.elapsedMs as number;
    json = json.result as Record<string, unknown>;
  }
  return { ...out, json, elapsedMs, ok: out.code === 0 };
}

export type DriverCommand = 'add' | 'check' | 'del';

/** `driver add|check|del NETNS CONTAINERID IFNAME CONFLIST` with the runtime's options. */
export function cniAttachment(command: DriverCommand, at: Attachment, conflist: string, options: DriverOptions): Promise<DriverResult> {
  return runDriver([command, at.netns, at.containerID, at.ifName, conflist], options);
}

/** CNI 1.1 GC with `cni.dev/valid-attachments` (exec'd directly: libcni 1.1.2 has no GC). */
export function cniGC(conflist: string, valid: readonly Pick<Attachment, 'containerID' | 'ifName'>[], options: DriverOptions): Promise<DriverResult> {
  const attachments = valid.map((a) => ({ containerID: a.containerID, ifname: a.ifName }));
  return runDriver(['gc', conflist, '--valid-attachments', JSON.stringify(attachments)], options);
}

/** CNI 1.1 STATUS (exec'd directly, as cniGC). */
export function cniStatus(conflist: string, options: DriverOptions): Promise<DriverResult> {
  return runDriver(['status', conflist], options);
}

/** Says what went wrong in one line, for assertion messages. */
export function describeRun(what: string, run: DriverResult): string {
  return `${what}: exit ${run.code ?? run.signal}; stdout ${run.stdout.trim()}; stderr ${run.stderr.trim().slice(-2000)}`;
}
