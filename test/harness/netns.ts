// Network-namespace test bed: an underlay netns with a bridge, "host" netns joined to it by veth,
// "container" netns with a veth into their host. Design: every link is created inside a namespace
// (`ip -n NS link add ... peer ... netns OTHER`), so nothing of a test bed ever lives in the root
// namespace; deleting the namespaces (after killing the processes in them) removes every link.
// Names are `weft<runId>-<role>` so parallel runs never collide and leftovers are attributable.
import { execFile, spawn as spawnChild } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { WeftError } from '../../src/errors.ts';

export const UNDERLAY_CIDR = '10.213.0.0/24';
export const UNDERLAY_IP = '10.213.0.1';
export const MAX_HOSTS = 99;
export const MAX_CONTAINERS_PER_HOST = 99;
// Debian packages providing the commands the harness runs, named in the error when one is missing.
const packageOf: Record<string, string> = { ip: 'iproute2', ping: 'iputils-ping', sysctl: 'procps' };

export interface TestbedOptions {
  hosts: number;
  containersPerHost?: number;
  /** Enable net.ipv4.ip_forward inside each host netns (default true). */
  forwarding?: boolean;
  /** MTU of the host-to-bridge veths (default: the kernel's 1500). */
  underlayMtu?: number;
  /** 4 chars [a-z0-9]; default random. Pass one to know the names before setup finishes. */
  runId?: string;
  /** SIGTERM-to-SIGKILL grace for processes at teardown (default 2000 ms). */
  killGraceMs?: number;
}

export interface Underlay {
  ns: string;
  bridge: string;
  ip: string;
  cidr: string;
}

export interface Host {
  index: number;
  ns: string;
  /** The host's underlay interface, inside the host netns. */
  link: string;
  /** The other end of `link`, a port of the underlay bridge. */
  bridgePort: string;
  ip: string;
  cidr: string;
  containers: Container[];
}

export interface Container {
  index: number;
  hostIndex: number;
  ns: string;
  /** The container's interface, inside the container netns. */
  link: 'eth0';
  /** The other end of `link`, inside the host netns (attach it to a bridge, address it, ...). */
  hostLink: string;
  hostNs: string;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit code, or null when the process died from a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Leftovers {
  namespaces: string[];
  links: string[];
}

/** Names of one run; `prefix` is `weft<runId>-`, so the longest link name (h99c99) is 15 chars. */
export function testbedNames(runId: string) {
  const prefix = `weft${runId}-`;
  return {
    prefix,
    underlayNs: `${prefix}ul`,
    bridge: `${prefix}br`,
    hostNs: (h: number) => `${prefix}h${h}`,
    hostLink: (h: number) => `${prefix}h${h}u`,
    bridgePort: (h: number) => `${prefix}p${h}`,
    containerNs: (h: number, c: number) => `${prefix}h${h}c${c}`,
    containerHostLink: (h: number, c: number) => `${prefix}h${h}c${c}`,
  };
}

export function hostUnderlayIP(h: number): string {
  return `10.213.0.${10 + h}`;
}

export function newRunId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(4)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** Runs a command in the root namespace; never throws on a non-zero exit. */
function run(cmd: string, args: string[], timeoutMs = 30_000): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const errno = (error as NodeJS.ErrnoException | null)?.code;
      if (errno === 'ENOENT') {
        reject(missingCommand(cmd, error ?? undefined));
        return;
      }
      const code = typeof errno === 'number' ? errno : error ? null : 0;
      const signal = (error as { signal?: NodeJS.Signals } | null)?.signal ?? null;
      resolve({ stdout, stderr, code, signal });
    });
  });
}

function missingCommand(cmd: string, cause?: Error): WeftError {
  const pkg = packageOf[cmd];
  const hint = pkg ? `install the Debian package ${pkg} (apt-get install ${pkg})` : 'install it';
  return new WeftError('WEFT_E_HARNESS', `test harness: command '${cmd}' not found; ${hint}`, { cause });
}

/** Runs `ip ARGS`, throwing a WEFT_E_HARNESS error naming the command and its stderr on failure. */
export async function ip(args: string[]): Promise<string> {
  const result = await run('ip', args);
  if (result.code !== 0) {
    const how = result.code === null ? `signal ${result.signal}` : `exit ${result.code}`;
    throw new WeftError('WEFT_E_HARNESS', `test harness: 'ip ${args.join(' ')}' failed (${how}): ${result.stderr.trim()}`);
  }
  return result.stdout;
}

export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new WeftError(
      'WEFT_E_HARNESS',
      'test harness: network namespaces need root; run the e2e suite as root (sudo npm run test:e2e)',
    );
  }
}

