import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOverlayReconciler, type OverlayOptions } from './reconciler.ts';
import type { Lease } from './lease.ts';
import { createMemoryBackend, type MemoryBackend } from './memory-backend.ts';
import { createMemoryIptables, type MemoryIptables } from './memory-iptables.ts';

const self: Lease = { subnet: '10.5.1.0/24', publicIP: '10.0.0.1', backendType: 'vxlan', vni: 1, vtepMAC: '' };
const peer = (n: number, mac = `02:00:00:00:00:0${n}`): Lease => ({ subnet: `10.5.${n}.0/24`, publicIP: `10.0.0.${n}`, backendType: 'vxlan', vni: 1, vtepMAC: mac });

let stateDir: string;
let mem: MemoryBackend;
let ipt: MemoryIptables;
const base = (): OverlayOptions => ({
  network: '10.5.0.0/16', iface: 'eth0', publicIP: '10.0.0.1', port: 0, device: '', mtu: 0, directRouting: false,
  resyncIntervalMs: 60_000, stateDir, ipMasq: false, ipMasqCleanup: false, machineId: 'test-machine', backend: () => mem, notifyDebounceMs: 5,
  iptables: ipt.run,
});

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'weft-overlay-'));
  mem = createMemoryBackend();
  ipt = createMemoryIptables();
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe('overlay reconciler', () => {
  it('gives a stable VTEP MAC before start, persisted under the state dir', async () => {
    const a = createOverlayReconciler(base());
    const mac = await a.vtepMAC();
    expect(mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(Number.parseInt(mac.slice(0, 2), 16) & 3).toBe(2); // locally administered, unicast
    expect((await readFile(join(stateDir, 'overlay', 'vtep-mac'), 'utf8')).trim()).toBe(mac);
    expect(await createOverlayReconciler({ ...base(), machineId: 'another-machine' }).vtepMAC()).toBe(mac);
    expect(mem.applied).toEqual([]);
  });

  it('programs the device and peers, becomes ready, and follows lease changes', async () => {
    const a = createOverlayReconciler(base());
    await a.start(new AbortController().signal);
    expect(a.ready()).toBe(false);
    a.setLeases(self, [peer(2), peer(3)]);
    await a.settled();
    expect(a.ready()).toBe(true);
    expect(mem.state.device).toMatchObject({ name: 'weft.1', mtu: 1450, port: 8472, local: '10.0.0.1', mac: await a.vtepMAC(), up: true });
    expect(mem.state.routes.map((r) => r.dst).sort()).toEqual(['10.5.2.0/24', '10.5.3.0/24']);
    a.setLeases(self, [peer(2)]);
    await a.settled();
    expect(mem.state.routes.map((r) => r.dst)).toEqual(['10.5.2.0/24']);
    expect(mem.state.fdb).toEqual([{ mac: '02:00:00:00:00:02', dst: '10.0.0.2' }]);
    const text = await a.metrics.metrics();
    expect(text).toMatch(/weft_overlay_peers 1/);
    expect(text).toMatch(/weft_overlay_ops_applied_total\{kind="route-del"\} 1/);
    await a.stop(new Date(Date.now() + 1000));
    expect(mem.closed).toBe(true);
  });

  it('repairs state broken behind its back on a netlink notification, counting repairs', async () => {
    const a = createOverlayReconciler(base());
    await a.start(new AbortController().signal);
    a.setLeases(self, [peer(2)]);
    await a.settled();
    mem.state.routes = [];
    mem.notify({ kind: 'route', present: false, route: { dst: '10.5.2.0/24', gateway: '10.5.2.0', dev: 'weft.1', onlink: true } });
    await new Promise((r) => setTimeout(r, 50));
    await a.settled();
    expect(mem.state.routes.map((r) => r.dst)).toEqual(['10.5.2.0/24']);
    expect(await a.metrics.metrics()).toMatch(/weft_overlay_repairs_total\{kind="route-set"\} 1/);
    await a.stop(new Date(Date.now() + 1000));
  });

  it('repairs on the resync timer without any notification', async () => {
    const a = createOverlayReconciler({ ...base(), resyncIntervalMs: 30 });
    await a.start(new AbortController().signal);
    a.setLeases(self, [peer(2)]);
    await a.settled();
    mem.state.device = undefined;
    mem.state.neighbours = [];
    await new Promise((r) => setTimeout(r, 120));
    const device = (): { name: string } | undefined => mem.state.device;
    expect(device()?.name).toBe('weft.1');
    expect(mem.state.neighbours).toEqual([{ ip: '10.5.2.0', mac: '02:00:00:00:00:02' }]);
    await a.stop(new Date(Date.now() + 1000));
  });

  it('stays not ready while kernel ops fail, and retries them', async () => {
    const a = createOverlayReconciler(base());
    await a.start(new AbortController().signal);
    mem.failKinds.add('route-set');
    a.setLeases(self, [peer(2)]);
    await a.settled();
    expect(a.ready()).toBe(false);
    expect(a.notReadyReason?.()).toMatch(/route-set/);
    expect(a.status().routes.map((r) => [r.dst, r.state, r.error])).toEqual([[peer(2).subnet, 'failed', 'Request rejected: EINVAL']]);
    mem.failKinds.clear();
    await a.settled();
    expect(a.ready()).toBe(true);
    expect(mem.state.routes).toHaveLength(1);
    expect(a.status().routes.map((r) => [r.dst, r.state, r.error])).toEqual([[peer(2).subnet, 'installed', undefined]]);
    await a.stop(new Date(Date.now() + 1000));
  });

  it('is not ready when the underlay interface is missing', async () => {
    mem.underlayInfo = undefined;
    const a = createOverlayReconciler(base());
    await a.start(new AbortController().signal);
    a.setLeases(self, [peer(2)]);
    await a.settled();
    expect(a.ready()).toBe(false);
    expect(a.notReadyReason?.()).toMatch(/underlay interface eth0/);
    await a.stop(new Date(Date.now() + 1000));
  });

  it('rejects an own lease that is not vxlan, and unusable options at creation', async () => {
    expect(() => createOverlayReconciler({ ...base(), network: '10.5.0.0' })).toThrow(expect.objectContaining({ code: 'WEFT_E_OVERLAY_CONFIG' }));
    expect(() => createOverlayReconciler({ ...base(), publicIP: 'eth0' })).toThrow(expect.objectContaining({ code: 'WEFT_E_OVERLAY_CONFIG' }));
    const a = createOverlayReconciler(base());
    await a.start(new AbortController().signal);
    a.setLeases({ ...self, backendType: 'host-gw' }, [peer(2)]);
    await a.settled();
    expect(a.ready()).toBe(false);
    expect(mem.applied).toEqual([]);
    await a.stop(new Date(Date.now() + 1000));
  });

  it('refuses hostile peer leases: no route, logged and counted once each, shown in the status', async () => {
    const a = createOverlayReconciler({ ...base(), subnetLen: 24, subnetMin: '10.5.1.0', subnetMax: '10.5.200.0' });
    await a.start(new AbortController().signal);
    const hostile = [
      { ...peer(7), subnet: '0.0.0.0/0' }, { ...peer(8), subnet: '10.0.0.0/8' }, { ...peer(9), subnet: '10.5.1.128/25' }, { ...peer(6), subnet: '10.5.201.0/24' },
    ];
    a.setLeases(self, [peer(2), ...hostile]);
    await a.settled();
    a.setLeases(self, [peer(2), ...hostile]);
    await a.settled();
    expect(mem.state.routes.map((r) => r.dst)).toEqual(['10.5.2.0/24']);
    expect(mem.state.fdb.map((f) => f.mac)).toEqual(['02:00:00:00:00:02']);
    expect(a.status().rejected).toMatchObject({ leases: 4, byReason: { prefix_len: 3, outside_range: 1 } });
    expect(a.status().rejected.examples).toContainEqual({ subnet: '0.0.0.0/0', publicIP: '10.0.0.7', reason: 'prefix_len' });
    const text = await a.metrics.metrics();
    expect(text).toMatch(/weft_overlay_leases_rejected_total\{reason="prefix_len"\} 3/);
    expect(text).toMatch(/weft_overlay_rejected_leases 4/);
    a.setLeases(self, [peer(2)]);
    await a.settled();
    expect(a.status().rejected.leases).toBe(0);
    await a.stop(new Date(Date.now() + 1000));
  });

  it('removes routes anyone left on its device, inside or outside the network, and never touches other devices', async () => {
    const onDevice = (dst: string, gateway = '10.5.2.0'): { dst: string; gateway: string; dev: string; onlink: boolean } => ({ dst, gateway, dev: 'weft.1', onlink: true });
    const others = [{ dst: '0.0.0.0/0', gateway: '10.0.0.254', dev: 'eth0', onlink: false }, { dst: '10.5.1.0/24', gateway: '', dev: 'weftbr0', onlink: false }];
    const a = createOverlayReconciler(base());
    await a.start(new AbortController().signal);
    a.setLeases(self, [peer(2)]);
    await a.settled();
    // Planted behind the backend's back once the device exists (routes cannot outlive their device).
    mem.state.routes = [onDevice('0.0.0.0/0'), onDevice('192.0.2.0/24', ''), onDevice('10.0.0.0/24'), onDevice('10.5.1.0/24'), ...mem.state.routes, ...others];
    mem.notify({ kind: 'unknown' });
    await a.settled();
    expect(mem.state.routes).toEqual([onDevice('10.5.2.0/24'), ...others]);
    await a.stop(new Date(Date.now() + 1000));
  });

  it('installs forward accepts without ip-masq and leaves every chain in place on stop, as flanneld', async () => {
    const a = createOverlayReconciler(base());
    await a.start(new AbortController().signal);
    a.setLeases(self, [peer(2)]);
    await a.settled();
    expect(ipt.chain('filter', 'FORWARD')).toEqual(['-A FORWARD -m comment --comment "weft forward" -j WEFT-FORWARD']);
    expect(ipt.chain('nat', 'WEFT-POSTROUTING')).toBeUndefined();
    await a.stop(new Date(Date.now() + 1000));
    expect(ipt.chain('filter', 'WEFT-FORWARD')).toHaveLength(2);
  });

  it('with ip-masq and ip_masq_cleanup: installs both chains on start and removes them on clean shutdown', async () => {
    const a = createOverlayReconciler({ ...base(), ipMasq: true, ipMasqCleanup: true });
    await a.start(new AbortController().signal);
    a.setLeases(self, [peer(2)]);
    await a.settled();
    expect(ipt.chain('nat', 'WEFT-POSTROUTING')).toContain('-A WEFT-POSTROUTING -s 10.5.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "weft ip-masq" -j MASQUERADE --random-fully');
    expect(ipt.chain('filter', 'WEFT-FORWARD')).toHaveLength(2);
    await a.stop(new Date(Date.now() + 1000));
    expect([ipt.chain('nat', 'WEFT-POSTROUTING'), ipt.chain('filter', 'WEFT-FORWARD')]).toEqual([undefined, undefined]);
  });

  it("sizes the device from Backend.MTU as the underlay MTU (flannel ≥ v0.21.3) and sets GBP and learning", async () => {
    const a = createOverlayReconciler({ ...base(), underlayMtu: 9000, gbp: true, learning: true });
    await a.start(new AbortController().signal);
    a.setLeases(self, [peer(2)]);
    await a.settled();
    expect(mem.state.device).toMatchObject({ mtu: 8950, gbp: true, learning: true });
    await a.stop(new Date(Date.now() + 1000));
  });
});
