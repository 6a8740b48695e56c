// This host's underlay: the interface the VXLAN traffic leaves by and the IPv4 address published in
// the lease, chosen as flanneld chooses them (main.go + pkg/ipmatch LookupExtIface, IPv4 stack):
// --iface entries in order (a name, or an address: the interface that has it), then --iface-regex
// entries in order (each against every interface's addresses, then against the names), then
// --iface-can-reach (the interface of the kernel's route to it); with none of these, --public-ip's
// own interface, else the default route's. The lease gets --public-ip if set, else that address.
import { readFileSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { WeftError } from '../errors.ts';
import { formatIp4, parseIp4 } from '../net/index.ts';
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

export interface HostSystem {
  readonly interfaces: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
  readonly procNetRoute: () => string;
  readonly routeTo: (address: string) => Promise<RouteAnswer>;
}

export const realSystem: HostSystem = {
  interfaces: networkInterfaces,
  procNetRoute: () => readFileSync('/proc/net/route', 'utf8'),
  routeTo,
};

export interface UnderlaySettings {
  readonly public_ip: string;
  readonly iface: readonly string[];
  readonly iface_regex: readonly string[];
  readonly iface_can_reach: string;
}

export interface PublicAddress {
  readonly publicIP: string;
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

function onInterface(iface: string, all: NodeJS.Dict<NetworkInterfaceInfo[]>): Choice {
  const address = usableAddresses(all[iface])[0] ?? failed(`interface ${iface} has no usable IPv4 address (loopback addresses do not count, as in flannel)`);
  return { iface, address };
}

function byNameOrAddress(entry: string, all: NodeJS.Dict<NetworkInterfaceInfo[]>): Choice {
  const ip = parseIp4(entry);
  if (ip !== undefined) {
    const address = formatIp4(ip);
    return { iface: owner(address, all) ?? failed(`no interface has the address ${address}`), address };
  }
  if (all[entry] === undefined) failed(`no interface named ${entry} (or it has no address)`);
  return onInterface(entry, all);
}

function byRegex(pattern: string, all: NodeJS.Dict<NetworkInterfaceInfo[]>): Choice {
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
  if (named !== undefined) return onInterface(named, all);
  const available = Object.entries(all).map(([name, infos]) => `${name}:[${usableAddresses(infos).join(' ')}]`);
  return failed(`--iface-regex ${pattern} matches no interface address or name (${available.join(', ')})`);
}

async function byRoute(target: string, system: HostSystem): Promise<Choice> {
  const route = await system.routeTo(target);
  return route.src === undefined ? onInterface(route.iface, system.interfaces()) : { iface: route.iface, address: route.src };
}

async function choose(s: UnderlaySettings, system: HostSystem): Promise<Choice> {
  const attempts: (() => Choice | Promise<Choice>)[] = [
    ...s.iface.map((entry) => () => byNameOrAddress(entry, system.interfaces())),
    ...s.iface_regex.map((pattern) => () => byRegex(pattern, system.interfaces())),
    ...(s.iface_can_reach === '' ? [] : [() => byRoute(s.iface_can_reach, system)]),
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

function defaultRoute(system: HostSystem): Choice {
  let routes = '';
  try {
    routes = system.procNetRoute();
  } catch {
    // no /proc: the error below
  }
  const iface = defaultRouteInterface(routes) ?? failed('no IPv4 default route to find the underlay interface; set --iface or --public-ip');
  return onInterface(iface, system.interfaces());
}

export async function resolvePublicAddress(s: UnderlaySettings, system: HostSystem = realSystem): Promise<PublicAddress> {
  const ip = s.public_ip === '' ? undefined : parseIp4(s.public_ip);
  const publicIP = ip === undefined ? undefined : formatIp4(ip);
  if (s.public_ip !== '' && publicIP === undefined) failed(`--public-ip ${JSON.stringify(s.public_ip)} is not an IPv4 address`);
  if (s.iface.length > 0 || s.iface_regex.length > 0 || s.iface_can_reach !== '') {
    const { address, ...choice } = await choose(s, system);
    return { publicIP: publicIP ?? address, ...choice };
  }
  // flanneld exits when no interface has the --public-ip; the lease needs only the address, and the
  // overlay says what is missing (see README, Where we differ).
  if (publicIP !== undefined) return { publicIP, iface: owner(publicIP, system.interfaces()) };
  const choice = defaultRoute(system);
  return { publicIP: choice.address, iface: choice.iface };
}
