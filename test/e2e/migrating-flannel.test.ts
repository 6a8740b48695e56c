// Issue 15, in-place migration: runs the "Switch over" block of docs/migrating.md ("From flanneld")
// on a host that flanneld left (test/harness/flannel-peer.ts: its device flannel.1, routes,
// neighbours and FDB entries, subnet.env, its lease in etcd), among two weft hosts, while containers
// ping across hosts every 50 ms. weft starts with the flags the guide says flanneld had and must keep
// the subnet, the VTEP MAC (the lease value stays flanneld's, byte for byte) and the device, with at
// most 1 s of lost pings. Replaced in the guide's commands: the etcd endpoint, `eth0` (the host's
// underlay link) and /run/flannel/subnet.env (one file per host: the namespaces share a filesystem);
// added: the harness's admin socket, state dir and log level.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterNetwork, startCluster, type WeftCluster } from '../harness/cluster.ts';
import { startFlannelPeer } from '../harness/flannel-peer.ts';
import { leftovers, type Host } from '../harness/netns.ts';

const guide = readFileSync(new URL('../../docs/migrating.md', import.meta.url), 'utf8');
const flannelMAC = '0e:6a:2b:11:22:04';
const flannelSubnet = '10.5.200.0/24';
const leaseKey = `/coreos.com/network/subnets/${flannelSubnet.replace('/', '-')}`;
const FLANNEL = 3;
/** 1 s of pings at -i 0.05. */
const MAX_LOST = 20;
let cluster: WeftCluster;
let prefix = '';
/** The guide's `weft daemon` command line, as the test ran it. */
let weftArgs: string[] = [];

interface Step {
  readonly argv: string[];
  readonly expected: string[];
}

/** The `$ command` lines of the flanneld section's "Switch over" block, each with the output lines under it. */
function steps(): Step[] {
  const section = guide.slice(guide.indexOf('## From flanneld'));
  const block = /```sh\n([\s\S]*?)```/.exec(section.slice(section.indexOf('### Switch over')))?.[1] ?? '';
  const out: Step[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('$ ')) out.push({ argv: line.slice(2).replace(/ &$/, '').split(/\s+/), expected: [] });
    else if (line.trim() !== '') out.at(-1)?.expected.push(line);
  }
  return out;
}

const squash = (lines: readonly string[]): string[] => lines.map((l) => l.trim().split(/\s+/).join(' ')).filter((l) => l !== '');

async function sh(host: Host, args: string[]): Promise<string> {
  const [cmd, ...rest] = args;
  const r = await cluster.bed.exec(host.ns, cmd ?? '', rest);
  if (r.code !== 0) throw new Error(`${args.join(' ')} in ${host.ns}: ${r.stderr}`);
  return r.stdout;
}

/** The key's value and etcd lease ID (decimal), as etcd holds them. */
async function leaseEntry(): Promise<{ value: string; lease: string }> {
  const text = await sh(cluster.bed.host(1), ['etcdctl', '--endpoints', cluster.etcd.endpoint, 'get', leaseKey, '-w', 'json']);
  const kv = (JSON.parse(text) as { kvs?: { value: string }[] }).kvs?.[0];
  // Lease IDs exceed 2^53: read from the text, not through JSON.parse.
  return { value: Buffer.from(kv?.value ?? '', 'base64').toString('utf8'), lease: /"lease":(\d+)/.exec(text)?.[1] ?? '0' };
}

/** Routes, permanent neighbours and FDB entries on a device, sorted. */
async function deviceState(host: Host, dev: string): Promise<string[]> {
  const lines = [
    ...(await sh(host, ['ip', 'route', 'show', 'dev', dev])).split('\n').map((l) => `route ${l}`),
    ...(await sh(host, ['ip', 'neigh', 'show', 'dev', dev, 'nud', 'permanent'])).split('\n').map((l) => `neigh ${l}`),
    ...(await sh(host, ['bridge', 'fdb', 'show', 'dev', dev])).split('\n').map((l) => `fdb ${l}`),
  ];
  return squash(lines).filter((l) => !/^(route|neigh|fdb)$/.test(l)).sort();
}

/**
 * A continuous ping (every 50 ms) that `stop()` ends with SIGINT, as an operator's Ctrl-C;
 * `answered` resolves with its first reply.
 */
function continuousPing(fromNs: string, ip: string): { answered: Promise<void>; stop(): Promise<{ sent: number; received: number }> } {
  const child: ChildProcess = cluster.bed.spawn(fromNs, 'ping', ['-n', '-i', '0.05', ip], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let answer = (): void => undefined;
  const answered = new Promise<void>((resolve) => (answer = resolve));
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    if (out.includes(' bytes from ')) answer();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    answered,
    async stop() {
      child.kill('SIGINT');
      await exited;
      const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
      if (m === null) throw new Error(`no ping summary from ${fromNs} to ${ip}: ${out}`);
      return { sent: Number(m[1]), received: Number(m[2]) };
    },
  };
}

beforeAll(async () => {
  cluster = await startCluster({ hosts: 3, containersPerHost: 1, daemons: 2 });
  prefix = cluster.bed.prefix;
  await startFlannelPeer(cluster, cluster.bed.host(FLANNEL), {
    subnet: flannelSubnet, vtepMAC: flannelMAC, network: clusterNetwork, subnetFile: cluster.hosts[FLANNEL - 1]!.subnetFile,
  });
});

afterAll(async () => {
  await cluster?.teardown();
  if (prefix !== '') expect(await leftovers(prefix)).toEqual({ namespaces: [], links: [] });
});

