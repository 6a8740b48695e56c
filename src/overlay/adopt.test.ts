import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adoptable, adoptedMac, defaultDeviceName, type LinkFacts } from './adopt.ts';
import type { VxlanDevice } from './kernel-state.ts';
import type { Lease } from './lease.ts';
import { createMemoryBackend, type MemoryBackend } from './memory-backend.ts';
import { createMemoryIptables } from './memory-iptables.ts';
import { createOverlayReconciler } from './reconciler.ts';
import { adoptOrLoadVtepMac, persistVtepMac } from './vtep-mac.ts';

const flannelMAC = '0e:6a:2b:11:22:04';
// What flanneld leaves: flannel.1, VNI 1, port 8472, on eth0 with our public IP, our subnet's .0/32.
const flannel1 = (over: Partial<VxlanDevice> = {}): VxlanDevice => ({
  name: 'flannel.1', vni: 1, port: 8472, local: '10.0.0.1', underlay: 'eth0', mtu: 1450, mac: flannelMAC,
  learning: false, gbp: false, up: true, addresses: ['10.5.1.0/32'], ...over,
});
const want = { vni: 1, port: 8472, local: '10.0.0.1', underlay: 'eth0' };

describe('which device weft uses when overlay.device is unset', () => {
  it.each([
    ['flannel.1 as flanneld left it', flannel1(), 'flannel.1'],
    ['no flannel device', undefined, 'weft.1'],
    ['another VNI under that name', flannel1({ vni: 7 }), 'weft.1'],
    ['another port', flannel1({ port: 4789 }), 'weft.1'],
    ['another local address', flannel1({ local: '10.0.0.9' }), 'weft.1'],
    ['another underlay', flannel1({ underlay: 'eth1' }), 'weft.1'],
    ['no local address or underlay set (matches any, as flannel)', flannel1({ local: '', underlay: '' }), 'flannel.1'],
    ['another MTU, GBP or learning (reconciled, not a reason to leave it)', flannel1({ mtu: 1400, gbp: true, learning: true }), 'flannel.1'],
  ])('%s → %s', (_, device, name) => {
    expect(defaultDeviceName(device, want)).toBe(name);
    expect(adoptable(device, want)).toBe(name === 'flannel.1');
  });
});

describe('the VTEP MAC published before the VNI is known', () => {
  const link = (name: string, mac: string, local = '10.0.0.1', kind = 'vxlan'): LinkFacts => ({ name, kind, mac, local });
  const o = { publicIP: '10.0.0.1', device: '' };
  it.each([
    ["flanneld's device", [link('eth0', '52:54:00:00:00:01', '', 'veth'), link('flannel.1', flannelMAC)], o, flannelMAC],
    ['none', [link('eth0', '52:54:00:00:00:01', '', 'veth')], o, undefined],
    ['weft.1 is not adopted by name', [link('weft.1', flannelMAC)], o, undefined],
    ['a flannel device of another host address', [link('flannel.1', flannelMAC, '10.0.0.9')], o, undefined],
    ['a flannel.1 that is not VXLAN', [link('flannel.1', flannelMAC, '', 'dummy')], o, undefined],
    ['two flannel devices (the VNI decides later)', [link('flannel.1', flannelMAC), link('flannel.2', '0e:00:00:00:00:02')], o, undefined],
    ['the configured device', [link('flannel.1', '0e:00:00:00:00:02'), link('vx0', flannelMAC)], { ...o, device: 'vx0' }, flannelMAC],
    ['a multicast MAC', [link('flannel.1', '01:00:5e:00:00:01')], o, undefined],
  ])('%s', (_, links, options, mac) => {
    expect(adoptedMac(links, options)).toBe(mac);
  });
});

