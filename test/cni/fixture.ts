// A host for weft-cni's integration tests: a host netns (test/harness/netns.ts) where the plugin
// runs as the runtime would run it (`ip netns exec HOST node cni/main.ts`), container namespaces
// without interfaces (the bridge plugin makes them), a real admin API (AdminServer) whose DNS
// routes are a real DNS area on a real etcd, a subnet file, and counters of what could leak.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { Registry } from 'prom-client';
import { AdminServer } from '../../src/admin/index.ts';
import type { DnsArea } from '../../src/dns/index.ts';
import { HostLease } from '../../src/etcd/index.ts';
import { startDns } from '../dns/harness.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { testClient } from '../harness/etcd-client.ts';
import { createTestbed, ip, type Testbed } from '../harness/netns.ts';

const repo = resolve(import.meta.dirname, '../..');
export const pinnedNode = join(repo, 'node_modules/.bin/node');
export const pluginEntry = join(repo, 'cni/main.ts');
export const network = 'weftnet';

export interface PluginRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed (a result or a CNI error), undefined when empty. */
  readonly json: Record<string, unknown> | undefined;
}

export class CniHost {
  readonly dir = mkdtempSync(join(tmpdir(), 'weft-cni-'));
  readonly socket = join(this.dir, 'weft.sock');
  readonly subnetFile = join(this.dir, 'subnet.env');
  readonly dataDir = join(this.dir, 'state');
  readonly ipamDir = join(this.dir, 'ipam');
  ready = true;
  bed!: Testbed;
  etcd!: EtcdCluster;
  client!: Etcd3;
  dns!: DnsArea;
  dnsPort = 0;
  #lease!: HostLease;
  #admin!: AdminServer;
  #containers: string[] = [];

  async start(): Promise<void> {
    this.etcd = await startEtcd();
    this.client = testClient(this.etcd.endpoints);
    this.#lease = new HostLease(this.client, { ttl: 10_000 });
    await this.#lease.start();
    // 10.77.0.0/16 plays the cluster network: registration accepts only its addresses.
    const started = await startDns(this.client, { register_allow: ['10.77.0.0/16'] }, { hostLease: this.#lease });
    this.dns = started.area;
    this.dnsPort = started.port;
    this.#admin = new AdminServer({ socket: this.socket, socketMode: 0o600, listen: '' }, {
      readiness: () => ({ ready: this.ready, areas: { subnet: this.ready ? { ready: true } : { ready: false, reason: 'no lease yet' } } }),
      status: () => ({}),
      registries: () => [new Registry()],
      routes: () => this.dns.routes,
    });
    await this.#admin.start();
    this.writeSubnetFile('10.77.3.1/24');
    this.bed = await createTestbed({ hosts: 1 });
  }

  writeSubnetFile(subnet: string, network = '10.77.0.0/16'): void {
    writeFileSync(this.subnetFile, `FLANNEL_NETWORK=${network}\nFLANNEL_SUBNET=${subnet}\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n`);
  }

  get hostNs(): string {
    return this.bed.host(1).ns;
  }

  /** A container namespace with only `lo`, as a runtime creates it before ADD. */
  async container(): Promise<string> {
    const ns = `${this.bed.prefix}k${this.#containers.length + 1}`;
    await ip(['netns', 'add', ns]);
    this.#containers.push(ns);
    return ns;
  }

  async removeContainer(ns: string): Promise<void> {
    await ip(['netns', 'del', ns]);
    this.#containers = this.#containers.filter((c) => c !== ns);
  }

  conf(extra: Record<string, unknown> = {}, cniVersion = '1.1.0'): Record<string, unknown> {
    return { cniVersion, name: network, type: 'weft-cni', subnetFile: this.subnetFile, dataDir: this.dataDir, adminSocket: this.socket, ipam: { dataDir: this.ipamDir }, ...extra };
  }

  /** Runs the plugin in the host netns with the CNI environment a runtime sets. */
  run(command: string, env: Record<string, string>, stdin: unknown, started?: (pid: number) => void): Promise<PluginRun> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn('ip', ['netns', 'exec', this.hostNs, pinnedNode, pluginEntry], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CNI_COMMAND: command, CNI_PATH: '/usr/lib/cni', ...env },
        timeout: 60_000,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      if (child.pid !== undefined) started?.(child.pid);
      child.on('close', (status) => {
        let json: Record<string, unknown> | undefined;
        if (stdout.trim() !== '') json = JSON.parse(stdout) as Record<string, unknown>;
        resolvePromise({ status, stdout, stderr, json });
      });
      child.stdin.end(typeof stdin === 'string' ? stdin : JSON.stringify(stdin));
    });
  }

  attachment(containerId: string, ns: string, extra: Record<string, string> = {}): Record<string, string> {
    return { CNI_CONTAINERID: containerId, CNI_NETNS: `/run/netns/${ns}`, CNI_IFNAME: 'eth0', ...extra };
  }

  /** What an attachment can leave behind: veths on the host, host-local reservations, DNS keys, state files. */
  async leaks(): Promise<{ veths: number; reservations: string[]; dnsKeys: string[]; stateFiles: string[] }> {
    const links = await ip(['-n', this.hostNs, '-o', 'link', 'show', 'type', 'veth']);
    const list = (dir: string): string[] => {
      try {
        return readdirSync(dir);
      } catch {
        return [];
      }
    };
    return {
      // The host's own underlay interface is a veth too; only the bridge plugin's count.
      veths: links.split('\n').filter((l) => l.trim() !== '' && !l.includes(` ${this.bed.host(1).link}@`)).length,
      reservations: list(join(this.ipamDir, network)).filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip')),
      dnsKeys: await this.client.getAll().prefix('/skydns/').keys(),
      stateFiles: list(join(this.dataDir, network)),
    };
  }

  async stop(): Promise<void> {
    for (const ns of this.#containers) await ip(['netns', 'del', ns]).catch(() => undefined);
    await this.bed?.teardown();
    await this.#admin?.stop();
    await this.dns?.stop();
    await this.#lease?.stop({ revoke: true });
    this.client?.close();
    await this.etcd?.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
