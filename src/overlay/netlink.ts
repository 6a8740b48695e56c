// Thin shell: reads and writes the overlay's kernel objects through rtnetlink (npm `netlink`).
// Design: one request socket, dumps in sequence (the kernel runs one dump per socket at a time),
// changes pipelined within each phase of `opPhase` with a bounded window, so N peers cost about
// N/window round trips, not 3N; a second socket joins the multicast groups for notifications.
import { AttrStream, FlagsNew, Protocol, createNetlink, createRtNetlink, ifla, rt, type NetlinkSocket, type RtNetlinkSocket, type StreamData } from 'netlink';
import { isOwnedRoute, type ApplyFailure, type BlackholeOutcome, type ApplyResult, type KernelBackend, type ReadScope, type UnderlayInfo } from './backend.ts';
import type { FdbEntry, KernelOp, KernelState, NeighEntry, Observation, RouteEntry, VxlanDevice } from './kernel-state.ts';
import { opPhase } from './kernel-state.ts';
import { bytesToMac, formatCidr, ip4ToBytes, ip6ToBytes, macToBytes, parseCidr, parseCidr4, parseCidr6, parseIfAddr4, parseIp4, parseIp6 } from '../net/index.ts';
import { AF_BRIDGE, AF_INET, AF_INET6, RT_TABLE_MAIN, RTN_UNICAST, RTNH_F_ONLINK, bytesToIp, familyOf, isLinkLocal6, linkView, observe, prefixRoute, routeEntry, type LinkView } from './netlink-decode.ts';
import { WeftError } from '../errors.ts';

/** Requests in flight at once: each ACK costs ~1 KiB of the socket's receive buffer (truesize). */
const WINDOW = 64;
const REQUEST_TIMEOUT_MS = 5_000;
const BUFFER_BYTES = 4 << 20;
const RTPROT_BOOT = 3;

function materialize(data: StreamData): Buffer {
  const stream = new AttrStream();
  stream.emit(data);
  return Buffer.concat(stream.bufs);
}

/** An address of either family (the IPv6 device's are IPv6) as rtnetlink bytes. */
function ip4Bytes(text: string): Buffer {
  const ip = parseIp4(text);
  if (ip !== undefined) return ip4ToBytes(ip);
  const ip6 = parseIp6(text);
  if (ip6 === undefined) throw new WeftError('WEFT_E_OVERLAY_NETLINK', `not an IP address: ${text}`);
  return ip6ToBytes(ip6);
}

/** A CIDR of either family as {family, bytes, prefixLen} (host bits kept: interface addresses). */
function ipPrefix(text: string): { family: number; bytes: Buffer; prefixLen: number } | undefined {
  const v4 = parseIfAddr4(text);
  if (v4 !== undefined) return { family: AF_INET, bytes: ip4ToBytes(v4.ip), prefixLen: v4.prefixLen };
  const slash = text.indexOf('/');
  const ip6 = parseIp6(text.slice(0, slash));
  const prefixLen = Number(text.slice(slash + 1));
  if (slash < 0 || ip6 === undefined || !Number.isInteger(prefixLen) || prefixLen > 128) return undefined;
  return { family: AF_INET6, bytes: ip6ToBytes(ip6), prefixLen };
}

export interface NetlinkBackendOptions {
  /** Pipelining window (tests and the benchmark may vary it). */
  window?: number;
}

