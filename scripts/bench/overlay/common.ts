// Shared by the overlay benches (scripts/bench/overlay.ts, overlay-etcd.ts): the peer set, the
// iproute2 peer (the same routes, neighbours and FDB entries as `ip -batch` / `bridge -batch`
// lines, on a VXLAN device made by hand as weft makes it), kernel counts, and `weftob` test beds.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { RoundRecord } from '../lib/method.ts';
import { createTestbed, leftovers, newRunId, testbedNames, type Testbed } from '../../../test/harness/netns.ts';

export const device = 'weft.1';
const hex = (b: number): string => b.toString(16).padStart(2, '0');

export interface Peer {
  readonly subnet: string; // 10.x.y.0/24
  readonly gateway: string; // 10.x.y.0
  readonly publicIP: string;
  readonly vtepMAC: string;
}

/** Peer n of a bench: subnet 10.(base + n/256).(n%256).0/24, public IP 172.16.(n/256).(n%256), a MAC of its own. */
export function peerAt(n: number, base: number, macByte: number): Peer {
  const gateway = `10.${base + (n >> 8)}.${n & 255}.0`;
  return {
    subnet: `${gateway}/24`, gateway, publicIP: `172.16.${(n >> 8) & 255}.${n & 255}`,
    vtepMAC: `0e:00:${hex(macByte)}:${hex((n >> 16) & 255)}:${hex((n >> 8) & 255)}:${hex(n & 255)}`,
  };
}

/** What flannel's vxlan backend (and weft) puts in the kernel per peer, as iproute2 batch lines. */
export function batchLines(peers: readonly Peer[], how: 'add' | 'del'): { ip: string; bridge: string } {
  const ip: string[] = [];
  const bridge: string[] = [];
  for (const p of peers) {
    if (how === 'add') {
      ip.push(`neigh replace ${p.gateway} lladdr ${p.vtepMAC} dev ${device} nud permanent`);
      bridge.push(`fdb replace ${p.vtepMAC} dev ${device} dst ${p.publicIP} self permanent`);
      ip.push(`route replace ${p.subnet} via ${p.gateway} dev ${device} onlink`);
    } else {
      ip.push(`route del ${p.subnet} dev ${device}`, `neigh del ${p.gateway} dev ${device}`);
      bridge.push(`fdb del ${p.vtepMAC} dev ${device} dst ${p.publicIP} self`);
    }
  }
  return { ip: `${ip.join('\n')}\n`, bridge: `${bridge.join('\n')}\n` };
}

/** The VXLAN device as weft's reconciler makes it (VNI 1, port 8472, no learning, MTU − 50, own subnet .0/32, up). */
export function makeDevice(ns: string, underlay: string, publicIP: string, ownGateway: string): void {
  const ip = (...args: string[]): void => void execFileSync('ip', ['-n', ns, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  ip('link', 'add', device, 'type', 'vxlan', 'id', '1', 'local', publicIP, 'dev', underlay, 'dstport', '8472', 'nolearning');
  ip('link', 'set', device, 'address', '0e:ff:00:00:00:01', 'mtu', '1450');
  ip('addr', 'add', `${ownGateway}/32`, 'dev', device);
  ip('link', 'set', device, 'up');
}

/** Runs `ip -n NS -batch -` then `bridge -n NS -batch -` on `lines`, each under `prefix` (taskset); resolves when both exit 0. */
export async function applyBatch(ns: string, lines: { ip: string; bridge: string }, wrap: (cmd: string, args: string[]) => [string, string[]]): Promise<void> {
  for (const [tool, text] of [['ip', lines.ip], ['bridge', lines.bridge]] as const) {
    const [cmd, args] = wrap(tool, ['-n', ns, '-batch', '-']);
    const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.end(text);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`${tool} -batch in ${ns} exited ${code}: ${stderr.slice(0, 500)}`);
  }
}

/** Routes, neighbours and FDB entries (remote, with a dst) on the bench device. */
export function kernelCounts(ns: string): { routes: number; neigh: number; fdb: number } {
  const lines = (cmd: string, args: string[]): string[] => execFileSync(cmd, ['-n', ns, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n').filter((l) => l.trim() !== '');
  return {
    routes: lines('ip', ['-4', 'route', 'show', 'dev', device]).filter((l) => / via /.test(l)).length,
    neigh: lines('ip', ['-4', 'neigh', 'show', 'dev', device, 'nud', 'permanent']).length,
    fdb: lines('bridge', ['fdb', 'show', 'dev', device]).filter((l) => / dst /.test(l)).length,
  };
}

export function expectCounts(ns: string, n: number, what: string): void {
  const c = kernelCounts(ns);
  if (c.routes !== n || c.neigh !== n || c.fdb !== n) throw new Error(`${what}: expected ${n} routes/neigh/fdb, the kernel holds ${c.routes}/${c.neigh}/${c.fdb}`);
}

/** A run id `ob??` (so every name is `weftob??-…`) that no earlier run left behind. */
export async function benchRunId(): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const id = `ob${newRunId().slice(0, 2)}`;
    const left = await leftovers(testbedNames(id).prefix);
    if (left.namespaces.length === 0 && left.links.length === 0) return id;
  }
  throw new Error('no free weftob run id');
}

export async function benchBed(hosts = 1): Promise<Testbed> {
  return createTestbed({ hosts, runId: await benchRunId() });
}

/** Throws if anything named `weftob` is left (namespaces or root links). */
export async function assertNothingLeft(): Promise<void> {
  const left = await leftovers('weftob');
  if (left.namespaces.length > 0 || left.links.length > 0) throw new Error(`bench left ${JSON.stringify(left)}`);
}

export function toolVersion(cmd: string, args: string[], pattern: RegExp): string {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return pattern.exec(out)?.[1] ?? out.trim().split('\n')[0] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}


/** The peers of overlay-etcd: 10.100+.x.0/24 from n = 10 on, leaving out `skip` (the daemon's own lease). */
export function etcdPeers(total: number, skip = ''): Peer[] {
  const peers: Peer[] = [];
  for (let n = 10; peers.length < total; n++) {
    const p = peerAt(n, 100, 1);
    if (p.subnet !== skip) peers.push(p);
  }
  return peers;
}

/** flannel's lease key and value (json.Marshal of LeaseAttrs) for a peer. */
export function flannelLease(p: Peer): { key: string; value: string } {
  return {
    key: `/coreos.com/network/subnets/${p.subnet.replace('/', '-')}`,
    value: JSON.stringify({ PublicIP: p.publicIP, PublicIPv6: null, BackendType: 'vxlan', BackendData: { VNI: 1, VtepMAC: p.vtepMAC } }),
  };
}

/** Reads a helper process's stdout line by line; throws once it has exited. */
export function lineReader(child: ChildProcess): () => Promise<string> {
  const it = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return async () => {
    const { value, done } = await it.next();
    if (done === true) throw new Error('a bench helper process exited');
    return value;
  };
}

export function printRound(r: RoundRecord): void {
  console.log(`round ${r.round} ${r.subject.padEnd(8)} load ${r.load1.toFixed(2)}  ${Object.entries(r.figures).map(([k, v]) => `${k} ${v.toFixed(1)}`).join('  ')}`);
}
