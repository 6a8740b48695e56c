// Helpers for the DNS integration suites: a DNS area on a free loopback port fed by a real etcd,
// dig and node's resolver pointed at it, raw UDP/TCP exchanges, and dnsmasq as an upstream.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { promises as dnsPromises } from 'node:dns';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Etcd3 } from 'etcd3';
import { defaults, type Config } from '../../src/config/index.ts';
import { createDnsArea, type DnsArea, type DnsAreaOptions } from '../../src/dns/index.ts';
import { etcdHandle, type HostLease } from '../../src/etcd/index.ts';
import { silentLogger } from '../../src/log.ts';
import { freePort } from '../harness/etcd.ts';
import { renderDig, type Rendered } from './render.ts';

const run = promisify(execFile);

export function dnsConfig(dns: Partial<Config['dns']> = {}): Pick<Config, 'dns'> {
  return { dns: { ...defaults().dns, enabled: true, listen: ['127.0.0.1:0'], forward: false, ...dns } };
}

export async function startDns(
  etcd: Etcd3,
  dns: Partial<Config['dns']> = {},
  extra: { hostLease?: HostLease; resolvConf?: string } = {},
): Promise<{ area: DnsArea; port: number }> {
  const options: DnsAreaOptions = { config: dnsConfig(dns), etcd: etcdHandle(etcd, extra.hostLease), logger: silentLogger, ...(extra.resolvConf === undefined ? {} : { resolvConf: extra.resolvConf }) };
  const area = createDnsArea(options);
  await area.start();
  await area.synced();
  return { area, port: area.addresses[0]?.port ?? 0 };
}

export interface DigOptions {
  readonly port: number;
  readonly server?: string;
  readonly args?: readonly string[];
}

/** Runs dig against our server and parses its output. */
export async function dig(name: string, type: string, options: DigOptions): Promise<Rendered & { raw: string }> {
  const argv = [`@${options.server ?? '127.0.0.1'}`, '-p', String(options.port), '+nocmd', '+nostats', '+noquestion', '+nocookie', '+tries=1', '+time=3', ...(options.args ?? []), name, type];
  const { stdout } = await run('dig', argv, { timeout: 10_000 });
  return { ...renderDig(stdout), raw: stdout };
}

export function nodeResolver(port: number): dnsPromises.Resolver {
  const resolver = new dnsPromises.Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  return resolver;
}

/** One UDP exchange from `bindAddress` (e.g. 127.0.0.2 to be a client outside the allow list). */
export function udpExchange(port: number, message: Buffer, options: { bindAddress?: string; timeoutMs?: number } = {}): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      resolve(undefined);
    }, options.timeoutMs ?? 2000);
    socket.on('error', (error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
    socket.on('message', (reply) => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    });
    socket.bind({ address: options.bindAddress ?? '127.0.0.1', port: 0 }, () => socket.send(message, port, '127.0.0.1'));
  });
}

export function tcpExchange(port: number, message: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('TCP exchange timed out'));
    }, 5000);
    socket.on('error', reject);
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(message.length);
      socket.write(Buffer.concat([length, message]));
    });
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length >= 2 && buffered.length >= buffered.readUInt16BE(0) + 2) {
        clearTimeout(timer);
        socket.destroy();
        resolve(buffered.subarray(2, buffered.readUInt16BE(0) + 2));
      }
    });
  });
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, stepMs = 25): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

/** dnsmasq as an upstream on a free loopback port, answering from a hosts file; killed by PID. */
export class Dnsmasq {
  readonly port: number;
  readonly dir: string;
  readonly child: ChildProcess;

  private constructor(port: number, dir: string, child: ChildProcess) {
    this.port = port;
    this.dir = dir;
    this.child = child;
  }

  static async start(hosts: string, extraArgs: readonly string[] = [], port?: number): Promise<Dnsmasq> {
    const chosen = port ?? (await freePort());
    const dir = mkdtempSync(join(tmpdir(), 'weft-dnsmasq-'));
    writeFileSync(join(dir, 'hosts'), hosts);
    const child = spawn(
      '/usr/sbin/dnsmasq',
      ['--keep-in-foreground', '--no-resolv', '--no-hosts', `--port=${chosen}`, '--listen-address=127.0.0.1', '--bind-interfaces', `--addn-hosts=${join(dir, 'hosts')}`, '--user=root', '--pid-file=', ...extraArgs],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const server = new Dnsmasq(chosen, dir, child);
    // Ready when it answers a query for a name in its hosts file (or anything at all).
    const probe = Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 5, 0x70, 0x72, 0x6f, 0x62, 0x65, 0, 0, 1, 0, 1]);
    await waitFor(async () => (await udpExchange(chosen, probe, { timeoutMs: 200 })) !== undefined, 10_000, 50);
    return server;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