export function createNetlinkBackend(options: NetlinkBackendOptions = {}): KernelBackend {
  const socketOptions = { recvBufferSize: BUFFER_BYTES, sendBufferSize: BUFFER_BYTES };
  const nl = createRtNetlink(socketOptions);
  nl.socket.on('error', () => {
    // Lost replies surface as request timeouts; the next reconcile starts from a fresh read.
  });
  const window = options.window ?? WINDOW;
  const opts = { timeout: REQUEST_TIMEOUT_MS };
  const watchers = new Set<NetlinkSocket>();
  // ifindex -> name, refreshed by every link dump and by link notifications.
  const names = new Map<number, string>();

  async function links(): Promise<LinkView[]> {
    const all = (await nl.getLinks(undefined, undefined, opts)).flatMap((m) => linkView(m) ?? []);
    names.clear();
    for (const l of all) names.set(l.index, l.name);
    return all;
  }

  async function addressesOf(index: number, family = AF_INET): Promise<string[]> {
    const out: string[] = [];
    for (const m of await nl.getAddresses({ family }, undefined, opts)) {
      if (m.data.index !== index || m.data.family !== family) continue;
      const ip = bytesToIp(m.attrs.local ?? m.attrs.address ?? Buffer.alloc(0));
      // The kernel's link-local address on an IPv6 device is its own.
      if (ip !== undefined && !isLinkLocal6(ip)) out.push(`${ip}/${m.data.prefixlen ?? 32}`);
    }
    return out;
  }

  return {
    async underlay(name: string): Promise<UnderlayInfo | undefined> {
      const link = (await links()).find((l) => l.name === name);
      if (link === undefined) return undefined;
      return { index: link.index, mtu: link.mtu, addresses: await addressesOf(link.index) };
    },

    async read(scope: ReadScope): Promise<KernelState> {
      const all = await links();
      const byIndex = new Map(all.map((l) => [l.index, l]));
      const dev = all.find((l) => l.name === scope.device);
      const state: KernelState = { device: undefined, routes: [], neighbours: [], fdb: [] };
      if (dev !== undefined) {
        const v = dev.vxlan ?? {};
        state.device = {
          name: dev.name,
          // A non-VXLAN link under our name reads as VNI -1, so diff recreates it.
          vni: dev.kind === 'vxlan' ? (v.id ?? 0) : -1,
          port: v.port === undefined ? 8472 : v.port.readUInt16BE(0),
          local: bytesToIp(v.local ?? v.local6 ?? Buffer.alloc(0)) ?? '',
          underlay: v.link === undefined ? '' : (byIndex.get(v.link)?.name ?? ''),
          mtu: dev.mtu,
          mac: dev.mac,
          learning: (v.learning ?? 1) !== 0,
          gbp: v.gbp === true,
          up: dev.up,
          addresses: await addressesOf(dev.index, familyOf(scope)),
        };
      }
      // Routes via our device anywhere (not only inside the cluster network), so diff removes
      // whatever a hostile lease, an older version or a hand put there (issue 11).
      const devName = (index: number | undefined): string => byIndex.get(index ?? -1)?.name ?? `#${index}`;
      for (const m of await nl.getRoutes({ family: familyOf(scope) }, undefined, opts)) {
        const route = routeEntry(m, devName, scope.family);
        if (route !== undefined && isOwnedRoute(scope, route)) state.routes.push(route);
      }
      if (dev === undefined) return state;
      for (const m of await nl.getNeighbors({ family: familyOf(scope) }, undefined, opts)) {
        const { data, attrs } = m;
        if (data.ifindex !== dev.index || data.family !== familyOf(scope) || data.state?.permanent !== true) continue;
        const ip = attrs.dst === undefined ? undefined : bytesToIp(attrs.dst);
        if (ip !== undefined && attrs.lladdr !== undefined) state.neighbours.push({ ip, mac: bytesToMac(attrs.lladdr) });
      }
      for (const m of await nl.getNeighbors({ family: AF_BRIDGE }, undefined, opts)) {
        const { data, attrs } = m;
        if (data.ifindex !== dev.index || data.flags?.self !== true || attrs.lladdr === undefined || attrs.dst === undefined) continue;
        // Learned entries are the kernel's when learning is on.
        if (scope.learning === true && data.state?.permanent !== true) continue;
        const mac = bytesToMac(attrs.lladdr);
        const dst = bytesToIp(attrs.dst);
        // Every remote entry on our device, the all-zero default destination included: only peers belong there.
        if (dst !== undefined) state.fdb.push({ mac, dst });
      }
      return state;
    },

    async apply(ops: readonly KernelOp[]): Promise<ApplyResult> {
      const result: ApplyResult = { applied: {}, failures: [] };
      // Name -> index from the last dump or link notification; dump again only when a name is unknown.
      let byName = new Map([...names].map(([index, name]) => [name, index]));
      const needed = new Set(ops.flatMap(opLinks));
      if ([...needed].some((name) => !byName.has(name))) byName = new Map((await links()).map((l) => [l.name, l.index]));
      const ifindex = (name: string): number => {
        const index = byName.get(name);
        if (index === undefined) throw new WeftError('WEFT_E_OVERLAY_NETLINK', `link ${name} does not exist`);
        return index;
      };
      let i = 0;
      while (i < ops.length) {
        const phase = opPhase[ops[i]!.kind];
        let j = i;
        while (j < ops.length && opPhase[ops[j]!.kind] === phase) j++;
        const batch = ops.slice(i, j);
        await pipeline(batch, window, async (op) => {
          try {
            await send(nl, op, ifindex, opts);
            result.applied[op.kind] = (result.applied[op.kind] ?? 0) + 1;
          } catch (error) {
            result.failures.push({ op, error: error as Error } satisfies ApplyFailure);
          }
        });
        if (batch.some((op) => op.kind === 'link-add' || op.kind === 'link-del')) {
          byName = new Map((await links()).map((l) => [l.name, l.index]));
        }
        i = j;
      }
      return result;
    },

    async ensureBlackhole(dst: string): Promise<BlackholeOutcome> {
      const d = routeDst(dst);
      const canonical = formatCidr(parseCidr(dst)!);
      const same = (await nl.getRoutes({ family: d.family }, undefined, opts)).flatMap((m) => {
        const r = prefixRoute(m, d.family);
        return r?.dst === canonical ? [r] : [];
      });
      const ours = same.find((r) => r.blackhole);
      const other = same.find((r) => !r.blackhole);
      // As flannel's netlink.Route{Dst, Type: RTN_BLACKHOLE}: main table, no device, protocol boot.
      const message: rt.Route = { family: d.family, dstLen: d.prefixLen, table: RT_TABLE_MAIN, protocol: RTPROT_BOOT, scope: 'UNIVERSE', type: 'BLACKHOLE' };
      if (other !== undefined) {
        const holder = other.oif === undefined ? 'a route without a device' : ((await links()).find((l) => l.index === other.oif)?.name ?? `#${other.oif}`);
        if (ours === undefined) return { outcome: 'held', holder };
        // The metric keeps an IPv6 delete off the other route (without it the kernel takes the first match).
        await nl.delRoute({ ...message, scope: 'NOWHERE' }, { dst: d.bytes, ...(ours.priority === undefined ? {} : { priority: ours.priority }) }, opts);
        return { outcome: 'removed', holder };
      }
      if (ours !== undefined) return { outcome: 'present' };
      // Create, exclusive, as flannel's netlink.RouteAdd: a route that appeared since the dump makes it EEXIST.
      await nl.newRoute(message, { dst: d.bytes }, { ...opts, flags: FlagsNew.CREATE | FlagsNew.EXCL });
      return { outcome: 'added' };
    },

    watch(scope: ReadScope, onChange: (observation: Observation) => void): () => void {
      // A plain netlink socket keeps the message type (NEW vs DEL), which the rt layer drops.
      const sub = createNetlink(Protocol.ROUTE, { ...socketOptions, ref: false });
      watchers.add(sub);
      sub.on('error', () => onChange({ kind: 'unknown' }));
      const groups = scope.family === 6 ? [rt.MulticastGroups.IPV6_ROUTE, rt.MulticastGroups.IPV6_IFADDR] : [rt.MulticastGroups.IPV4_ROUTE, rt.MulticastGroups.IPV4_IFADDR];
      for (const group of [rt.MulticastGroups.LINK, rt.MulticastGroups.NEIGH, ...groups]) {
        sub.addMembership(group);
      }
      sub.on('message', (messages) => {
        for (const m of messages) {
          let observation: Observation | undefined;
          try {
            observation = observe(m.type, m.data, scope, names);
          } catch {
            observation = { kind: 'unknown' };
          }
          if (observation !== undefined) onChange(observation);
        }
      });
      return () => {
        watchers.delete(sub);
        sub.close();
      };
    },

    close(): void {
      for (const sub of watchers) sub.close();
      watchers.clear();
      nl.socket.close();
    },
  };
}

