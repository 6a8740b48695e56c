// This host's underlay: the interface the VXLAN traffic leaves by and the IPv4 address published in
// the lease, chosen as flanneld chooses them (main.go + pkg/ipmatch LookupExtIface, IPv4 stack):
// --iface entries in order (a name, or an address: the interface that has it), then --iface-regex
// entries in order (each against every interface's addresses, then against the names), then
// --iface-can-reach (the interface of the kernel's route to it); with none of these, --public-ip's
// own interface, else the default route's (IPv4, else IPv6: an IPv6-only host). The lease gets
// --public-ip if set, else that address; with EnableIPv6 also --public-ipv6, else the first global
// IPv6 address of that interface.
import { readFileSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { WeftError } from '../errors.ts';
import { formatIp4, formatIp6, parseIp4, parseIp6 } from '../net/index.ts';
import { routeTo, type RouteAnswer } from './route-get.ts';

/** The interface of the lowest-metric IPv4 default route in /proc/net/route text. */
export function defaultRouteInterface(procNetRoute: string): string | undefined {
  let best: { iface: string; metric: number } | undefined;
  for (const line of procNetRoute.split('\n').slice(1)) {
    const [iface, destination, , , , , metric, mask] = line.trim().split(/\s+/);
    if (iface === undefined || destination !== '00000000' || mask !== '00000000') continue;
    const m = Number(metric ?? 0);
    if (best === undefined || m < best.metric) best = { iface, metric: m };
  }
  return best?.iface;
}

/** The interface of the lowest-metric IPv6 default route in /proc/net/ipv6_route text (an IPv6-only host). */
export function defaultRouteInterface6(procNetIpv6Route: string): string | undefined {
  let best: { iface: string; metric: number } | undefined;
  for (const line of procNetIpv6Route.split('\n')) {
    const [destination, length, , , , metric, , , flags, iface] = line.trim().split(/\s+/);
    // RTF_REJECT (0x200): the kernel's unreachable default on the loopback device.
    if (iface === undefined || iface === 'lo' || length !== '00' || !/^0{32}$/.test(destination ?? '') || (Number.parseInt(flags ?? '0', 16) & 0x200) !== 0) continue;
    const m = Number.parseInt(metric ?? '0', 16);
    if (best === undefined || m < best.metric) best = { iface, metric: m };
  }
  return best?.iface;
}

export interface HostSystem {
  readonly interfaces: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
  readonly procNetRoute: () => string;
  readonly procNetIpv6Route?: () => string;
  readonly routeTo: (address: string) => Promise<RouteAnswer>;
}

export const realSystem: HostSystem = {
  interfaces: networkInterfaces,
  procNetRoute: () => readFileSync('/proc/net/route', 'utf8'),
  procNetIpv6Route: () => readFileSync('/proc/net/ipv6_route', 'utf8'),
  routeTo,
};

export interface UnderlaySettings {
  readonly public_ip: string;
  readonly public_ipv6?: string;
  readonly iface: readonly string[];
  readonly iface_regex: readonly string[];
  readonly iface_can_reach: string;
}

export interface PublicAddress {
  /** '' when the host has no IPv4 underlay address (an IPv6-only host). */
  readonly publicIP: string;
  /** The IPv6 underlay address, when the host has one (needed with EnableIPv6). */
  readonly publicIPv6?: string;
  /** The underlay interface; undefined only when --public-ip alone is on no interface of this host. */
  readonly iface: string | undefined;
  /** Why earlier --iface/--iface-regex entries found nothing (flanneld logs these too); absent when none. */
  readonly skipped?: readonly string[];
}

interface Choice {
  readonly iface: string;
  readonly address: string;
  readonly skipped?: readonly string[];
}

const failed = (message: string): never => {
  throw new WeftError('WEFT_E_PUBLIC_IP', message);
};

/**
 * The IPv4 addresses flannel would use on an interface (GetInterfaceIP4Addrs): global or link-local
 * unicast (no loopback, multicast, 0.0.0.0 or broadcast), global ones first.
 */
export function usableAddresses(infos: readonly NetworkInterfaceInfo[] | undefined): string[] {
  const v4 = (infos ?? []).filter((a) => a.family === 'IPv4').map((a) => a.address);
  const usable = v4.filter((a) => {
    const first = Number(a.split('.')[0]);
    return a !== '0.0.0.0' && a !== '255.255.255.255' && first !== 127 && !(first >= 224 && first <= 239);
  });
  const linkLocal = (a: string): boolean => a.startsWith('169.254.');
  return [...usable.filter((a) => !linkLocal(a)), ...usable.filter(linkLocal)];
}

function owner(address: string, all: NodeJS.Dict<NetworkInterfaceInfo[]>): string | undefined {
  return Object.entries(all).find(([, infos]) => infos?.some((a) => a.family === 'IPv4' && a.address === address))?.[0];
}

/** A global (not link-local) IPv6 address of the interface: a VTEP's remote needs no zone. */
function globalIPv6(infos: readonly NetworkInterfaceInfo[] | undefined): string | undefined {
  const found = (infos ?? []).find((a) => a.family === 'IPv6' && !a.internal && (a.scopeid ?? 0) === 0 && !/^fe[89ab]/i.test(a.address))?.address;
  return found === undefined ? undefined : formatIp6(parseIp6(found) ?? 0n);
}

/**
 * The interface's IPv4 address; '' on an IPv6-only interface (the lease then has no IPv4 part),
 * which is also accepted when --public-ipv6 names the address (`v6Given`).
 */
function onInterface(iface: string, all: NodeJS.Dict<NetworkInterfaceInfo[]>, v6Given = false): Choice {
  const address = usableAddresses(all[iface])[0];
  if (address === undefined && !v6Given && globalIPv6(all[iface]) === undefined) {
    failed(`interface ${iface} has no usable IPv4 address, nor a global IPv6 one (loopback addresses do not count, as in flannel)`);
  }
  return { iface, address: address ?? '' };
}

function byNameOrAddress(entry: string, all: NodeJS.Dict<NetworkInterfaceInfo[]>, v6Given: boolean): Choice {
  const ip = parseIp4(entry);
  if (ip !== undefined) {
    const address = formatIp4(ip);
    return { iface: owner(address, all) ?? failed(`no interface has the address ${address}`), address };
  }
  if (all[entry] === undefined) failed(`no interface named ${entry} (or it has no address)`);
  return onInterface(entry, all, v6Given);
}

function byRegex(pattern: string, all: NodeJS.Dict<NetworkInterfaceInfo[]>, v6Given: boolean): Choice {
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch (error) {
    return failed(`--iface-regex ${JSON.stringify(pattern)} does not compile: ${(error as Error).message}`);
  }
  for (const [iface, infos] of Object.entries(all)) {
    const address = usableAddresses(infos).find((a) => re.test(a));
    if (address !== undefined) return { iface, address };
  }
  const named = Object.keys(all).find((name) => re.test(name));
  if (named !== undefined) return onInterface(named, all, v6Given);
  const available = Object.entries(all).map(([name, infos]) => `${name}:[${usableAddresses(infos).join(' ')}]`);
  return failed(`--iface-regex ${pattern} matches no interface address or name (${available.join(', ')})`);
}

async function byRoute(target: string, system: HostSystem, v6Given: boolean): Promise<Choice> {
  const route = await system.routeTo(target);
  return route.src === undefined ? onInterface(route.iface, system.interfaces(), v6Given) : { iface: route.iface, address: route.src };
}

async function choose(s: UnderlaySettings, system: HostSystem): Promise<Choice> {
  const v6Given = (s.public_ipv6 ?? '') !== '';
  const attempts: (() => Choice | Promise<Choice>)[] = [
    ...s.iface.map((entry) => () => byNameOrAddress(entry, system.interfaces(), v6Given)),
    ...s.iface_regex.map((pattern) => () => byRegex(pattern, system.interfaces(), v6Given)),
    ...(s.iface_can_reach === '' ? [] : [() => byRoute(s.iface_can_reach, system, v6Given)]),
  ];
  const reasons: string[] = [];
  for (const attempt of attempts) {
    try {
      const choice = await attempt();
      return reasons.length === 0 ? choice : { ...choice, skipped: reasons };
    } catch (error) {
      reasons.push((error as Error).message);
    }
  }
  return failed(`no interface matches --iface/--iface-regex/--iface-can-reach: ${reasons.join('; ')}`);
}

function readOr(read: (() => string) | undefined): string {
  try {
    return read?.() ?? '';
  } catch {
    return ''; // no /proc: the caller says what is missing
  }
}

/** The default route's interface (IPv4, else IPv6: an IPv6-only host) and its address. */
function defaultRoute(system: HostSystem, v6Given: boolean): Choice {
  const iface = defaultRouteInterface(readOr(system.procNetRoute)) ?? defaultRouteInterface6(readOr(system.procNetIpv6Route))
    ?? failed('no default route (IPv4 or IPv6) to find the underlay interface; set --iface or --public-ip');
  return onInterface(iface, system.interfaces(), v6Given);
}

export async function resolvePublicAddress(s: UnderlaySettings, system: HostSystem = realSystem): Promise<PublicAddress> {
  const ip = s.public_ip === '' ? undefined : parseIp4(s.public_ip);
  const publicIP = ip === undefined ? undefined : formatIp4(ip);
  if (s.public_ip !== '' && publicIP === undefined) failed(`--public-ip ${JSON.stringify(s.public_ip)} is not an IPv4 address`);
  const givenV6 = s.public_ipv6 ?? '';
  const parsedV6 = givenV6 === '' ? undefined : parseIp6(givenV6);
  if (givenV6 !== '' && parsedV6 === undefined) failed(`--public-ipv6 ${JSON.stringify(givenV6)} is not an IPv6 address`);
  const withV6 = (address: PublicAddress): PublicAddress => {
    const v6 = parsedV6 === undefined ? (address.iface === undefined ? undefined : globalIPv6(system.interfaces()[address.iface])) : formatIp6(parsedV6);
    return v6 === undefined ? address : { ...address, publicIPv6: v6 };
  };
  if (s.iface.length > 0 || s.iface_regex.length > 0 || s.iface_can_reach !== '') {
    const { address, ...choice } = await choose(s, system);
    return withV6({ publicIP: publicIP ?? address, ...choice });
  }
  // flanneld exits when no interface has the --public-ip; the lease needs only the address, and the
  // overlay says what is missing (see README, Where we differ).
  if (publicIP !== undefined) return withV6({ publicIP, iface: owner(publicIP, system.interfaces()) });
  const choice = defaultRoute(system, parsedV6 !== undefined);
  return withV6({ publicIP: choice.address, iface: choice.iface });
}
