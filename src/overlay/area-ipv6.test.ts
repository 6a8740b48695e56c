// The overlay area with flannel's EnableIPv6: a second reconciler for the IPv6 device fed each
// lease's IPv6 side; on an IPv6-only network (own lease without an IPv4 subnet) that one alone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaults, type Config } from '../config/index.ts';
import { createOverlayArea, type OverlayView } from './area.ts';
import type { Lease } from './lease.ts';
import { createMemoryBackend, type MemoryBackend } from './memory-backend.ts';
import { createMemoryIptables, type MemoryIptables } from './memory-iptables.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const lease = (n: number, v4: boolean): Lease => ({
  subnet: v4 ? `10.5.${n}.0/24` : '', publicIP: v4 ? `10.0.0.${n}` : '', backendType: 'vxlan', vni: 1, vtepMAC: v4 ? `02:00:00:00:01:0${n}` : '',
  ipv6Subnet: `fc00:5:0:${n}::/64`, publicIPv6: `fd00::${n}`, vtepMACv6: `02:00:00:00:06:0${n}`,
});

/** The area on memory kernels (one per reconciler, underlay MTU 9000), fed one view; returns the kernels. */
async function run(v4: boolean): Promise<{ kernels: MemoryBackend[]; status: unknown; iptables: MemoryIptables }> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-overlay-area6-'));
  dirs.push(dir);
  const base = defaults();
  const config: Config = { ...base, daemon: { ...base.daemon, state_dir: dir }, subnet: { ...base.subnet, ip_masq: true } };
  const iptables = createMemoryIptables();
  const kernels: MemoryBackend[] = [];
  const view: OverlayView = {
    self: lease(1, v4), peers: [lease(2, v4)],
    network: { cidr: v4 ? '10.5.0.0/16' : '', backendType: 'vxlan', port: 0, mtu: 0, directRouting: false },
    network6: { cidr: 'fc00:5::/48', subnetLen: 64, subnetMin: 'fc00:5:0:1::', subnetMax: 'fc00:5:0:ffff::' },
    underlay: { iface: 'eth0', publicIP: v4 ? '10.0.0.1' : '', publicIPv6: 'fd00::1' },
  };
  const backend = (): MemoryBackend => {
    const mem = createMemoryBackend({ index: 2, mtu: 9000, addresses: ['10.0.0.1/24'] });
    kernels.push(mem);
    return mem;
  };
  const area = createOverlayArea({ config, leases: { subscribe: (listener) => (listener(view), () => undefined) }, backend, iptables: iptables.run });
  await area.start(new AbortController().signal);
  for (let i = 0; i < 100 && !area.ready(); i++) await area.settled().then(() => new Promise((r) => setImmediate(r)));
  expect(area.notReadyReason?.()).toBeUndefined();
  const status = area.status();
  await area.stop(new Date(Date.now() + 1000));
  return { kernels, status, iptables };
}

describe('overlay area with IPv6', () => {
  it('runs the IPv4 device and the IPv6 one (MTU underlay − 70) on a dual-stack network', async () => {
    const { kernels, status } = await run(true);
    const byName = new Map(kernels.map((k) => [k.state.device?.name, k.state]));
    expect([...byName.keys()].sort()).toEqual(['weft-v6.1', 'weft.1']);
    expect(byName.get('weft.1')?.routes).toEqual([{ dst: '10.5.2.0/24', gateway: '10.5.2.0', dev: 'weft.1', onlink: true }]);
    expect(byName.get('weft-v6.1')).toMatchObject({
      device: { local: 'fd00::1', mtu: 8930, mac: '02:00:00:00:06:01', addresses: ['fc00:5:0:1::/128'] },
      routes: [{ dst: 'fc00:5:0:2::/64', gateway: 'fc00:5:0:2::', dev: 'weft-v6.1', onlink: true }],
      fdb: [{ mac: '02:00:00:00:06:02', dst: 'fd00::2' }],
    });
    expect(status).toMatchObject({ device: 'weft.1', ipv6: { device: 'weft-v6.1' } });
  });

  it('keeps flannel\'s chains in ip6tables for IPv6Network beside the iptables ones', async () => {
    const { iptables } = await run(true);
    expect(iptables.chain('filter', 'WEFT-FORWARD')).toEqual([
      '-A WEFT-FORWARD -s 10.5.0.0/16 -m comment --comment "weft forward" -j ACCEPT',
      '-A WEFT-FORWARD -d 10.5.0.0/16 -m comment --comment "weft forward" -j ACCEPT',
    ]);
    expect(iptables.chain('filter', 'WEFT-FORWARD', 6)).toEqual([
      '-A WEFT-FORWARD -s fc00:5::/48 -m comment --comment "weft forward" -j ACCEPT',
      '-A WEFT-FORWARD -d fc00:5::/48 -m comment --comment "weft forward" -j ACCEPT',
    ]);
    expect(iptables.chain('nat', 'WEFT-POSTROUTING', 6)).toContain('-A WEFT-POSTROUTING -s fc00:5::/48 ! -d ff00::/8 -m comment --comment "weft ip-masq" -j MASQUERADE --random-fully');
    expect(iptables.chain('nat', 'WEFT-POSTROUTING', 6)).toContain('-A WEFT-POSTROUTING -s fc00:5:0:1::/64 -d fc00:5::/48 -m comment --comment "weft ip-masq" -j RETURN');
  });

  it('runs the IPv6 device alone on an IPv6-only network', async () => {
    const { kernels, status } = await run(false);
    expect(kernels.map((k) => k.state.device?.name)).toEqual(['weft-v6.1']);
    expect(status).toMatchObject({ device: 'weft-v6.1' });
  });
});
