// The decoder against real kernel bytes: testdata/netlink-messages.json holds the notifications a
// kernel sent while the netlink backend applied the overlay's ops (regenerate it with
// test/e2e/capture-netlink-fixtures.ts), plus truncated and garbage variants of them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rt } from 'netlink';
import { isOwnedRoute, type ReadScope } from './backend.ts';
import type { Observation } from './kernel-state.ts';
import { linkView, observe, routeEntry, type LinkView } from './netlink-decode.ts';

interface Captured { label: string; type: number; hex: string }
const captured = JSON.parse(readFileSync(new URL('./testdata/netlink-messages.json', import.meta.url), 'utf8')) as Captured[];
const bytes = (m: Captured): Buffer => Buffer.from(m.hex, 'hex');
const scope: ReadScope = { device: 'weft.1', underlay: 'ul0', network: '10.5.0.0/16', ownSubnet: '10.5.1.0/24', directRouting: false };
const RTM_NEWLINK = 16;
const RTM_NEWROUTE = 24;

function links(): LinkView[] {
  return captured.filter((m) => m.type === RTM_NEWLINK).map((m) => linkView(rt.parseMessage(RTM_NEWLINK, bytes(m)) as rt.LinkMessage)!);
}
const device = (): LinkView => links().find((l) => l.name === 'weft.1')!;
const underlay = (): LinkView => links().find((l) => l.name === 'ul0')!;
const routeMessage = (label: string): rt.RouteMessage => {
  const m = captured.find((c) => c.label === label && c.type === RTM_NEWROUTE)!;
  return rt.parseMessage(m.type, bytes(m)) as rt.RouteMessage;
};

