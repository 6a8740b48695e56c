// The cluster every traffic-carrying scenario breaks: 3 hosts on network namespaces, etcd in the
// underlay, `weft daemon` (subnet, overlay, DNS, services) on each; host 1 also runs the proxy and
// a confd resource watching /chaos/watch (and one writing into a 256 KiB tmpfs, for disk-full).
// Containers: one per host on weftbr0; the ones on hosts 2 and 3 serve HTTP as service `web`.
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminRequest } from '../../src/admin/client.ts';
import { startCluster, type WeftCluster } from '../../test/harness/cluster.ts';

const nameServer = join(import.meta.dirname, '..', '..', 'test', 'services', 'name-server.ts');

const resource = (name: string, dest: string, key: string): string =>
  `[template]\nsrc = "${name}.tmpl"\ndest = "${dest}"\nkeys = ["${key}"]\nmode = "0644"\n`;

export class ChaosWorld {
  readonly cluster: WeftCluster;
  readonly dir: string;
  readonly dnsName = 'chaos.weft.internal';
  readonly serviceHost = 'web.chaos.test';
  readonly watchFile: string;
  /** Rendered from /chaos/tick, which the traffic changes every second. */
  readonly tickFile: string;
  readonly fullDir: string;
  readonly #servers: ChildProcess[] = [];

  private constructor(cluster: WeftCluster, dir: string) {
    this.cluster = cluster;
    this.dir = dir;
    this.watchFile = join(dir, 'out', 'watch.conf');
    this.tickFile = join(dir, 'out', 'tick.conf');
    this.fullDir = join(dir, 'full');
  }

  static async start(options: { hostLeaseTtl?: string; etcdMembers?: number } = {}): Promise<ChaosWorld> {
    const dir = mkdtempSync(join(tmpdir(), 'weft-chaos-'));
    for (const sub of ['conf.d', 'templates', 'out', 'full']) mkdirSync(join(dir, sub));
    // A tiny filesystem for the disk-full resource; mounted before the daemons start so their
    // mount namespaces (ip netns exec) have it.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'weft-chaos', join(dir, 'full')]);
    writeFileSync(join(dir, 'conf.d', 'watch.toml'), resource('watch', join(dir, 'out', 'watch.conf'), '/chaos/watch'));
    writeFileSync(join(dir, 'templates', 'watch.tmpl'), 'value {{getv "/chaos/watch"}}\n');
    writeFileSync(join(dir, 'conf.d', 'tick.toml'), resource('tick', join(dir, 'out', 'tick.conf'), '/chaos/tick'));
    writeFileSync(join(dir, 'templates', 'tick.tmpl'), 'value {{getv "/chaos/tick"}}\n');
    writeFileSync(join(dir, 'conf.d', 'disk.toml'), resource('disk', join(dir, 'full', 'disk.conf'), '/chaos/disk'));
    writeFileSync(join(dir, 'templates', 'disk.tmpl'), 'value {{getv "/chaos/disk"}}\n');
    try {
      const cluster = await startCluster({
        hosts: 3,
        containersPerHost: 1,
        etcdMembers: options.etcdMembers ?? 1,
        extraDaemonArgs: ['--dns-enabled', '--dns-listen', '0.0.0.0:53', '--no-dns-forward', '--etcd-host-lease-ttl', options.hostLeaseTtl ?? '60s'],
        hostDaemonArgs: (n) => (n !== 1 ? [] : ['--proxy-enabled', '--proxy-listen', '0.0.0.0:8080', '--proxy-route-file', join(dir, 'routes.toml'), '--proxy-dial-timeout', '1s', '--templates-enabled', '--templates-confdir', dir]),
        beforeDaemons: async (bed, etcd) => {
          const endpoint = etcd.endpoints.join(',');
          for (const [key, value] of [['/chaos/watch', 'v0'], ['/chaos/tick', 't0'], ['/chaos/disk', 'd0'], ['/skydns/internal/weft/chaos', '{"host":"10.5.200.1"}']] as const) {
            await bed.exec(bed.host(1).ns, 'etcdctl', ['--endpoints', endpoint, 'put', key, value]);
          }
        },
      });
      const world = new ChaosWorld(cluster, dir);
      await world.#startService();
      return world;
    } catch (error) {
      execFileSync('umount', [join(dir, 'full')]);
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  containerIP(host: number): string {
    return this.cluster.containerIP(this.cluster.bed.container(host, 1));
  }

  async weft(host: number, args: readonly string[]): Promise<string> {
    const r = await this.cluster.weft(this.cluster.bed.host(host), args);
    if (r.code !== 0) throw new Error(`weft ${args.join(' ')} on host ${host}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  }

  async etcdctl(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const { bed, etcd } = this.cluster;
    return bed.exec(bed.underlay.ns, 'etcdctl', ['--endpoints', etcd.endpoints.join(','), '--command-timeout', '2s', ...args]);
  }

  async #startService(): Promise<void> {
    await this.weft(1, ['service', 'add', 'web', '--rule', `Host(\`${this.serviceHost}\`)`, '--health-path', '/healthz', '--health-interval', '500ms', '--health-timeout', '400ms', '--middleware', '{"retry":{"attempts":3}}', '--etcd-endpoints', this.cluster.etcd.endpoint]);
    for (const n of [2, 3]) {
      const child = this.cluster.bed.spawn(this.cluster.bed.container(n, 1).ns, process.execPath, [nameServer, `web-h${n}`, '8080']);
      this.#servers.push(child);
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout?.setEncoding('utf8').on('data', (chunk: string) => ((out += chunk), out.includes('listening') && resolve()));
        child.once('exit', (code) => reject(new Error(`name server on host ${n} exited ${code}`)));
      });
      await this.weft(n, ['service', 'register', 'web', `http://${this.containerIP(n)}:8080`, '--socket', this.cluster.hosts[n - 1]!.socket]);
    }
    const routes = join(this.dir, 'routes.toml');
    await this.until('both servers in the route file', async () => {
      const text = readFileSafe(routes);
      return text.includes(this.containerIP(2)) && text.includes(this.containerIP(3));
    }, 30_000);
    await this.until('the watch file rendered', async () => readFileSafe(this.watchFile) === 'value v0\n', 30_000);
    for (const [from, to] of [[1, 2], [2, 3], [3, 1]] as const) {
      await this.until(`ping container ${from} -> ${to}`, async () => (await this.cluster.bed.ping(this.cluster.bed.container(from, 1).ns, this.containerIP(to))).ok, 30_000);
    }
  }

  /** Polls `check` every 20 ms; returns the milliseconds it took. */
  async until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
    const begun = Date.now();
    while (!(await check())) {
      if (Date.now() - begun > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return Date.now() - begun;
  }

  async status(host: number): Promise<Record<string, unknown>> {
    return (await adminRequest(this.cluster.hosts[host - 1]!.socket, 'GET', '/v1/status')).body as Record<string, unknown>;
  }

  async teardown(): Promise<void> {
    for (const child of this.#servers) child.kill('SIGKILL');
    await this.cluster.teardown();
    execFileSync('umount', ['-l', this.fullDir]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
