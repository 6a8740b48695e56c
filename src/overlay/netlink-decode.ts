// Decoding rtnetlink messages into the overlay's terms (thin shell, shared by reads and the
// notification watcher): links, our routes, notifications as Observations.
import { ifla, rt } from 'netlink';
import { inClusterNetwork, isOwnedRoute, type ReadScope } from './backend.ts';
import type { Observation, RouteEntry } from './kernel-state.ts';
import { bytesToIp4, bytesToIp6, bytesToMac, formatNet4, formatNet6, parseCidr4, parseCidr6 } from '../net/index.ts';

export const AF_INET = 2;
export const AF_INET6 = 10;
const RTPROT_KERNEL = 2;

/** An address of either family from its 4 or 16 bytes. */
export function bytesToIp(bytes: Uint8Array): string | undefined {
  return bytesToIp4(bytes) ?? bytesToIp6(bytes);
}

/** fe80::/10: the kernel's own link-local addresses and routes on every IPv6 device; never ours. */
export const isLinkLocal6 = (ip: string): boolean => /^fe[89ab]/i.test(ip);

export const familyOf = (scope: ReadScope): number => (scope.family === 6 ? AF_INET6 : AF_INET);
export const AF_BRIDGE = 7;
export const RT_TABLE_MAIN = 254;
export const RTNH_F_ONLINK = 4;
export const RTN_UNICAST = 1;

export interface LinkView {
  index: number;
  name: string;
  mtu: number;
  mac: string;
  up: boolean;
  kind: string | undefined;
  vxlan: ifla.Vxlan | undefined;
}

export function linkView(message: rt.LinkMessage): LinkView | undefined {
  const { data, attrs } = message;
  if (data.index === undefined || attrs.ifname === undefined) return undefined;
  let kind: string | undefined;
  let vxlan: ifla.Vxlan | undefined;
  if (attrs.linkinfo !== undefined) {
    const info = ifla.parseInfo(attrs.linkinfo);
    kind = info.kind;
    if (kind === 'vxlan' && info.data !== undefined) vxlan = ifla.parseVxlan(info.data);
  }
  return {
    index: data.index,
    name: attrs.ifname,
    mtu: attrs.mtu ?? 0,
    mac: attrs.address === undefined ? '' : bytesToMac(attrs.address),
    up: data.flags?.up === true,
    kind,
    vxlan,
  };
}

const RTM = { NEWLINK: 16, DELLINK: 17, NEWADDR: 20, DELADDR: 21, NEWROUTE: 24, DELROUTE: 25, NEWNEIGH: 28, DELNEIGH: 29 } as const;

/**
 * Decodes one notification into an Observation when it concerns our device or cluster routes.
 * Never throws: a message that does not decode (truncated, garbage) is `unknown`, so the kernel is read.
 */
export function observe(type: number, data: Buffer, scope: ReadScope, names: Map<number, string>): Observation | undefined {
  try {
    return decodeObservation(type, data, scope, names);
  } catch {
    return { kind: 'unknown' };
  }
}

function decodeObservation(type: number, data: Buffer, scope: ReadScope, names: Map<number, string>): Observation | undefined {
  const present = type === RTM.NEWLINK || type === RTM.NEWADDR || type === RTM.NEWROUTE || type === RTM.NEWNEIGH;
  const m = rt.parseMessage(type, data);
  const devName = (index: number | undefined): string => (index === undefined ? '' : (names.get(index) ?? `#${index}`));
  switch (m.kind) {
    case 'link': {
      const view = linkView(m);
      if (view === undefined) return undefined;
      if (present) names.set(view.index, view.name);
      else names.delete(view.index);
      if (view.name !== scope.device) return undefined;
      return { kind: 'link', present, name: view.name, mtu: view.mtu, mac: view.mac, up: view.up };
    }
    case 'address': {
      if (m.data.family !== familyOf(scope) || devName(m.data.index) !== scope.device) return undefined;
      const ip = bytesToIp(m.attrs.local ?? m.attrs.address ?? Buffer.alloc(0));
      return ip === undefined || isLinkLocal6(ip) ? undefined : { kind: 'address', present, cidr: `${ip}/${m.data.prefixlen ?? 32}` };
    }
    case 'neighbor': {
      if (devName(m.data.ifindex) !== scope.device || m.attrs.lladdr === undefined && present) return undefined;
      const mac = m.attrs.lladdr === undefined ? '' : bytesToMac(m.attrs.lladdr);
      const ip = m.attrs.dst === undefined ? undefined : bytesToIp(m.attrs.dst);
      if (m.data.family === AF_BRIDGE) {
        // With learning on, the kernel adds and ages out its own entries: none of our business.
        if (scope.learning === true && m.data.state?.permanent !== true) return undefined;
        return ip === undefined ? undefined : { kind: 'fdb', present, fdb: { mac, dst: ip } };
      }
      if (m.data.family !== familyOf(scope) || ip === undefined) return undefined;
      return { kind: 'neighbour', present, permanent: m.data.state?.permanent === true, neigh: { ip, mac } };
    }
    case 'route': {
      const route = routeEntry(m, devName, scope.family);
      if (route === undefined || !isOwnedRoute(scope, route)) {
        // A bridge taking our subnet, or our blackhole going: the blackhole check looks again.
        const prefix = prefixRoute(m, familyOf(scope));
        if (prefix?.dst === scope.ownSubnet) return { kind: 'own-subnet', present, blackhole: prefix.blackhole };
      }
      // Ours, or any route into the cluster network: one of ours may have been moved to another device.
      if (route === undefined || !(isOwnedRoute(scope, route) || inClusterNetwork(scope, route.dst))) return undefined;
      return { kind: 'route', present, route };
    }
    default:
      return undefined;
  }
}

