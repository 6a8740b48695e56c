// flanneld --ip-blackhole-route on the memory kernel: which prefixes may become a blackhole route,
// when the reconciler adds it, and what a refusal (a bridge holding the subnet: EEXIST) does.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../log.ts';
import { blackholeProblem } from './blackhole.ts';
import type { Lease } from './lease.ts';
import { createMemoryBackend, type MemoryBackend } from './memory-backend.ts';
import { createMemoryIptables } from './memory-iptables.ts';
import { createOverlayReconciler, type OverlayOptions } from './reconciler.ts';

const self: Lease = { subnet: '10.5.1.0/24', publicIP: '10.0.0.1', backendType: 'vxlan', vni: 1, vtepMAC: '' };
const peer = (n: number): Lease => ({ subnet: `10.5.${n}.0/24`, publicIP: `10.0.0.${n}`, backendType: 'vxlan', vni: 1, vtepMAC: `02:00:00:00:00:0${n}` });

describe('blackholeProblem: only the own subnet, as leased, reaches the kernel', () => {
  it.each<[string, string, string, 4 | 6, RegExp | undefined]>([
    ['the own IPv4 subnet', '10.5.1.0/24', '10.5.0.0/16', 4, undefined],
    ['the own IPv6 subnet', 'fd00:5:1::/64', 'fd00:5::/32', 6, undefined],
    ['a subnet as large as the network', '10.5.0.0/16', '10.5.0.0/16', 4, undefined],
    ['host bits set', '10.5.1.7/24', '10.5.0.0/16', 4, /without host bits/],
    ['not a CIDR', '10.5.1.0', '10.5.0.0/16', 4, /without host bits/],
    ['the other family', 'fd00:5:1::/64', '10.5.0.0/16', 4, /not an IPv4 subnet/],
    ['a default route', '0.0.0.0/0', '0.0.0.0/0', 4, /default route/],
    ['outside the network', '10.6.1.0/24', '10.5.0.0/16', 4, /not inside the cluster network/],
    ['larger than the network', '10.4.0.0/14', '10.5.0.0/16', 4, /not inside the cluster network/],
    ['outside the IPv6 network', 'fd00:6:1::/64', 'fd00:5::/32', 6, /not inside/],
  ])('%s', (_name, subnet, network, family, problem) => {
    const found = blackholeProblem(subnet, network, family);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });
});

