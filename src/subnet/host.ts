// What the lease says about this host: its public (underlay) IPv4 address, found as flannel finds
// it (--public-ip, else the address of --iface, else of the default route's interface), the VTEP
// MAC it publishes, and the MTU written to subnet.env.
import { readFileSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { WeftError } from '../errors.ts';
import { deriveVtepMac, machineId } from '../machine.ts';
import { formatIp4, isUnicastMac, normalizeMac, parseIp4 } from '../net/index.ts';

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
}

export const realSystem: HostSystem = {
  interfaces: networkInterfaces,
  procNetRoute: () => readFileSync('/proc/net/route', 'utf8'),
};

export interface PublicAddress {
  readonly publicIP: string;
  /** The underlay interface, when known. */
  readonly iface: string | undefined;
}

function firstIPv4(name: string, system: HostSystem): string | undefined {
  return system.interfaces()[name]?.find((a) => a.family === 'IPv4' && !a.internal)?.address
    ?? system.interfaces()[name]?.find((a) => a.family === 'IPv4')?.address;
}

export function resolvePublicAddress(settings: { public_ip: string; iface: string }, system: HostSystem = realSystem): PublicAddress {
  if (settings.public_ip !== '') {
    const publicIP = parseIp4(settings.public_ip);
    if (publicIP === undefined) {
      throw new WeftError('WEFT_E_PUBLIC_IP', `--public-ip ${JSON.stringify(settings.public_ip)} is not an IPv4 address`);
    }
    return { publicIP: formatIp4(publicIP), iface: settings.iface === '' ? undefined : settings.iface };
  }
  let iface = settings.iface;
  if (iface === '') {
    let routes = '';
    try {
      routes = system.procNetRoute();
    } catch {
      // no /proc: fall through to the error below
    }
    iface = defaultRouteInterface(routes) ?? '';
    if (iface === '') throw new WeftError('WEFT_E_PUBLIC_IP', 'no IPv4 default route to find the underlay interface; set --iface or --public-ip');
  }
  const address = firstIPv4(iface, system);
  if (address === undefined) throw new WeftError('WEFT_E_PUBLIC_IP', `interface ${iface} has no IPv4 address; set --public-ip or choose another --iface`);
  return { publicIP: address, iface };
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
