import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaults, type Config } from '../config/index.ts';
import { createOverlayArea, type OverlayView } from './area.ts';
import { createMemoryBackend } from './memory-backend.ts';
import { createMemoryIptables } from './memory-iptables.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The overlay area on a memory kernel whose underlay has MTU 9000, fed one view. */
async function run(network: Partial<OverlayView['network']>, overlay: Partial<Config['overlay']> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'weft-overlay-area-'));
  dirs.push(dir);
  const base = defaults();
  const config: Config = { ...base, daemon: { ...base.daemon, state_dir: dir }, overlay: { ...base.overlay, ...overlay } };
  const mem = createMemoryBackend({ index: 2, mtu: 9000, addresses: ['10.0.0.1/24'] });
  const view: OverlayView = {
    self: { subnet: '10.5.1.0/24', publicIP: '10.0.0.1', backendType: 'vxlan', vni: 1, vtepMAC: '02:00:00:00:01:01' },
    peers: [{ subnet: '10.5.2.0/24', publicIP: '10.0.0.2', backendType: 'vxlan', vni: 1, vtepMAC: '02:00:00:00:01:02' }],
    network: { cidr: '10.5.0.0/16', backendType: 'vxlan', port: 0, mtu: 0, directRouting: false, ...network },
    underlay: { iface: 'eth0', publicIP: '10.0.0.1' },
  };
  const area = createOverlayArea({ config, leases: { subscribe: (listener) => (listener(view), () => undefined) }, backend: () => mem, iptables: createMemoryIptables().run });
  await area.start(new AbortController().signal);
  for (let i = 0; i < 100 && !area.ready(); i++) await area.settled().then(() => new Promise((r) => setImmediate(r)));
  await area.stop(new Date(Date.now() + 1000));
  return mem;
}

describe('overlay area: the network config as flannel reads it', () => {
  it.each([
    ['Backend.MTU 1500 is the underlay MTU: the device gets 1450', { mtu: 1500 }, {}, 1450],
    ['no Backend.MTU: the underlay interface (9000) minus 50', {}, {}, 8950],
    ['overlay.mtu is the device MTU as is', { mtu: 1500 }, { mtu: 1400 }, 1400],
  ])('%s', async (_, network, overlay, mtu) => {
    expect((await run(network, overlay)).state.device?.mtu).toBe(mtu);
  });

  it('turns GBP and learning on where the network config says so', async () => {
    expect((await run({ gbp: true, learning: true })).state.device).toMatchObject({ gbp: true, learning: true });
    expect((await run({})).state.device).toMatchObject({ gbp: false, learning: false });
  });

  it('adds a blackhole route for the own subnet with overlay.ip_blackhole_route (flanneld --ip-blackhole-route), none by default', async () => {
    expect((await run({}, { ip_blackhole_route: true })).blackholes).toEqual(['10.5.1.0/24']);
    expect((await run({})).blackholes).toEqual([]);
  });
});
