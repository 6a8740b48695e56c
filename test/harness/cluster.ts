// A weft cluster on network namespaces: etcd in the underlay namespace, `weft daemon` (subnet +
// overlay) in each host namespace, and containers on a bridge in each host, addressed from the
// subnet the host leased. Used by the e2e suites and, through test/cni/cluster.ts, by `npm run demo`.
// Container addressing: host's subnet 10.5.X.0/24 -> bridge weftbr0 = 10.5.X.1/24 in the host,
// container M = 10.5.X.(10+M)/24 with default route via 10.5.X.1.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { adminRequest } from '../../src/admin/client.ts';
import { WeftError } from '../../src/errors.ts';
import { startEtcd, type EtcdCluster } from './etcd.ts';
import { createTestbed, type Container, type Host, type Testbed } from './netns.ts';
import { weftMain } from './weft-process.ts';

export const clusterNetwork = '10.5.0.0/16';
export const bridgeName = 'weftbr0';
/** Member `n` (1-based) of a multi-member etcd: its own address on the underlay bridge. */
export const etcdMemberIP = (n: number): string => `10.213.0.${1 + n}`;

export interface WeftHost {
  readonly host: Host;
  readonly socket: string;
  readonly subnetFile: string;
  readonly stateDir: string;
  daemon: ChildProcess | undefined;
  log: string;
}

export interface ClusterOptions {
  readonly hosts: number;
  readonly containersPerHost: number;
  /** Overlay resync interval for the daemons (repair tests use a short one). */
  readonly resyncInterval?: string;
  readonly extraDaemonArgs?: readonly string[];
  /** How host `n`'s daemon finds its underlay; default `--iface <link> --public-ip <ip>`. */
  readonly underlayArgs?: (host: Host) => readonly string[];
  /** Flags for the daemon of host `n` only (1-based), after extraDaemonArgs. */
  readonly hostDaemonArgs?: (n: number) => readonly string[];
  /** The cluster network written by `weft network init`; default 10.5.0.0/16 with /24 subnets. */
  readonly network?: string;
  /** How many of the hosts (the first ones) run weft; default all. The others are left bare. */
  readonly daemons?: number;
  /** flannel's network config JSON, put as is instead of `weft network init` (Backend.MTU, GBP, ...). */
  readonly networkConfig?: string;
  /** Runs before the daemons start (e.g. Docker's `iptables -P FORWARD DROP` in every host). */
  readonly beforeDaemons?: (bed: Testbed, etcd: EtcdCluster) => Promise<void>;
  /** Wire each host's bridge and containers into its IPv4 subnet (default true; an IPv6-only network has none). */
  readonly wireContainers?: boolean;
  /** etcd members in the underlay (default 1); with more, each has its own address (`etcdMemberIP`). */
  readonly etcdMembers?: number;
  /** The test bed's run id (4 chars [a-z0-9]; names are `weft<runId>-…`); default random. */
  readonly runId?: string;
}

export class WeftCluster {
  readonly bed: Testbed;
  readonly etcd: EtcdCluster;
  readonly dir: string;
  readonly hosts: WeftHost[];
  readonly #options: ClusterOptions;

  constructor(bed: Testbed, etcd: EtcdCluster, dir: string, options: ClusterOptions) {
    this.bed = bed;
    this.etcd = etcd;
    this.dir = dir;
    this.#options = options;
    this.hosts = bed.hosts.map((host) => ({
      host,
      socket: join(dir, `h${host.index}.sock`),
      subnetFile: join(dir, `h${host.index}.env`),
      stateDir: join(dir, `h${host.index}-state`),
      daemon: undefined,
      log: '',
    }));
  }

  /** Runs the weft CLI inside a host namespace (where etcd is reachable). */
  async weft(host: Host, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return this.bed.exec(host.ns, process.execPath, [weftMain, ...args], 60_000);
  }

