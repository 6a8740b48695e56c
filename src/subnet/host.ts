// What the lease says about this host besides its address (underlay.ts): the VTEP MAC it
// publishes, and the MTU written to subnet.env.
import { readFileSync } from 'node:fs';
import { WeftError } from '../errors.ts';
import { deriveVtepMac, machineId } from '../machine.ts';
import { isUnicastMac, normalizeMac } from '../net/index.ts';

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
