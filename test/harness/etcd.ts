// Real etcd for integration and e2e tests: Debian's etcd-server on free loopback ports (or inside a
// network namespace on an underlay address) with a temp data dir. Only processes started here are
// ever signalled, by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { WeftError } from '../../src/errors.ts';

const candidates = ['/usr/bin/etcd', '/usr/local/bin/etcd'];

export function findEtcdBinary(): string {
  for (const path of [process.env.WEFT_TEST_ETCD, ...candidates]) {
    if (path === undefined || path === '') continue;
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // try the next place
    }
  }
  throw new WeftError('WEFT_E_HARNESS', "etcd binary not found (looked in /usr/bin and /usr/local/bin); install Debian's package: apt-get install etcd-server");
}

/** A TCP port that was free a moment ago on `host` (the kernel picks it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface EtcdMemberSpec {
  readonly name: string;
  readonly host: string;
  readonly clientPort: number;
  readonly peerPort: number;
  /** Run inside this network namespace (`ip netns exec`). */
  readonly netns?: string;
}

export class EtcdProcess {
  readonly spec: EtcdMemberSpec;
  readonly dataDir: string;
  readonly logFile: string;
  readonly #initialCluster: string;
  readonly #clusterToken: string;
  #child: ChildProcess | undefined;
  #started = false;

  constructor(spec: EtcdMemberSpec, initialCluster: string, workDir: string) {
    this.spec = spec;
    this.#initialCluster = initialCluster;
    this.#clusterToken = `weft-test-${basename(workDir)}`;
    this.dataDir = join(workDir, `${spec.name}.data`);
    this.logFile = join(workDir, `${spec.name}.log`);
  }

  get endpoint(): string {
    return `http://${this.spec.host}:${this.spec.clientPort}`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Starts the process; with `wait`, resolves once it serves clients. Reuses the data dir on restart. */
  async start(options: { wait?: boolean } = {}): Promise<void> {
    if (this.running) return;
    const { host, clientPort, peerPort, name, netns } = this.spec;
    const args = [
      '--name', name,
      '--data-dir', this.dataDir,
      '--listen-client-urls', `http://${host}:${clientPort}`,
      '--advertise-client-urls', `http://${host}:${clientPort}`,
      '--listen-peer-urls', `http://${host}:${peerPort}`,
      '--initial-advertise-peer-urls', `http://${host}:${peerPort}`,
      '--initial-cluster', this.#initialCluster,
      '--initial-cluster-state', 'new',
      '--initial-cluster-token', this.#clusterToken,
      '--logger', 'zap',
      '--log-outputs', 'stderr',
    ];
    const binary = findEtcdBinary();
    const log = openSync(this.logFile, 'a');
    const [command, argv] = netns === undefined ? [binary, args] : ['ip', ['netns', 'exec', netns, binary, ...args]];
    const offset = this.#logSize();
    this.#child = spawn(command, argv, { stdio: ['ignore', log, log] });
    closeSync(log);
    this.#started = true;
    if (options.wait !== false) await this.waitServing(offset);
  }

  #logSize(): number {
    try {
      return readFileSync(this.logFile).length;
    } catch {
      return 0;
    }
  }

  /** Waits for "serving client traffic" in the log written since `offset`. */
  async waitServing(offset = 0, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new WeftError('WEFT_E_HARNESS', `etcd ${this.spec.name} exited during start; log: ${this.logFile}\n${this.#tail()}`);
      const text = readFileSync(this.logFile).subarray(offset).toString();
      if (text.includes('serving client traffic')) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new WeftError('WEFT_E_HARNESS', `etcd ${this.spec.name} did not serve clients within ${timeoutMs} ms; log: ${this.logFile}\n${this.#tail()}`);
  }

  #tail(): string {
    return readFileSync(this.logFile, 'utf8').split('\n').slice(-15).join('\n');
  }

  /** SIGTERM (or the given signal) to our own PID, and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.#child;
    if (child === undefined || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  get started(): boolean {
    return this.#started;
  }
}

export class EtcdCluster {
  readonly members: EtcdProcess[];
  readonly workDir: string;

  constructor(members: EtcdProcess[], workDir: string) {
    this.members = members;
    this.workDir = workDir;
  }

  get endpoints(): string[] {
    return this.members.map((m) => m.endpoint);
  }

  /** The first member: convenient for single-member setups. */
  get endpoint(): string {
    return this.members[0]?.endpoint ?? '';
  }

  async start(): Promise<void> {
    // Members of a new cluster wait for each other, so start them all before waiting on any.
    await Promise.all(this.members.map((m) => m.start({ wait: false })));
    await Promise.all(this.members.map((m) => m.waitServing()));
  }

  async destroy(): Promise<void> {
    await Promise.all(this.members.map((m) => m.stop('SIGKILL')));
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

export interface StartEtcdOptions {
  /** Number of members (1 by default; 3 for failover tests). */
  readonly members?: number;
  /** Address to listen on; loopback by default. With several members, they share the host. */
  readonly host?: string;
  /** One address per member instead (e.g. to partition one member away with iptables). */
  readonly hosts?: readonly string[];
  readonly netns?: string;
}

/** Starts a fresh etcd (or cluster) and resolves when every member serves clients. */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdCluster> {
  const count = options.members ?? 1;
  const workDir = mkdtempSync(join(tmpdir(), 'weft-etcd-'));
  const specs: EtcdMemberSpec[] = [];
  for (let i = 0; i < count; i++) {
    const host = options.hosts?.[i] ?? options.host ?? '127.0.0.1';
    // Inside a namespace the root namespace's free ports say nothing; pick from a quiet range instead.
    const clientPort = options.netns === undefined ? await freePort(host) : 2379 + i * 10;
    const peerPort = options.netns === undefined ? await freePort(host) : 2380 + i * 10;
    specs.push({ name: `weft${i + 1}`, host, clientPort, peerPort, ...(options.netns === undefined ? {} : { netns: options.netns }) });
  }
  const initialCluster = specs.map((s) => `${s.name}=http://${s.host}:${s.peerPort}`).join(',');
  const cluster = new EtcdCluster(specs.map((s) => new EtcdProcess(s, initialCluster, workDir)), workDir);
  try {
    await cluster.start();
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}
