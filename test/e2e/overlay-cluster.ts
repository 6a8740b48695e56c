// Shared by the overlay e2e tests: overlay drivers in host namespaces, a container bridge per
// host, and a flannel-configured host. Addressing (reusable by the demo): cluster network
// 10.5.0.0/16; host N leases 10.5.N.0/24; in host N a bridge `weftbr0` owns 10.5.N.1/24 and
// container M's host-side veth is its port; container M is 10.5.N.(10+M)/24, default via 10.5.N.1;
// the VXLAN device weft.1 holds 10.5.N.0/32 (flannel's layout).
import { createInterface } from 'node:readline';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Host, Testbed } from '../harness/netns.ts';
import type { Lease } from '../../src/overlay/lease.ts';
import type { OverlayOptions } from '../../src/overlay/index.ts';

export const NETWORK = '10.5.0.0/16';
export const VNI = 1;
export const BRIDGE = 'weftbr0';
const driverPath = new URL('./overlay-driver.ts', import.meta.url).pathname;

export const subnetOf = (n: number): string => `10.5.${n}.0/24`;
export const containerIP = (n: number, m: number): string => `10.5.${n}.${10 + m}`;

export interface DriverEvent {
  event: string;
  vtepMAC?: string;
  seq?: number;
  ready?: boolean;
  status?: { device?: string; peers?: number; lastPass?: unknown };
}

export interface Driver {
  host: Host;
  child: ChildProcess;
  vtepMAC: string;
  stateDir: string;
  stderr: string[];
  /** Hands a lease set over and resolves once the overlay has reconciled it. */
  setLeases(self: Lease, peers: Lease[]): Promise<DriverEvent>;
  /** Clean stop through stdin; resolves when the process has exited. */
  stop(): Promise<void>;
}

export function defaultOptions(host: Host, stateDir: string, over: Partial<OverlayOptions> = {}): OverlayOptions {
  return {
    network: NETWORK, iface: host.link, publicIP: host.ip, port: 0, device: '', mtu: 0, directRouting: false,
    resyncIntervalMs: 2_000, stateDir, ipMasq: false, ipMasqCleanup: true, ...over,
  };
}

export async function startDriver(bed: Testbed, host: Host, over: Partial<OverlayOptions> = {}, stateDir?: string): Promise<Driver> {
  const dir = stateDir ?? (await mkdtemp(join(tmpdir(), `weft-overlay-h${host.index}-`)));
  const child = bed.spawn(host.ns, process.execPath, [driverPath, JSON.stringify(defaultOptions(host, dir, over))], { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const waiting: ((e: DriverEvent) => void)[] = [];
  const events: DriverEvent[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const event = JSON.parse(line) as DriverEvent;
    const w = waiting.shift();
    if (w) w(event);
    else events.push(event);
  });
  const next = (timeoutMs = 20_000): Promise<DriverEvent> => {
    const queued = events.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`driver on ${host.ns}: no event in ${timeoutMs} ms; stderr:\n${stderr.join('\n')}`)), timeoutMs);
      waiting.push((e) => {
        clearTimeout(t);
        resolve(e);
      });
    });
  };
  const started = await next();
  if (started.event !== 'started' || started.vtepMAC === undefined) throw new Error(`driver did not start: ${JSON.stringify(started)} ${stderr.join('\n')}`);
  let seq = 0;
  return {
    host, child, vtepMAC: started.vtepMAC, stateDir: dir, stderr,
    async setLeases(self, peers) {
      seq++;
      child.stdin!.write(`${JSON.stringify({ self, peers, seq })}\n`);
      const event = await next();
      if (event.event !== 'settled' || event.seq !== seq) throw new Error(`unexpected driver event ${JSON.stringify(event)}`);
      return event;
    },
    async stop() {
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      child.stdin!.write(`${JSON.stringify({ stop: true })}\n`);
      await exited;
    },
  };
}

export const leaseOf = (n: number, host: Host, vtepMAC: string): Lease => ({
  subnet: subnetOf(n), publicIP: host.ip, backendType: 'vxlan', vni: VNI, vtepMAC,
});

/** Bridge `weftbr0` = 10.5.N.1/24 in host N; each container gets 10.5.N.(10+M)/24 via it. */
export async function wireContainers(bed: Testbed, host: Host, n: number): Promise<void> {
  const run = async (args: string[]): Promise<void> => {
    const r = await bed.exec(host.ns, 'ip', args);
    if (r.code !== 0) throw new Error(`ip ${args.join(' ')} in ${host.ns}: ${r.stderr}`);
  };
  await run(['link', 'add', BRIDGE, 'type', 'bridge']);
  await run(['addr', 'add', `10.5.${n}.1/24`, 'dev', BRIDGE]);
  await run(['link', 'set', BRIDGE, 'up']);
  for (const c of host.containers) {
    await run(['link', 'set', c.hostLink, 'master', BRIDGE]);
    await bed.addressContainer(c, `${containerIP(n, c.index)}/24`, `10.5.${n}.1`);
  }
}

/** What `ip` shows on a host for the overlay: routes into the cluster network, neighbours, fdb. */
export async function kernelView(bed: Testbed, host: Host, device = `weft.${VNI}`): Promise<{ routes: string[]; neigh: string[]; fdb: string[]; link: string }> {
  const lines = async (cmd: string, args: string[]): Promise<string[]> =>
    (await bed.exec(host.ns, cmd, args)).stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  return {
    routes: (await lines('ip', ['route', 'show', 'root', NETWORK])).filter((l) => l.includes(`dev ${device}`)),
    neigh: await lines('ip', ['neigh', 'show', 'dev', device, 'nud', 'permanent']),
    fdb: (await lines('bridge', ['fdb', 'show', 'dev', device])).filter((l) => l.includes(' dst ')),
    link: (await bed.exec(host.ns, 'ip', ['-d', 'link', 'show', device])).stdout,
  };
}

/** Polls `check` every 10 ms until it is true; resolves with the elapsed ms, or rejects after `ms`. */
export async function waitFor(check: () => Promise<boolean>, ms: number, what: string): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    if (await check()) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${what}: not within ${ms} ms`);
}