describe('the reconciler with overlay.ip_blackhole_route', () => {
  let stateDir: string;
  let mem: MemoryBackend;
  let lines: Record<string, unknown>[];
  const options = (over: Partial<OverlayOptions> = {}): OverlayOptions => ({
    network: '10.5.0.0/16', iface: 'eth0', publicIP: '10.0.0.1', port: 0, device: '', mtu: 0, directRouting: false,
    resyncIntervalMs: 60_000, stateDir, ipMasq: false, ipMasqCleanup: false, machineId: 'test-machine', backend: () => mem,
    iptables: createMemoryIptables().run, blackholeRoute: true,
    logger: createLogger('info', new Writable({ write: (chunk: Buffer, _enc, done) => { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } })),
    ...over,
  });
  const events = (event: string): Record<string, unknown>[] => lines.filter((l) => l.event === event);

  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'weft-blackhole-'));
    mem = createMemoryBackend();
    lines = [];
  });
  afterEach(async () => {
    vi.useRealTimers();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('adds a blackhole route for the own subnet with the first lease, and nothing without the option', async () => {
    const a = createOverlayReconciler(options());
    await a.start(new AbortController().signal);
    a.setLeases(self, [peer(2)]);
    await a.settled();
    expect(mem.blackholes).toEqual(['10.5.1.0/24']);
    expect(a.status().blackhole).toEqual({ dst: '10.5.1.0/24', state: 'installed' });
    expect(events('blackhole_route_added')).toMatchObject([{ dst: '10.5.1.0/24' }]);
    expect(await a.metrics.metrics()).toMatch(/weft_overlay_ops_applied_total\{kind="blackhole-add"\} 1/);
    await a.stop(new Date(Date.now() + 1000));
    // Left in place on stop, as flanneld does.
    expect(mem.blackholes).toEqual(['10.5.1.0/24']);

    const off = createMemoryBackend();
    const b = createOverlayReconciler({ ...options({ blackholeRoute: false }), backend: () => off });
    await b.start(new AbortController().signal);
    b.setLeases(self, [peer(2)]);
    await b.settled();
    expect(b.ready()).toBe(true);
    expect(off.blackholes).toEqual([]);
    expect(b.status().blackhole).toBeUndefined();
    await b.stop(new Date(Date.now() + 1000));
  });

  it('re-adds a deleted blackhole route on the resync timer (a repair) and follows a subnet move', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const a = createOverlayReconciler(options({ resyncIntervalMs: 1000 }));
    await a.start(new AbortController().signal);
    a.setLeases(self, []);
    await a.settled();
    mem.blackholes = [];
    vi.advanceTimersByTime(1000);
    await a.settled();
    expect(mem.blackholes).toEqual(['10.5.1.0/24']);
    expect(await a.metrics.metrics()).toMatch(/weft_overlay_repairs_total\{kind="blackhole-add"\} 1/);
    a.setLeases({ ...self, subnet: '10.5.9.0/24' }, []);
    await a.settled();
    // The old one stays (flanneld never removes it); a peer leasing it replaces it with its route.
    expect(mem.blackholes).toEqual(['10.5.1.0/24', '10.5.9.0/24']);
    a.setLeases({ ...self, subnet: '10.5.9.0/24' }, [{ ...peer(1), publicIP: '10.0.0.7' }]);
    await a.settled();
    expect(mem.blackholes).toEqual(['10.5.9.0/24']);
    await a.stop(new Date(Date.now() + 1000));
  });

  it('adds none where a bridge holds the subnet, and deletes its own once a bridge comes after it (which it would shadow)', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    mem.foreignRoutes = [{ dst: '10.5.1.0/24', dev: 'cni0' }];
    const a = createOverlayReconciler(options({ resyncIntervalMs: 1000 }));
    await a.start(new AbortController().signal);
    a.setLeases(self, []);
    await a.settled();
    vi.advanceTimersByTime(1000);
    await a.settled();
    expect(mem.blackholes).toEqual([]);
    expect(a.ready()).toBe(true);
    expect(a.status().blackhole).toEqual({ dst: '10.5.1.0/24', state: 'held', holder: 'cni0' });
    // Once while it stays so, not every resync.
    expect(events('blackhole_route_not_needed')).toMatchObject([{ dst: '10.5.1.0/24', holder: 'cni0' }]);
    mem.foreignRoute('10.5.1.0/24', 'cni0', false);
    vi.advanceTimersByTime(1000);
    await a.settled();
    expect(mem.blackholes).toEqual(['10.5.1.0/24']);
    mem.foreignRoute('10.5.1.0/24', 'cni0', true);
    vi.advanceTimersByTime(1000);
    await a.settled();
    expect(mem.blackholes).toEqual([]);
    expect(events('blackhole_route_removed')).toMatchObject([{ dst: '10.5.1.0/24', holder: 'cni0' }]);
    expect(await a.metrics.metrics()).toMatch(/weft_overlay_ops_applied_total\{kind="blackhole-del"\} 1/);
    await a.stop(new Date(Date.now() + 1000));
  });

  it('looks again at once when a bridge takes the subnet or someone deletes the blackhole (netlink), not only on resync', async () => {
    const a = createOverlayReconciler(options({ notifyDebounceMs: 1 }));
    await a.start(new AbortController().signal);
    a.setLeases(self, []);
    await a.settled();
    expect(mem.blackholes).toEqual(['10.5.1.0/24']);
    mem.foreignRoute('10.5.1.0/24', 'cni0', true);
    await vi.waitFor(() => expect(mem.blackholes).toEqual([]));
    mem.foreignRoute('10.5.1.0/24', 'cni0', false);
    await vi.waitFor(() => expect(mem.blackholes).toEqual(['10.5.1.0/24']));
    // Our own add echoes back as a notification and changes nothing.
    await a.settled();
    expect(events('blackhole_route_added')).toHaveLength(2);
    await a.stop(new Date(Date.now() + 1000));
  });

  it('a refused blackhole route is logged once and retried; the overlay stays ready', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const a = createOverlayReconciler(options({ resyncIntervalMs: 1000 }));
    await a.start(new AbortController().signal);
    mem.blackholeError = 'Request rejected: EEXIST';
    a.setLeases(self, [peer(2)]);
    await a.settled();
    expect(a.ready()).toBe(true);
    expect(mem.blackholes).toEqual([]);
    expect(a.status().blackhole).toEqual({ dst: '10.5.1.0/24', state: 'failed', error: 'Request rejected: EEXIST' });
    vi.advanceTimersByTime(1000);
    await a.settled();
    const failed = events('blackhole_route_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ code: 'WEFT_E_OVERLAY_NETLINK', dst: '10.5.1.0/24', err: 'Request rejected: EEXIST' });
    expect(String(failed[0]?.msg)).toMatch(/next resync/);
    expect(await a.metrics.metrics()).toMatch(/weft_overlay_op_failures_total\{kind="blackhole-add"\} 2/);
    mem.blackholeError = undefined;
    vi.advanceTimersByTime(1000);
    await a.settled();
    expect(mem.blackholes).toEqual(['10.5.1.0/24']);
    expect(a.status().blackhole?.state).toBe('installed');
    await a.stop(new Date(Date.now() + 1000));
  });

  it('the IPv6 reconciler (EnableIPv6) adds one for the own IPv6 subnet', async () => {
    const a = createOverlayReconciler(options({ family: 6, network: 'fd00:5::/32', publicIP: 'fd00::1' }));
    await a.start(new AbortController().signal);
    a.setLeases({ ...self, subnet: 'fd00:5:1::/64', publicIP: 'fd00::1', vtepMAC: '0a:00:00:00:00:01' }, []);
    await a.settled();
    expect(mem.blackholes).toEqual(['fd00:5:1::/64']);
    await a.stop(new Date(Date.now() + 1000));
  });
});