function opLinks(op: KernelOp): string[] {
  switch (op.kind) {
    case 'link-add':
      return [op.device.underlay];
    case 'link-del':
    case 'link-set':
      return [op.name];
    case 'route-set':
    case 'route-del':
      return [op.route.dev];
    default:
      return [op.dev];
  }
}

async function pipeline<T>(items: readonly T[], window: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, items.length) }, worker));
}

type RequestOpts = { timeout: number };
const createFlags = FlagsNew.CREATE | FlagsNew.REPLACE;

/** A route's destination of either family. */
function routeDst(text: string): { family: number; bytes: Buffer; prefixLen: number } {
  const v4 = parseCidr4(text);
  if (v4 !== undefined) return { family: AF_INET, bytes: ip4ToBytes(v4.ip), prefixLen: v4.prefixLen };
  const v6 = parseCidr6(text);
  if (v6 === undefined) throw new WeftError('WEFT_E_OVERLAY_NETLINK', `not an IP CIDR: ${text}`);
  return { family: AF_INET6, bytes: ip6ToBytes(v6.ip), prefixLen: v6.prefixLen };
}

function routeMessage(route: RouteEntry, ifindex: (name: string) => number): [rt.Route, rt.RouteAttrs] {
  const dst = routeDst(route.dst);
  return [
    {
      family: dst.family, dstLen: dst.prefixLen, table: RT_TABLE_MAIN, protocol: RTPROT_BOOT, scope: 'UNIVERSE', type: 'UNICAST',
      flags: route.onlink ? { __unknown: RTNH_F_ONLINK } : {},
    },
    { dst: dst.bytes, gateway: ip4Bytes(route.gateway), oif: ifindex(route.dev) },
  ];
}