/** `weft*` namespaces and root-namespace links starting with `prefix` (default: any weft run). */
export async function leftovers(prefix = 'weft'): Promise<Leftovers> {
  const namespaces = (await ip(['netns', 'list']))
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(prefix));
  const links = (await ip(['-o', 'link', 'show']))
    .split('\n')
    .map((line) => (line.split(': ')[1] ?? '').split('@')[0] ?? '')
    .filter((name) => name.startsWith(prefix));
  return { namespaces, links };
}

function isRunning(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

// Polls Node's own record of each child (set when it is reaped), so a recycled PID is never hit.
async function waitChildren(children: ChildProcess[], ms: number): Promise<ChildProcess[]> {
  const deadline = Date.now() + ms;
  let running = children.filter(isRunning);
  while (running.length > 0 && Date.now() < deadline) {
    await sleep(25);
    running = running.filter(isRunning);
  }
  return running;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the children that would not die. */
async function stopChildren(children: ChildProcess[], graceMs: number): Promise<ChildProcess[]> {
  const running = children.filter(isRunning);
  for (const child of running) child.kill('SIGTERM');
  const stubborn = await waitChildren(running, graceMs);
  for (const child of stubborn) child.kill('SIGKILL');
  return waitChildren(stubborn, 5_000);
}

async function namespacePids(ns: string): Promise<number[]> {
  return (await ip(['netns', 'pids', ns])).split('\n').filter(Boolean).map(Number);
}

function signalPid(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}

/** Same escalation for processes found inside `ns`, re-read from the namespace before each step. */
async function stopNamespacePids(ns: string, graceMs: number): Promise<number[]> {
  const waitEmpty = async (ms: number): Promise<number[]> => {
    const deadline = Date.now() + ms;
    let pids = await namespacePids(ns);
    while (pids.length > 0 && Date.now() < deadline) {
      await sleep(25);
      pids = await namespacePids(ns);
    }
    return pids;
  };
  const pids = await namespacePids(ns);
  if (pids.length === 0) return [];
  for (const pid of pids) signalPid(pid, 'SIGTERM');
  for (const pid of await waitEmpty(graceMs)) signalPid(pid, 'SIGKILL');
  return waitEmpty(5_000);
}

export class Testbed {
  readonly runId: string;
  readonly prefix: string;
  readonly underlay: Underlay;
  readonly hosts: Host[] = [];
  readonly #names: ReturnType<typeof testbedNames>;
  readonly #options: TestbedOptions;
  // Namespaces in creation order, recorded only once `ip netns add` succeeded: teardown deletes
  // exactly these, never a same-named namespace someone else made.
  readonly #namespaces: string[] = [];
  readonly #children: ChildProcess[] = [];
  #underlayReady = false;
  #tornDown = false;
  #teardown: Promise<void> | undefined;

  constructor(options: TestbedOptions) {
    this.#options = options;
    this.runId = options.runId ?? newRunId();
    if (!/^[a-z0-9]{4}$/.test(this.runId)) {
      throw new WeftError('WEFT_E_HARNESS', `test harness: runId '${this.runId}' must be 4 chars of [a-z0-9]`);
    }
    this.#names = testbedNames(this.runId);
    this.prefix = this.#names.prefix;
    this.underlay = { ns: this.#names.underlayNs, bridge: this.#names.bridge, ip: UNDERLAY_IP, cidr: UNDERLAY_CIDR };
  }

  get containers(): Container[] {
    return this.hosts.flatMap((host) => host.containers);
  }

  host(index: number): Host {
    const host = this.hosts[index - 1];
    if (!host) throw new WeftError('WEFT_E_HARNESS', `test harness: no host ${index} in test bed ${this.prefix}`);
    return host;
  }

  container(hostIndex: number, index: number): Container {
    const container = this.host(hostIndex).containers[index - 1];
    if (!container) {
      throw new WeftError('WEFT_E_HARNESS', `test harness: no container ${index} on host ${hostIndex} in ${this.prefix}`);
    }
    return container;
  }

  async #addNamespace(ns: string): Promise<void> {
    this.#assertUsable();
    await ip(['netns', 'add', ns]);
    this.#namespaces.push(ns);
    await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  }

  async addUnderlay(): Promise<Underlay> {
    const { ns, bridge, ip: address } = this.underlay;
    await this.#addNamespace(ns);
    await ip(['-n', ns, 'link', 'add', bridge, 'type', 'bridge']);
    await ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', bridge]);
    await ip(['-n', ns, 'link', 'set', bridge, 'up']);
    this.#underlayReady = true;
    return this.underlay;
  }

  /** Adds host N+1: its netns, a veth to the underlay bridge, its underlay IP, a default route. */
  async addHost(): Promise<Host> {
    if (!this.#underlayReady) await this.addUnderlay();
    const index = this.hosts.length + 1;
    if (index > MAX_HOSTS) throw new WeftError('WEFT_E_HARNESS', `test harness: at most ${MAX_HOSTS} hosts`);
    const n = this.#names;
    const host: Host = {
      index,
      ns: n.hostNs(index),
      link: n.hostLink(index),
      bridgePort: n.bridgePort(index),
      ip: hostUnderlayIP(index),
      cidr: UNDERLAY_CIDR,
      containers: [],
    };
    await this.#addNamespace(host.ns);
    const mtu = this.#options.underlayMtu === undefined ? [] : ['mtu', String(this.#options.underlayMtu)];
    await ip(['-n', host.ns, 'link', 'add', host.link, ...mtu, 'type', 'veth',
      'peer', 'name', host.bridgePort, ...mtu, 'netns', this.underlay.ns]);
    await ip(['-n', this.underlay.ns, 'link', 'set', host.bridgePort, 'master', this.underlay.bridge, 'up']);
    await ip(['-n', host.ns, 'addr', 'add', `${host.ip}/24`, 'dev', host.link]);
    await ip(['-n', host.ns, 'link', 'set', host.link, 'up']);
    // Like a real host's default route; the underlay netns has no way out, so traffic stays inside.
    await ip(['-n', host.ns, 'route', 'add', 'default', 'via', this.underlay.ip]);
    if (this.#options.forwarding ?? true) {
      await this.#check(host.ns, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
    }
    this.hosts.push(host);
    return host;
  }

  /** Adds a container netns to `host`: `eth0` inside, `hostLink` in the host netns, both up. */
  async addContainer(host: Host): Promise<Container> {
    const index = host.containers.length + 1;
    if (index > MAX_CONTAINERS_PER_HOST) {
      throw new WeftError('WEFT_E_HARNESS', `test harness: at most ${MAX_CONTAINERS_PER_HOST} containers per host`);
    }
    const n = this.#names;
    const container: Container = {
      index,
      hostIndex: host.index,
      ns: n.containerNs(host.index, index),
      link: 'eth0',
      hostLink: n.containerHostLink(host.index, index),
      hostNs: host.ns,
    };
    await this.#addNamespace(container.ns);
    await ip(['-n', container.ns, 'link', 'add', 'eth0', 'type', 'veth',
      'peer', 'name', container.hostLink, 'netns', host.ns]);
    await ip(['-n', container.ns, 'link', 'set', 'eth0', 'up']);
    await ip(['-n', host.ns, 'link', 'set', container.hostLink, 'up']);
    host.containers.push(container);
    return container;
  }

  async addAddress(ns: string, link: string, cidr: string): Promise<void> {
    await ip(['-n', ns, 'addr', 'add', cidr, 'dev', link]);
  }

  /** Puts `cidr` on the container's eth0 and, with a gateway, a default route through it. */
  async addressContainer(container: Container, cidr: string, gateway?: string): Promise<void> {
    await this.addAddress(container.ns, container.link, cidr);
    if (gateway !== undefined) {
      await ip(['-n', container.ns, 'route', 'add', 'default', 'via', gateway, 'dev', container.link]);
    }
  }

  /** Runs `cmd args` inside `ns` to completion; resolves with its output and exit code. */
  async exec(ns: string, cmd: string, args: string[] = [], timeoutMs = 30_000): Promise<ExecResult> {
    this.#assertUsable();
    const result = await run('ip', ['netns', 'exec', ns, cmd, ...args], timeoutMs);
    if (result.code !== 0 && result.stderr.includes(`exec of "${cmd}" failed: No such file`)) {
      throw missingCommand(cmd);
    }
    return result;
  }

  async #check(ns: string, cmd: string, args: string[]): Promise<string> {
    const result = await this.exec(ns, cmd, args);
    if (result.code !== 0) {
      throw new WeftError(
        'WEFT_E_HARNESS',
        `test harness: '${cmd} ${args.join(' ')}' in netns ${ns} failed (exit ${result.code}): ${result.stderr.trim()}`,
      );
    }
    return result.stdout;
  }

  /**
   * Starts `cmd args` inside `ns` and tracks it for teardown. `ip netns exec` execs the command
   * in place, so `child.pid` is the command's own PID.
   */
  spawn(ns: string, cmd: string, args: string[] = [], options: SpawnOptions = {}): ChildProcess {
    this.#assertUsable();
    const child = spawnChild('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    this.#children.push(child);
    return child;
  }

  runInUnderlay(cmd: string, args: string[] = [], options: SpawnOptions = {}): ChildProcess {
    return this.spawn(this.underlay.ns, cmd, args, options);
  }

  /** Pings `address` from `fromNs` until one reply or 3 s; `ok` says whether a reply came. */
  async ping(fromNs: string, address: string): Promise<{ ok: boolean; output: string }> {
    const result = await this.exec(fromNs, 'ping', ['-n', '-q', '-c', '1', '-w', '3', address]);
    return { ok: result.code === 0, output: `ping ${address} from ${fromNs}: ${result.stdout}${result.stderr}` };
  }

  /** PIDs of the processes this test bed started (whether or not they still run). */
  get pids(): number[] {
    return this.#children.flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
  }

  /**
   * Kills the processes started here (SIGTERM, SIGKILL after the grace), then any process still
   * inside this bed's namespaces (a forked daemon would keep the namespace and its links alive),
   * deletes the namespaces, and verifies nothing of this run is left. Idempotent.
   */
  teardown(): Promise<void> {
    this.#tornDown = true;
    this.#teardown ??= this.#runTeardown().finally(() => {
      this.#teardown = undefined;
    });
    return this.#teardown;
  }

  async #runTeardown(): Promise<void> {
    const grace = this.#options.killGraceMs ?? 2_000;
    const problems: string[] = [];
    const stubborn = (await stopChildren(this.#children, grace)).map((child) => child.pid);
    const existing = new Set((await leftovers(this.prefix)).namespaces);
    for (const ns of this.#namespaces.filter((name) => existing.has(name))) {
      stubborn.push(...(await stopNamespacePids(ns, grace)));
    }
    if (stubborn.length > 0) problems.push(`processes that would not die: ${stubborn.join(', ')}`);
    for (const ns of [...this.#namespaces].reverse()) {
      if (!existing.has(ns)) continue;
      try {
        await ip(['netns', 'del', ns]);
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    const created = new Set(this.#namespaces);
    this.#namespaces.length = 0;
    // Only what this bed made counts: a same-named namespace of another bed is not ours to judge.
    const left = await leftovers(this.prefix);
    left.namespaces = left.namespaces.filter((ns) => created.has(ns));
    if (left.namespaces.length > 0 || left.links.length > 0) {
      problems.push(`left behind: namespaces [${left.namespaces.join(' ')}], root links [${left.links.join(' ')}]`);
    }
    if (problems.length > 0) {
      throw new WeftError('WEFT_E_HARNESS', `test harness: teardown of ${this.prefix} incomplete: ${problems.join('; ')}`);
    }
  }

  #assertUsable(): void {
    if (this.#tornDown) throw new WeftError('WEFT_E_HARNESS', `test harness: test bed ${this.prefix} is torn down`);
  }
}

/**
 * Builds a test bed of `hosts` hosts with `containersPerHost` containers each. If any step fails,
 * whatever was created is torn down before the error is rethrown.
 */
export async function createTestbed(options: TestbedOptions): Promise<Testbed> {
  requireRoot();
  const { hosts, containersPerHost = 0 } = options;
  if (!Number.isInteger(hosts) || hosts < 1 || hosts > MAX_HOSTS) {
    throw new WeftError('WEFT_E_HARNESS', `test harness: hosts must be 1..${MAX_HOSTS}, got ${hosts}`);
  }
  if (!Number.isInteger(containersPerHost) || containersPerHost < 0 || containersPerHost > MAX_CONTAINERS_PER_HOST) {
    throw new WeftError('WEFT_E_HARNESS', `test harness: containersPerHost must be 0..${MAX_CONTAINERS_PER_HOST}`);
  }
  let runId = options.runId;
  // A random id that some earlier run left behind would make `ip netns add` fail; pick another.
  for (let attempt = 0; runId === undefined && attempt < 5; attempt++) {
    const candidate = newRunId();
    const left = await leftovers(testbedNames(candidate).prefix);
    if (left.namespaces.length === 0 && left.links.length === 0) runId = candidate;
  }
  const testbed = new Testbed({ ...options, runId: runId ?? newRunId() });
  try {
    await testbed.addUnderlay();
    for (let h = 0; h < hosts; h++) {
      const host = await testbed.addHost();
      for (let c = 0; c < containersPerHost; c++) await testbed.addContainer(host);
    }
  } catch (error) {
    try {
      await testbed.teardown();
    } catch (teardownError) {
      throw new WeftError(
        'WEFT_E_HARNESS',
        `test harness: setup of ${testbed.prefix} failed (${(error as Error).message}) and so did its cleanup (${(teardownError as Error).message})`,
        { cause: error },
      );
    }
    throw error;
  }
  return testbed;
}