const families = {
  4: { af: AF_INET, any: '0.0.0.0', host: 32, ip: bytesToIp4, net: (text: string) => { const n = parseCidr4(text); return n === undefined ? undefined : formatNet4(n); } },
  6: { af: AF_INET6, any: '::', host: 128, ip: bytesToIp6, net: (text: string) => { const n = parseCidr6(text); return n === undefined ? undefined : formatNet6(n); } },
};

/**
 * A main-table unicast route of the scope's family (IPv4 unless `family` is 6) with one output
 * device, as a RouteEntry (device by name), or undefined for anything else; which of them are ours
 * is `isOwnedRoute`'s call. On the IPv6 device the kernel's own routes (`proto kernel`: the
 * link-local /64, its address's prefix route) are left out: they are the kernel's, not a peer's.
 */
export function routeEntry(m: rt.RouteMessage, devName: (index: number | undefined) => string, family?: 6): RouteEntry | undefined {
  const { data, attrs } = m;
  const f = families[family ?? 4];
  const table = attrs.table ?? data.table;
  if (data.family !== f.af || table !== RT_TABLE_MAIN || !isUnicastRoute(data.type) || attrs.oif === undefined) return undefined;
  if (family === 6 && (Number(data.protocol) === RTPROT_KERNEL || data.protocol === 'KERNEL')) return undefined;
  // The default route carries no RTA_DST: a hostile lease 0.0.0.0-0 becomes exactly that.
  const dstIp = attrs.dst === undefined ? f.any : f.ip(attrs.dst);
  const dst = dstIp === undefined ? undefined : f.net(`${dstIp}/${data.dstLen ?? (attrs.dst === undefined ? 0 : f.host)}`);
  if (dst === undefined) return undefined;
  const gateway = attrs.gateway === undefined ? '' : (f.ip(attrs.gateway) ?? '');
  const onlink = ((data.flags?.__unknown ?? 0) & RTNH_F_ONLINK) !== 0;
  return { dst, gateway, dev: devName(attrs.oif), onlink };
}

const RTN_BLACKHOLE = 6;

/** A main-table route of one family as `ensureBlackhole` sees its prefix: a blackhole, or whatever else holds it. */
export interface PrefixRoute {
  dst: string;
  blackhole: boolean;
  oif: number | undefined;
  /** The metric (IPv6 blackholes get 1024; an IPv6 delete without it may take another route to the prefix). */
  priority: number | undefined;
}

export function prefixRoute(m: rt.RouteMessage, af: number): PrefixRoute | undefined {
  const { data, attrs } = m;
  const table = attrs.table ?? data.table;
  if (data.family !== af || table !== RT_TABLE_MAIN) return undefined;
  const f = families[af === AF_INET6 ? 6 : 4];
  const ip = attrs.dst === undefined ? f.any : f.ip(attrs.dst);
  const dst = ip === undefined ? undefined : f.net(`${ip}/${data.dstLen ?? 0}`);
  if (dst === undefined) return undefined;
  return { dst, blackhole: data.type === 'BLACKHOLE' || Number(data.type) === RTN_BLACKHOLE, oif: attrs.oif, priority: attrs.priority };
}

function isUnicastRoute(type: rt.Route['type']): boolean {
  return type === 'UNICAST' || Number(type) === RTN_UNICAST;
}