  daemonArgs(h: WeftHost): string[] {
    return [
      weftMain, 'daemon',
      '--etcd-endpoints', this.etcd.endpoints.join(','),
      '--subnet-enabled', '--overlay-enabled',
      ...(this.#options.underlayArgs?.(h.host) ?? ['--iface', h.host.link, '--public-ip', h.host.ip]),
      '--admin-socket', h.socket, '--subnet-file', h.subnetFile, '--daemon-state-dir', h.stateDir,
      '--overlay-resync-interval', this.#options.resyncInterval ?? '30s',
      '--log-level', 'info',
      ...(this.#options.extraDaemonArgs ?? []),
      ...(this.#options.hostDaemonArgs?.(h.host.index) ?? []),
    ];
  }

  /**
   * Starts (or restarts) the daemon of host `n` (1-based) and waits until it is ready. `args`
   * replaces the harness's flags (after `weft`), e.g. a command line from a guide; it must still
   * name this host's admin socket (`--admin-socket`, see `socket`), which readiness is read from.
   */
  async startDaemon(n: number, args?: readonly string[]): Promise<WeftHost> {
    const h = this.hosts[n - 1];
    if (h === undefined) throw new WeftError('WEFT_E_HARNESS', `no host ${n}`);
    const argv = args === undefined ? this.daemonArgs(h) : [weftMain, ...args];
    const child = this.bed.spawn(h.host.ns, process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    h.log = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (h.log += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (h.log += chunk));
    h.daemon = child;
    await this.waitReady(h);
    return h;
  }

  async waitReady(h: WeftHost, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = await adminRequest(h.socket, 'GET', '/readyz').catch(() => undefined);
      if (reply?.status === 200) return;
      if (h.daemon?.exitCode !== null && h.daemon?.exitCode !== undefined) throw new WeftError('WEFT_E_HARNESS', `weft daemon on ${h.host.ns} exited ${h.daemon.exitCode}:\n${h.log.slice(-3000)}`);
      if (Date.now() > deadline) throw new WeftError('WEFT_E_HARNESS', `weft daemon on ${h.host.ns} not ready in ${timeoutMs} ms: ${reply?.text ?? 'no answer'}\n${h.log.slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** SIGTERM (clean stop) to the daemon we started, and waits for it to exit. */
  async stopDaemon(n: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const h = this.hosts[n - 1];
    const child = h?.daemon;
    // A daemon killed by a signal (a test's kill -9) has exited with exitCode null and signalCode set.
    if (h === undefined || child === undefined || child.exitCode !== null || child.signalCode !== null) {
      if (h !== undefined) h.daemon = undefined;
      return child?.exitCode ?? null;
    }
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    const code = await exited;
    h.daemon = undefined;
    return code;
  }

  /** The subnet host `n` leased, from its subnet.env (flannel's format). */
  subnetOf(n: number): string {
    const env = readFileSync(this.hosts[n - 1]?.subnetFile ?? '', 'utf8');
    const first = /^FLANNEL_SUBNET=(\d+\.\d+\.\d+)\.1\/24$/m.exec(env);
    if (first === null) throw new WeftError('WEFT_E_HARNESS', `unexpected subnet.env:\n${env}`);
    return `${first[1]}.0/24`;
  }

  /** Subnets of hosts that run no weft (set by the test that configures them). */
  readonly bareSubnets = new Map<number, string>();

  containerIP(container: Container): string {
    const subnet = this.bareSubnets.get(container.hostIndex) ?? this.subnetOf(container.hostIndex);
    return `${subnet.replace(/\.0\/24$/, '')}.${10 + container.index}`;
  }

  /** A bridge in each host with .1 of its subnet; each container .(10+M), default via .1. */
  async wireContainers(): Promise<void> {
    for (const h of this.hosts.slice(0, this.#options.daemons ?? this.hosts.length)) {
      await this.wireHost(h.host, this.subnetOf(h.host.index));
    }
  }

  /** Bridge and container addresses of one host for a given /24 subnet. */
  async wireHost(host: Host, subnet: string): Promise<void> {
    const base = subnet.replace(/\.0\/24$/, '');
    const run = async (args: string[]): Promise<void> => {
      const r = await this.bed.exec(host.ns, 'ip', args);
      if (r.code !== 0) throw new WeftError('WEFT_E_HARNESS', `ip ${args.join(' ')} in ${host.ns}: ${r.stderr}`);
    };
    await run(['link', 'add', bridgeName, 'type', 'bridge']);
    await run(['addr', 'add', `${base}.1/24`, 'dev', bridgeName]);
    await run(['link', 'set', bridgeName, 'up']);
    for (const c of host.containers) {
      await run(['link', 'set', c.hostLink, 'master', bridgeName]);
      await this.bed.addressContainer(c, `${base}.${10 + c.index}/24`, `${base}.1`);
    }
  }

  async teardown(): Promise<void> {
    for (let n = 1; n <= this.hosts.length; n++) await this.stopDaemon(n).catch(() => undefined);
    await this.etcd.destroy();
    await this.bed.teardown();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Builds the test bed, etcd on the underlay, the network config, the daemons, the containers. */
export async function startCluster(options: ClusterOptions): Promise<WeftCluster> {
  const bed = await createTestbed({ hosts: options.hosts, containersPerHost: options.containersPerHost, ...(options.runId === undefined ? {} : { runId: options.runId }) });
  let etcd: EtcdCluster | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'weft-cluster-'));
  try {
    const members = options.etcdMembers ?? 1;
    if (members > 1) {
      for (let i = 1; i <= members; i++) await bed.addAddress(bed.underlay.ns, bed.underlay.bridge, `${etcdMemberIP(i)}/24`);
    }
    etcd = await startEtcd(members > 1 ? { netns: bed.underlay.ns, members, hosts: Array.from({ length: members }, (_, i) => etcdMemberIP(i + 1)) } : { netns: bed.underlay.ns, host: bed.underlay.ip });
    const cluster = new WeftCluster(bed, etcd, dir, options);
    const first = bed.hosts[0];
    if (first === undefined) throw new WeftError('WEFT_E_HARNESS', 'a cluster needs at least one host');
    const init = options.networkConfig === undefined
      ? await cluster.weft(first, ['network', 'init', '--etcd-endpoints', etcd.endpoint, '--network', options.network ?? clusterNetwork, '--subnet-len', '24', '--backend', 'vxlan', '--vni', '1'])
      : await bed.exec(first.ns, 'etcdctl', ['--endpoints', etcd.endpoint, 'put', '/coreos.com/network/config', options.networkConfig]);
    if (init.code !== 0) throw new WeftError('WEFT_E_HARNESS', `writing the network config failed: ${init.stderr}`);
    await options.beforeDaemons?.(bed, etcd);
    for (let n = 1; n <= (options.daemons ?? options.hosts); n++) await cluster.startDaemon(n);
    if (options.wireContainers !== false) await cluster.wireContainers();
    return cluster;
  } catch (error) {
    await etcd?.destroy();
    await bed.teardown();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
