// What the lease says about this host: its public (underlay) IPv4 address, found as flannel finds
// it (--public-ip, else the address of --iface, else of the default route's interface), its IPv6
// one for EnableIPv6 (--public-ipv6, else the first global IPv6 address of that interface), the
// VTEP MAC it publishes, and the MTU written to subnet.env.
import { readFileSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { WeftError } from '../errors.ts';
import { deriveVtepMac, machineId } from '../machine.ts';
import { formatIp4, formatIp6, isUnicastMac, normalizeMac, parseIp4, parseIp6 } from '../net/index.ts';

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
}

export const realSystem: HostSystem = {
  interfaces: networkInterfaces,
  procNetRoute: () => readFileSync('/proc/net/route', 'utf8'),
  procNetIpv6Route: () => readFileSync('/proc/net/ipv6_route', 'utf8'),
};

export interface PublicAddress {
  /** '' when the host has no IPv4 underlay address (an IPv6-only host). */
  readonly publicIP: string;
  /** The IPv6 underlay address, when the host has one (needed with EnableIPv6). */
  readonly publicIPv6?: string;
  /** The underlay interface, when known. */
  readonly iface: string | undefined;
}

/** A global (not link-local) IPv6 address: a VTEP's remote needs no zone. */
function firstIPv6(name: string, system: HostSystem): string | undefined {
  const found = system.interfaces()[name]?.find((a) => a.family === 'IPv6' && !a.internal && (a.scopeid ?? 0) === 0 && !/^fe[89ab]/i.test(a.address))?.address;
  return found === undefined ? undefined : formatIp6(parseIp6(found) ?? 0n);
}

function readOr(read: (() => string) | undefined): string {
  try {
    return read?.() ?? '';
  } catch {
    return ''; // no /proc: the caller says what is missing
  }
}

function firstIPv4(name: string, system: HostSystem): string | undefined {
  return system.interfaces()[name]?.find((a) => a.family === 'IPv4' && !a.internal)?.address
    ?? system.interfaces()[name]?.find((a) => a.family === 'IPv4')?.address;
}

export function resolvePublicAddress(settings: { public_ip: string; iface: string; public_ipv6?: string }, system: HostSystem = realSystem): PublicAddress {
  const givenV6 = settings.public_ipv6 ?? '';
  const parsedV6 = givenV6 === '' ? undefined : parseIp6(givenV6);
  if (givenV6 !== '' && parsedV6 === undefined) {
    throw new WeftError('WEFT_E_PUBLIC_IP', `--public-ipv6 ${JSON.stringify(givenV6)} is not an IPv6 address`);
  }
  const v6 = (iface: string | undefined): { publicIPv6?: string } => {
    const address = parsedV6 === undefined ? (iface === undefined ? undefined : firstIPv6(iface, system)) : formatIp6(parsedV6);
    return address === undefined ? {} : { publicIPv6: address };
  };
  if (settings.public_ip !== '') {
    const publicIP = parseIp4(settings.public_ip);
    if (publicIP === undefined) {
      throw new WeftError('WEFT_E_PUBLIC_IP', `--public-ip ${JSON.stringify(settings.public_ip)} is not an IPv4 address`);
    }
    const iface = settings.iface === '' ? undefined : settings.iface;
    return { publicIP: formatIp4(publicIP), ...v6(iface), iface };
  }
  let iface = settings.iface;
  if (iface === '') {
    iface = defaultRouteInterface(readOr(system.procNetRoute)) ?? defaultRouteInterface6(readOr(system.procNetIpv6Route)) ?? '';
    if (iface === '') throw new WeftError('WEFT_E_PUBLIC_IP', 'no default route (IPv4 or IPv6) to find the underlay interface; set --iface or --public-ip');
  }
  const address = firstIPv4(iface, system);
  const ipv6 = v6(iface);
  // An IPv6-only host: the lease says so, and a network config that enables IPv4 is refused then.
  if (address === undefined && ipv6.publicIPv6 === undefined) {
    throw new WeftError('WEFT_E_PUBLIC_IP', `interface ${iface} has no IPv4 address (nor a global IPv6 one); set --public-ip or choose another --iface`);
  }
  return { publicIP: address ?? '', ...ipv6, iface };
}

/** A stable VTEP MAC from a seed (the machine id), until the overlay gives its own. */
export const deriveVtepMAC = deriveVtepMac;
export const machineSeed = machineId;

/** Normalizes a VTEP MAC; throws WEFT_E_VTEP_MAC for anything a VTEP cannot be. */
export function checkVtepMAC(text: string): string {
  const mac = normalizeMac(text);
  if (mac === undefined || !isUnicastMac(mac)) {
    throw new WeftError('WEFT_E_VTEP_MAC', `VTEP MAC ${JSON.stringify(text)} is not a unicast MAC address like 02:42:0a:05:22:00`);
  }
  return mac;
}

/** VXLAN over IPv4 adds 50 bytes: outer Ethernet 14 + IP 20 + UDP 8 + VXLAN 8. */
export const VXLAN_OVERHEAD = 50;

/**
 * MTU for subnet.env (FLANNEL_MTU, the VXLAN device's): this host's overlay.mtu as is, else, as
 * flannel ≥ v0.21.3 does, the underlay MTU minus 50, where Backend.MTU (when set) stands for the
 * underlay MTU (1500 when neither is known).
 */
export function overlayMtu(hostMtu: number, backendMtu: number, underlayMtu: number | undefined): number {
  if (hostMtu > 0) return hostMtu;
  return (backendMtu > 0 ? backendMtu : (underlayMtu ?? 1500)) - VXLAN_OVERHEAD;
}

export function readInterfaceMtu(iface: string | undefined): number | undefined {
  if (iface === undefined || iface === '' || iface.includes('/')) return undefined;
  try {
    const mtu = Number(readFileSync(`/sys/class/net/${iface}/mtu`, 'utf8').trim());
    return Number.isInteger(mtu) && mtu > 0 ? mtu : undefined;
  } catch {
    return undefined;
  }
}