/**
 * Deletes match on destination, device and gateway only (as `ip route del` does: any protocol,
 * any scope), so a route someone else wrote on our device goes too, gateway or not; the device
 * in the message keeps every route via another device out of reach.
 */
function routeDelMessage(route: RouteEntry, ifindex: (name: string) => number): [rt.Route, rt.RouteAttrs] {
  const dst = routeDst(route.dst);
  const attrs: rt.RouteAttrs = { dst: dst.bytes, oif: ifindex(route.dev) };
  if (route.gateway !== '') attrs.gateway = ip4Bytes(route.gateway);
  // Protocol 0 (left out) and scope NOWHERE are the kernel's "any" for a delete.
  return [{ family: dst.family, dstLen: dst.prefixLen, table: RT_TABLE_MAIN, scope: 'NOWHERE', type: 'UNICAST' }, attrs];
}

const fdbMessage = (dev: number, fdb: FdbEntry): [rt.Neighbor, rt.NeighborAttrs] => [
  { family: AF_BRIDGE, ifindex: dev, state: { permanent: true }, flags: { self: true } },
  { lladdr: macToBytes(fdb.mac), dst: ip4Bytes(fdb.dst) },
];

const neighMessage = (dev: number, neigh: NeighEntry): [rt.Neighbor, rt.NeighborAttrs] => [
  { family: neigh.ip.includes(':') ? AF_INET6 : AF_INET, ifindex: dev, state: { permanent: true }, type: RTN_UNICAST },
  { dst: ip4Bytes(neigh.ip), lladdr: macToBytes(neigh.mac) },
];

function vxlanLinkInfo(device: VxlanDevice, underlay: number): Buffer {
  const data = materialize(ifla.formatVxlan({
    id: device.vni,
    ...(device.local.includes(':') ? { local6: ip4Bytes(device.local) } : { local: ip4Bytes(device.local) }),
    link: underlay,
    learning: device.learning ? 1 : 0,
    port: Buffer.from([device.port >> 8, device.port & 255]),
    // A flag attribute: present means on.
    ...(device.gbp ? { gbp: true as const } : {}),
  }));
  return materialize(ifla.formatInfo({ kind: 'vxlan', data }));
}

async function send(nl: RtNetlinkSocket, op: KernelOp, ifindex: (name: string) => number, opts: RequestOpts): Promise<void> {
  switch (op.kind) {
    case 'link-add': {
      const d = op.device;
      await nl.newLink({}, { ifname: d.name, mtu: d.mtu, address: macToBytes(d.mac), linkinfo: vxlanLinkInfo(d, ifindex(d.underlay)) },
        { ...opts, flags: FlagsNew.CREATE | FlagsNew.EXCL });
      return;
    }
    case 'link-del':
      await nl.delLink({ index: ifindex(op.name) }, undefined, opts);
      return;
    case 'link-set': {
      const attrs: ifla.LinkAttrs = {};
      if (op.mtu !== undefined) attrs.mtu = op.mtu;
      if (op.mac !== undefined) attrs.address = macToBytes(op.mac);
      const up = op.up === undefined ? {} : { change: { up: true as const }, flags: op.up ? { up: true as const } : {} };
      await nl.setLink({ index: ifindex(op.name), ...up }, attrs, opts);
      return;
    }
    case 'addr-add':
    case 'addr-del': {
      const addr = ipPrefix(op.cidr);
      if (addr === undefined) throw new WeftError('WEFT_E_OVERLAY_NETLINK', `not an interface address: ${op.cidr}`);
      const bytes = addr.bytes;
      const data = { family: addr.family, prefixlen: addr.prefixLen, index: ifindex(op.dev) };
      if (op.kind === 'addr-add') await nl.newAddress(data, { local: bytes, address: bytes }, { ...opts, flags: createFlags });
      else await nl.delAddress(data, { local: bytes, address: bytes }, opts);
      return;
    }
    case 'neigh-set':
      await nl.newNeighbor(...neighMessage(ifindex(op.dev), op.neigh), { ...opts, flags: createFlags });
      return;
    case 'neigh-del':
      await nl.delNeighbor(...neighMessage(ifindex(op.dev), op.neigh), opts);
      return;
    case 'fdb-set':
      await nl.newNeighbor(...fdbMessage(ifindex(op.dev), op.fdb), { ...opts, flags: createFlags });
      return;
    case 'fdb-del':
      await nl.delNeighbor(...fdbMessage(ifindex(op.dev), op.fdb), opts);
      return;
    case 'route-set':
      await nl.newRoute(...routeMessage(op.route, ifindex), { ...opts, flags: createFlags });
      return;
    case 'route-del':
      await nl.delRoute(...routeDelMessage(op.route, ifindex), opts);
      return;
  }
}