describe('switching a flanneld host to weft in place (docs/migrating.md, "From flanneld")', () => {
  it('keeps subnet, VTEP MAC and device, with at most 1 s of lost pings', async () => {
    const host = cluster.bed.host(FLANNEL);
    const h = cluster.hosts[FLANNEL - 1]!;
    const near = cluster.bed.container(1, 1);
    const far = cluster.bed.container(FLANNEL, 1);
    // Containers talk across hosts while flanneld's state is all there is on host 3.
    for (const [a, b] of [[near, far], [far, near]] as const) {
      const r = await cluster.bed.ping(a.ns, cluster.containerIP(b));
      expect(r.ok, r.output).toBe(true);
    }
    const before = { lease: await leaseEntry(), device: await deviceState(host, 'flannel.1') };
    const pings = [continuousPing(near.ns, cluster.containerIP(far)), continuousPing(far.ns, cluster.containerIP(near))];
    await Promise.all(pings.map((p) => p.answered));

    const all = steps();
    expect(all.map((s) => s.argv[0])).toEqual(['systemctl', 'systemctl', 'weft', 'ip', 'cat']);
    let flanneldFlags: string[] = [];
    for (const step of all) {
      const swap = (a: string): string => a.replace('http://10.0.0.1:2379', cluster.etcd.endpoint).replace(/=eth0$/, `=${host.link}`).replace('/run/flannel/subnet.env', h.subnetFile);
      const [command, ...args] = step.argv;
      if (command === 'systemctl' && args[0] === 'show') {
        // What flanneld ran with: the flags weft must be given unchanged.
        flanneldFlags = (step.expected[0] ?? '').split(/\s+/).slice(1);
        expect(flanneldFlags.length).toBeGreaterThan(0);
      } else if (command === 'systemctl') {
        // `systemctl stop flanneld`: the test's flanneld is its state only (flannel-peer.ts), no process.
        expect(args).toEqual(['stop', 'flanneld']);
      } else if (command === 'weft') {
        expect(args.slice(1)).toEqual(flanneldFlags);
        weftArgs = [...args.map(swap), '--subnet-file', h.subnetFile, '--admin-socket', h.socket, '--daemon-state-dir', h.stateDir, '--log-level', 'info'];
        await cluster.startDaemon(FLANNEL, weftArgs);
      } else if (command === 'ip') {
        expect(squash((await sh(host, ['ip', ...args])).split('\n'))).toEqual(squash(step.expected));
      } else if (command === 'cat') {
        expect(squash(readFileSync(swap(args[0] ?? ''), 'utf8').split('\n'))).toEqual(squash(step.expected));
      } else {
        throw new Error(`the guide runs ${String(command)}, which this test does not know`);
      }
    }
    // A second of weft running (its resync, the peers' reaction to the lease rewrite) inside the count.
    await new Promise((r) => setTimeout(r, 1_000));
    const results = await Promise.all(pings.map((p) => p.stop()));
    const lost = results.map((r) => r.sent - r.received);
    console.log(`flanneld -> weft in place: pings h1->h3 and h3->h1 every 50 ms: ${JSON.stringify(results)}, lost ${JSON.stringify(lost)}`);
    for (const [i, r] of results.entries()) expect(r.sent - r.received, `direction ${i}`).toBeLessThanOrEqual(MAX_LOST);

    // Same subnet and MAC: flanneld's lease value, now on weft's etcd lease.
    const after = await leaseEntry();
    expect(after.value).toBe(before.lease.value);
    expect(after.lease).not.toBe(before.lease.lease);
    expect(readFileSync(join(h.stateDir, 'overlay', 'vtep-mac'), 'utf8').trim()).toBe(flannelMAC);
    // Same device, untouched; no second one.
    expect(await deviceState(host, 'flannel.1')).toEqual(before.device);
    expect((await cluster.bed.exec(host.ns, 'ip', ['link', 'show', 'weft.1'])).code).not.toBe(0);
    // The weft peers still hold flanneld's MAC for host 3.
    for (const n of [1, 2]) {
      expect(await sh(cluster.bed.host(n), ['bridge', 'fdb', 'show', 'dev', 'weft.1'])).toContain(`${flannelMAC} dst ${host.ip} self permanent`);
    }
  });

  it('rolls back as the guide says: a stopped weft leaves device, routes and lease for flanneld', async () => {
    const host = cluster.bed.host(FLANNEL);
    const held = await leaseEntry();
    expect(await cluster.stopDaemon(FLANNEL)).toBe(0);
    expect(await sh(host, ['ip', '-br', 'link', 'show', 'flannel.1'])).toContain(flannelMAC);
    expect(await leaseEntry()).toEqual(held);
    const r = await cluster.bed.ping(cluster.bed.container(1, 1).ns, cluster.containerIP(cluster.bed.container(FLANNEL, 1)));
    expect(r.ok, r.output).toBe(true);
  });

  it('takes the subnet from subnet.env (flanneld\'s path and format) when the lease expired while weft was stopped', async () => {
    const held = await leaseEntry();
    await sh(cluster.bed.host(1), ['etcdctl', '--endpoints', cluster.etcd.endpoint, 'del', leaseKey]);
    const h = await cluster.startDaemon(FLANNEL, weftArgs);
    expect(h.log).toContain('"reason":"previous"');
    expect((await leaseEntry()).value).toBe(held.value);
    expect(readFileSync(h.subnetFile, 'utf8')).toContain('FLANNEL_SUBNET=10.5.200.1/24');
    const r = await cluster.bed.ping(cluster.bed.container(1, 1).ns, cluster.containerIP(cluster.bed.container(FLANNEL, 1)));
    expect(r.ok, r.output).toBe(true);
  });
});