let stateDir: string;
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'weft-adopt-'));
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe('adoptOrLoadVtepMac', () => {
  const links = async (): Promise<LinkFacts[]> => [{ name: 'flannel.1', kind: 'vxlan', mac: flannelMAC, local: '10.0.0.1' }];
  const macFile = (): Promise<string> => readFile(join(stateDir, 'overlay', 'vtep-mac'), 'utf8');

  it("persists flanneld's device MAC, over a MAC persisted before (the peers hold the device's)", async () => {
    await persistVtepMac(stateDir, '0e:00:00:00:00:99');
    expect(await adoptOrLoadVtepMac({ stateDir, publicIP: '10.0.0.1', device: '', links })).toBe(flannelMAC);
    expect((await macFile()).trim()).toBe(flannelMAC);
  });

  it('keeps the persisted MAC when there is nothing to adopt', async () => {
    await persistVtepMac(stateDir, '0e:00:00:00:00:99');
    expect(await adoptOrLoadVtepMac({ stateDir, publicIP: '10.0.0.1', device: '', links: async () => [] })).toBe('0e:00:00:00:00:99');
  });
});

describe('the reconciler on a host flanneld left', () => {
  const self: Lease = { subnet: '10.5.1.0/24', publicIP: '10.0.0.1', backendType: 'vxlan', vni: 1, vtepMAC: flannelMAC };
  const peer: Lease = { subnet: '10.5.2.0/24', publicIP: '10.0.0.2', backendType: 'vxlan', vni: 1, vtepMAC: '02:00:00:00:00:02' };
  let mem: MemoryBackend;
  const start = async (device = '') => {
    const r = createOverlayReconciler({
      network: '10.5.0.0/16', iface: 'eth0', publicIP: '10.0.0.1', port: 0, device, mtu: 0, directRouting: false, resyncIntervalMs: 60_000,
      stateDir, ipMasq: false, ipMasqCleanup: false, forwardRules: false, vtepMAC: flannelMAC, backend: () => mem, iptables: createMemoryIptables().run,
    });
    await r.start(new AbortController().signal);
    r.setLeases(self, [peer]);
    await r.settled();
    return r;
  };
  beforeEach(() => {
    mem = createMemoryBackend();
    // flanneld's state for one peer: neighbour, FDB entry, onlink route, all on flannel.1.
    mem.state = {
      device: flannel1(),
      routes: [{ dst: '10.5.2.0/24', gateway: '10.5.2.0', dev: 'flannel.1', onlink: true }],
      neighbours: [{ ip: '10.5.2.0', mac: '02:00:00:00:00:02' }],
      fdb: [{ mac: '02:00:00:00:00:02', dst: '10.0.0.2' }],
    };
  });

  it('adopts flannel.1 as it is: no kernel change at all, and ready', async () => {
    const r = await start();
    expect(r.ready()).toBe(true);
    expect(r.status().device).toBe('flannel.1');
    expect(mem.applied).toEqual([]);
    await r.stop(new Date(Date.now() + 1000));
  });

  it('creates weft.1 when there is no flannel.1', async () => {
    mem.state = { device: undefined, routes: [], neighbours: [], fdb: [] };
    const r = await start();
    expect(r.status().device).toBe('weft.1');
    expect(mem.applied[0]).toMatchObject({ kind: 'link-add', device: { name: 'weft.1', mac: flannelMAC } });
    await r.stop(new Date(Date.now() + 1000));
  });

  it('names flanneld\'s device when overlay.device asks for another one beside it (EEXIST)', async () => {
    const r = await start('weft.1');
    expect(r.ready()).toBe(false);
    expect(r.notReadyReason?.()).toMatch(/link-add: .*EEXIST.*flanneld's flannel\.1\?\): delete it, or leave overlay\.device unset/);
    expect(mem.state.device).toEqual(flannel1());
    await r.stop(new Date(Date.now() + 1000));
  });

  it('leaves a flannel.1 of another VNI alone and names its own device weft.1', async () => {
    mem.state = { ...mem.state, device: flannel1({ vni: 2 }) };
    const r = await start();
    expect(r.status().device).toBe('weft.1');
    // The memory kernel holds one device, so weft.1 is refused there; flannel.1 and its route stay.
    expect(mem.state.device).toEqual(flannel1({ vni: 2 }));
    expect(mem.state.routes).toContainEqual({ dst: '10.5.2.0/24', gateway: '10.5.2.0', dev: 'flannel.1', onlink: true });
    await r.stop(new Date(Date.now() + 1000));
  });
});
