// Issue 17 item 3: the daemon runs under the restrictions scripts/weft.service states. PID 1 here is
// not systemd, so test/harness/unit-sandbox.ts applies them with setpriv/prlimit/unshare, reading
// them from the unit file (what it emulates and what not is listed there). One host namespace,
// etcd on the underlay, the daemon with subnet + overlay + ip-masq + DNS on :53, notify via
// weft-notify-exec (the unit's ExecStart helper) to a stand-in notify socket.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest } from '../../src/admin/client.ts';
import { startCluster, type WeftCluster } from '../harness/cluster.ts';
import { leftovers } from '../harness/netns.ts';
import { NotifySocket } from '../harness/notify-socket.ts';
import { capabilityNames, restrictedArgv } from '../harness/unit-sandbox.ts';
import { weftMain } from '../harness/weft-process.ts';

const unitFile = new URL('../../scripts/weft.service', import.meta.url).pathname;
const notifyExec = new URL('../../scripts/weft-notify-exec', import.meta.url).pathname;
let cluster: WeftCluster;
let dir: string;
let notify: NotifySocket;
let pid: number;
let log = '';

function status(field: string): string {
  return new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '';
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} never happened; daemon log:\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  cluster = await startCluster({ hosts: 1, containersPerHost: 0, daemons: 0 });
  dir = mkdtempSync(join(tmpdir(), 'weft-unit-'));
  notify = await NotifySocket.open(join(dir, 'notify.sock'));
  const host = cluster.bed.hosts[0]!;
  // The daemon's paths are its defaults: /run/weft, /run/flannel/subnet.env, /var/lib/weft.
  const daemon = [notifyExec, process.execPath, weftMain, 'daemon', '--etcd-endpoints', cluster.etcd.endpoint, '--iface', host.link, '--public-ip', host.ip, '--ip-masq', '--dns-enabled', '--dns-listen', `${host.ip}:53`, '--no-dns-forward', '--overlay-resync-interval', '2s'];
  // The checkout (and the Node running the tests) stay visible when it lives under /tmp or /root,
  // which PrivateTmp and ProtectHome cover: a CI clone often does; an installed weft is in /opt.
  const keep = [fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, ''), dirname(dirname(process.execPath))];
  const [command, ...args] = restrictedArgv(unitFile, daemon, { notifySocket: notify.path, scratch: join(dir, 'scratch'), keep });
  const child = cluster.bed.spawn(host.ns, command!, args, {
    env: { ...process.env, NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '2000000' },
  });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  pid = child.pid!;
});

afterAll(async () => {
  notify?.close();
  await cluster?.teardown();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  expect(await leftovers(cluster.bed.prefix)).toEqual({ namespaces: [], links: [] });
});

describe("weft daemon under the unit file's restrictions", () => {
  it('runs with exactly the bounding set, no_new_privs and the file limit of the unit', async () => {
    await until('READY=1', () => (notify.messages.includes('READY=1') ? true : undefined));
    expect(capabilityNames(BigInt(`0x${status('CapBnd')}`))).toEqual(['CAP_NET_BIND_SERVICE', 'CAP_NET_ADMIN', 'CAP_NET_RAW']);
    expect(capabilityNames(BigInt(`0x${status('CapEff')}`))).toEqual(['CAP_NET_BIND_SERVICE', 'CAP_NET_ADMIN', 'CAP_NET_RAW']);
    expect(status('NoNewPrivs')).toBe('1');
    const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
    const hard = execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
    expect(limits).toMatch(new RegExp(`Max open files\\s+${Math.min(65536, Number(hard))}\\s`));
  });

  it('tells systemd READY and WATCHDOG from its own PID (NotifyAccess=main), through weft-notify-exec', async () => {
    await until('WATCHDOG=1', () => (notify.messages.includes('WATCHDOG=1') ? true : undefined));
    const senders = new Set(notify.received.filter((r) => ['READY=1', 'WATCHDOG=1'].includes(r.message)).map((r) => r.pid));
    expect([...senders]).toEqual([pid]);
    expect(notify.received.find((r) => r.message.startsWith('STATUS='))?.pid).toBe(pid);
  });

  it('does its work: leases a subnet, writes subnet.env, builds the VXLAN device and masquerade rules, serves DNS on :53', async () => {
    const root = `/proc/${pid}/root`;
    const ready = await until('readyz', async () => ((await adminRequest(`${root}/run/weft/weft.sock`, 'GET', '/readyz').catch(() => undefined))?.status === 200 ? true : undefined));
    expect(ready).toBe(true);
    expect(readFileSync(`${root}/run/flannel/subnet.env`, 'utf8')).toMatch(/^FLANNEL_SUBNET=10\.5\.\d+\.1\/24$/m);
    const host = cluster.bed.hosts[0]!;
    expect((await cluster.bed.exec(host.ns, 'ip', ['-d', 'link', 'show', 'weft.1'])).stdout).toContain('vxlan id 1');
    expect((await cluster.bed.exec(host.ns, 'iptables', ['-t', 'nat', '-S'])).stdout).toContain('MASQUERADE');
    const dig = await cluster.bed.exec(host.ns, 'dig', ['+time=2', '+tries=1', `@${host.ip}`, 'weft.internal.', 'SOA']);
    expect(dig.stdout).toMatch(/->>HEADER<<- opcode: QUERY, status: (NOERROR|NXDOMAIN)/);
    expect(log).not.toMatch(/"level":"(error|fatal)"/);
  });

  it('cannot write outside the ReadWritePaths nor chown (the same sandbox, a probe command)', async () => {
    const host = cluster.bed.hosts[0]!;
    const probe = ['sh', '-c', 'touch /etc/weft-probe 2>&1; touch /usr/weft-probe 2>&1; touch /run/weft/ok && echo run-weft-ok; touch /var/lib/weft/ok && echo state-ok; chown 65534 /var/lib/weft/ok 2>&1; ls -A /tmp /root'];
    const argv = restrictedArgv(unitFile, probe, { scratch: join(dir, 'probe-scratch') });
    const run = await cluster.bed.exec(host.ns, argv[0]!, argv.slice(1));
    expect(run.stdout).toContain("touch: cannot touch '/etc/weft-probe': Read-only file system");
    expect(run.stdout).toContain("touch: cannot touch '/usr/weft-probe': Read-only file system");
    expect(run.stdout).toContain('run-weft-ok');
    expect(run.stdout).toContain('state-ok');
    expect(run.stdout).toContain('Operation not permitted');
    expect(run.stdout).toMatch(/\/root:\n\n\/tmp:\n$/); // both empty: ProtectHome, PrivateTmp
  });
});
