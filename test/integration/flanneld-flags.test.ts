// `weft daemon` started the way a flanneld unit file starts flanneld: flanneld's flags (one dash or
// two) and FLANNELD_* variables, against a real etcd. The overlay is off (no devices in the test
// host's namespace); the underlay the subnet area chose is what the overlay would be handed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest } from '../../src/admin/client.ts';
import { weftVersion } from '../../src/version.ts';
import { freePort, startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { testClient } from '../harness/etcd-client.ts';
import { runWeft, WeftProcess } from '../harness/weft-process.ts';

let cluster: EtcdCluster;
const cleanups: (() => unknown)[] = [];
beforeAll(async () => {
  cluster = await startEtcd();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await cluster.destroy();
});

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-flanneld-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function networkAt(prefix: string): Promise<void> {
  const client = testClient(cluster.endpoints);
  await client.put(`${prefix}/config`).value('{"Network":"10.7.0.0/16","Backend":{"Type":"vxlan"}}');
  client.close();
}

/** A daemon with weft's own settings kept out of the way: only flanneld's flags choose the rest. */
function startDaemon(dir: string, flags: string[], env: Record<string, string>): WeftProcess {
  const daemon = new WeftProcess(['daemon', '--no-overlay-enabled', '--no-services-enabled', '--admin-socket', join(dir, 'weft.sock'), '--daemon-state-dir', dir, ...flags], env);
  cleanups.push(async () => {
    daemon.kill('SIGTERM');
    await daemon.exited;
  });
  return daemon;
}

async function waitReady(socket: string, daemon: WeftProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const reply = await adminRequest(socket, 'GET', '/readyz').catch(() => undefined);
    if (reply?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`daemon not ready: ${reply?.text ?? 'no answer'}\n${daemon.stderr}\n${daemon.stdout.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface SubnetStatus {
  publicIP: string;
  publicIPv6: string | null;
  iface: string | null;
  prefix: string;
  lease: { subnet: string } | null;
}

async function subnetStatus(socket: string): Promise<SubnetStatus> {
  const status = (await adminRequest(socket, 'GET', '/v1/status')).body as { areas: { subnet: { status: SubnetStatus } } };
  return status.areas.subnet.status;
}

describe('weft daemon with flanneld\'s command line and environment', () => {
  it('leases with --public-ip alone (its interface found), serves /healthz on --healthz-port, flags winning over FLANNELD_*', async () => {
    const dir = workDir();
    await networkAt('/flanneld1/network');
    const port = await freePort();
    const subnetFile = join(dir, 'subnet.env');
    const daemon = startDaemon(dir, ['-public-ip', '127.0.0.1', '--public-ipv6', 'fd00::7', '--healthz-ip', '127.0.0.1', '-healthz-port', String(port), '--etcd-prefix', '/flanneld1/network', '-v=2'], {
      FLANNELD_ETCD_ENDPOINTS: cluster.endpoint,
      FLANNELD_ETCD_PREFIX: '/not/this/one',
      FLANNELD_SUBNET_FILE: subnetFile,
      FLANNELD_IP_MASQ: 'true',
      FLANNELD_SUBNET_LEASE_RENEW_MARGIN: '30',
    });
    const socket = join(dir, 'weft.sock');
    await waitReady(socket, daemon);

    const subnet = await subnetStatus(socket);
    expect(subnet).toMatchObject({ publicIP: '127.0.0.1', publicIPv6: 'fd00::7', iface: 'lo', prefix: '/flanneld1/network' });
    const env = readFileSync(subnetFile, 'utf8');
    expect(env).toContain('FLANNEL_NETWORK=10.7.0.0/16');
    expect(env).toContain('FLANNEL_IPMASQ=true');
    const client = testClient(cluster.endpoints);
    const keys = await client.getAll().prefix('/flanneld1/network/subnets/').strings();
    client.close();
    expect(Object.values(keys).map((v) => (JSON.parse(v) as { PublicIP: string }).PublicIP)).toEqual(['127.0.0.1']);

    // flanneld's health server is the read-only admin TCP listener.
    const healthz = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(healthz.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/v1/leases`, { method: 'POST' })).status).toBe(405);

    const events = daemon.logEvents();
    expect(events.find((e) => e.event === 'flannel_flag_without_effect')).toMatchObject({ flag: 'FLANNELD_SUBNET_LEASE_RENEW_MARGIN', source: 'env', level: 'warn' });
    expect(events.some((e) => e.event === 'public_ip_not_local')).toBe(false);
  });

  it('chooses the interface of FLANNELD_IFACE_CAN_REACH after an --iface that does not exist, and its route source as PublicIP', async () => {
    const dir = workDir();
    await networkAt('/flanneld2/network');
    const daemon = startDaemon(dir, ['--iface', 'weftnosuch0', '--etcd-endpoints', cluster.endpoint], {
      FLANNELD_ETCD_PREFIX: '/flanneld2/network',
      FLANNELD_SUBNET_FILE: join(dir, 'subnet.env'),
      FLANNELD_IFACE_CAN_REACH: '127.0.0.1',
    });
    const socket = join(dir, 'weft.sock');
    await waitReady(socket, daemon);
    expect(await subnetStatus(socket)).toMatchObject({ publicIP: '127.0.0.1', iface: 'lo', prefix: '/flanneld2/network' });
    expect(String(daemon.logEvents().find((e) => e.event === 'underlay_choice_skipped')?.reason)).toMatch(/no interface named weftnosuch0/);
  });

  it.each<[string, string[], Record<string, string>, RegExp]>([
    ['--kube-subnet-mgr', ['--kube-subnet-mgr'], {}, /command line: --kube-subnet-mgr: not supported by weft: .*Kubernetes subnet manager/],
    ['FLANNELD_KUBE_SUBNET_MGR', [], { FLANNELD_KUBE_SUBNET_MGR: 'true' }, /environment: FLANNELD_KUBE_SUBNET_MGR: not supported by weft/],
    ['--net-config-path', ['-net-config-path', '/etc/kube-flannel/other.json'], {}, /--net-config-path: not supported by weft: .*weft network init/],
    ['--subnet-lease-renew-margin out of range', ['--subnet-lease-renew-margin', '1440'], {}, /--subnet-lease-renew-margin: 1440 is out of flanneld's range 1\.\.1439/],
  ])('refuses %s with a problem naming it, not a usage text', async (_name, flags, env, message) => {
    const run = await runWeft(['daemon', ...flags], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/usage/i);
  });

  it('shows the overlay and log settings flanneld\'s flags and variables make (weft config show)', async () => {
    const empty = join(workDir(), 'empty.toml');
    writeFileSync(empty, '');
    const run = await runWeft(['config', 'show', '-v=2', '--iptables-resync', '7', '-ip-blackhole-route'], {
      WEFT_CONFIG: empty,
      FLANNELD_IP_MASQ_FULLY_RANDOM_DISABLE: 'true',
      FLANNELD_IPTABLES_FORWARD_RULES: 'false',
      FLANNELD_IFACE_REGEX: '^eth[0-9]{1,2}$',
    });
    expect(run.code).toBe(0);
    const { config } = JSON.parse(run.stdout) as { config: { log: { level: string }; overlay: Record<string, unknown>; subnet: Record<string, unknown> } };
    expect(config.log.level).toBe('debug');
    expect(config.overlay).toMatchObject({ resync_interval: '7s', ip_masq_random_fully: false, iptables_forward_rules: false, ip_blackhole_route: true });
    expect(config.subnet.iface_regex).toEqual(['^eth[0-9]{1,2}$']);
  });

  it.each([['--version'], ['-version']])('%s prints the version and exits 0 without reading a config', async (flag) => {
    const run = await runWeft(['daemon', flag, '--kube-subnet-mgr'], { WEFT_CONFIG: '/nonexistent/weft.toml' });
    expect(run).toMatchObject({ code: 0, stdout: `weft ${weftVersion}\n` });
  });
});