describe('netlink decode: real kernel messages', () => {
  it('linkView reads the VXLAN device the backend created: name, MTU, MAC, state, VXLAN attributes', () => {
    const dev = device();
    expect(dev).toMatchObject({ name: 'weft.1', mtu: 1450, mac: '0a:58:0a:05:01:00', up: false, kind: 'vxlan' });
    expect(dev.index).toBeGreaterThan(0);
    expect(dev.vxlan).toMatchObject({ id: 1, link: underlay().index, learning: 0 });
    expect(dev.vxlan?.port?.readUInt16BE(0)).toBe(8472);
    expect([...(dev.vxlan?.local ?? [])]).toEqual([10, 213, 0, 11]);
    expect(underlay()).toMatchObject({ name: 'ul0', kind: 'veth', vxlan: undefined });
  });

  it('routeEntry reads routes with their device; isOwnedRoute takes every route via our device, and direct ones only with DirectRouting', () => {
    const names = new Map([[device().index, 'weft.1'], [underlay().index, 'ul0']]);
    const devName = (index: number | undefined): string => (index === undefined ? '' : (names.get(index) ?? `#${index}`));
    const set = routeEntry(routeMessage('route-set'), devName);
    expect(set).toEqual({ dst: '10.5.2.0/24', gateway: '10.5.2.0', dev: 'weft.1', onlink: true });
    expect(isOwnedRoute(scope, set!)).toBe(true);
    // A route via our device outside the network is a stray (hostile lease, old version): ours to remove.
    const outside = routeEntry(routeMessage('route-outside'), devName);
    expect(outside?.dev).toBe('weft.1');
    expect(isOwnedRoute(scope, outside!)).toBe(true);
    const direct = routeEntry(routeMessage('route-direct'), devName);
    expect(direct).toEqual({ dst: '10.5.3.0/24', gateway: '10.213.0.13', dev: 'ul0', onlink: false });
    expect(isOwnedRoute(scope, direct!)).toBe(false);
    expect(isOwnedRoute({ ...scope, directRouting: true }, direct!)).toBe(true);
    expect(isOwnedRoute({ ...scope, directRouting: true, network: '10.6.0.0/16' }, direct!)).toBe(false);
  });

  it('with learning on (Backend.Learning), FDB entries the kernel learned (not permanent) are not ours to watch', () => {
    const fdb = captured.find((m) => m.label === 'fdb-set' && m.type === 28)!;
    const learned = Buffer.from(bytes(fdb));
    expect(learned.readUInt16LE(8)).toBe(0x80); // ndm_state NUD_PERMANENT, as weft writes it
    learned.writeUInt16LE(0x02, 8); // NUD_REACHABLE: what learning leaves
    const names = new Map([[device().index, 'weft.1']]);
    expect(observe(fdb.type, learned, { ...scope, learning: true }, names)).toBeUndefined();
    expect(observe(fdb.type, learned, scope, names)).toMatchObject({ kind: 'fdb', present: true });
    expect(observe(fdb.type, bytes(fdb), { ...scope, learning: true }, names)).toMatchObject({ kind: 'fdb', present: true });
  });

  it('observe turns the whole capture, in order, into exactly the observations the overlay needs', () => {
    const names = new Map<number, string>();
    const seen = captured.map((m) => [m.label, observe(m.type, bytes(m), scope, names)] as const).filter(([, o]) => o !== undefined);
    const link = (present: boolean, up: boolean): Observation => ({ kind: 'link', present, name: 'weft.1', mtu: 1450, mac: '0a:58:0a:05:01:00', up });
    const route = { dst: '10.5.2.0/24', gateway: '10.5.2.0', onlink: true, dev: 'weft.1' };
    const fdb = { mac: '02:00:00:00:00:02', dst: '10.213.0.12' };
    expect(seen).toEqual([
      ['link-add', link(true, false)],
      ['link-up', link(true, true)],
      ['addr-add', { kind: 'address', present: true, cidr: '10.5.1.0/32' }],
      ['fdb-set', { kind: 'fdb', present: true, fdb }],
      ['neigh-set', { kind: 'neighbour', present: true, permanent: true, neigh: { ip: '10.5.2.0', mac: '02:00:00:00:00:02' } }],
      ['route-set', { kind: 'route', present: true, route }],
      // Any route into the network is reported, whatever its device: one of ours may have moved.
      ['route-direct', { kind: 'route', present: true, route: { dst: '10.5.3.0/24', gateway: '10.213.0.13', onlink: false, dev: 'ul0' } }],
      // Every route via our device is ours, inside the network or not: a stray is reported to be removed.
      ['route-outside', { kind: 'route', present: true, route: { dst: '10.99.0.0/24', gateway: '10.99.0.0', onlink: true, dev: 'weft.1' } }],
      ['route-del', { kind: 'route', present: false, route }],
      ['neigh-del', { kind: 'neighbour', present: false, permanent: false, neigh: { ip: '10.5.2.0', mac: '' } }],
      ['fdb-del', { kind: 'fdb', present: false, fdb }],
      ['addr-del', { kind: 'address', present: false, cidr: '10.5.1.0/32' }],
      ['link-del', link(true, false)],
      ['link-del', link(false, false)],
    ]);
    // The link notifications taught the decoder the names it resolves later messages with.
    expect(names.has(device().index)).toBe(false);
  });

  it('observe ignores messages about other devices', () => {
    const names = new Map<number, string>();
    for (const m of captured) observe(m.type, bytes(m), scope, names);
    const other = { ...scope, device: 'weft.2' };
    const kinds = captured.map((m) => observe(m.type, bytes(m), other, new Map(names))?.kind).filter((k) => k !== undefined);
    // Only route messages (any device) remain; the link, address, neighbour and FDB ones are not weft.2's.
    expect(new Set(kinds)).toEqual(new Set(['route']));
  });
});

describe('netlink decode: truncated and garbage input', () => {
  it('every truncation of every captured message decodes to nothing, unknown, or its own kind, never a throw', () => {
    let unknown = 0;
    const wrong: string[] = [];
    for (const m of captured) {
      const full = observe(m.type, bytes(m), scope, new Map())?.kind;
      const whole = bytes(m);
      for (let n = 0; n < whole.length; n++) {
        const kind = observe(m.type, whole.subarray(0, n), scope, new Map())?.kind;
        if (kind === 'unknown') unknown++;
        else if (kind !== undefined && kind !== full) wrong.push(`${m.label} cut at ${n}: ${kind}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(unknown).toBeGreaterThan(0);
  });

  it('random bytes under every message type never throw', () => {
    let seed = 42;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const type of [16, 17, 20, 21, 24, 25, 28, 29, 99]) {
      for (let i = 0; i < 200; i++) {
        const garbage = Buffer.from(Array.from({ length: Math.floor(random() * 120) }, () => Math.floor(random() * 256)));
        expect(() => observe(type, garbage, scope, new Map())).not.toThrow();
      }
    }
  });

  it('a message type the decoder does not know reads as unknown (the kernel is read again)', () => {
    const m = captured.find((c) => c.label === 'route-set')!;
    expect(observe(99, bytes(m), scope, new Map())).toEqual({ kind: 'unknown' });
  });
});
