// Taking over a host where flanneld ran (issue 15, in-place migration). flanneld leaves its device
// `flannel.<VNI>` in place with the routes, neighbours and FDB entries containers use, and the other
// hosts hold its MAC (the VtepMAC of its lease) in their neighbour and FDB tables. A second VXLAN
// device with the same VNI and port is refused by the kernel (EEXIST), and a new MAC would make
// every peer relearn it. So, when `overlay.device` is unset, weft adopts flannel's device (as a
// restarting flanneld does: its ensureLink keeps a compatible existing device and its MAC), and
// that device's MAC becomes the persisted VTEP MAC before the first lease write.
import { isUnicastMac, normalizeMac } from '../net/index.ts';
import type { VxlanDevice } from './kernel-state.ts';

/** flanneld's device name for a VNI (pkg/backend/vxlan/vxlan.go). */
export function flannelDeviceName(vni: number): string {
  return `flannel.${vni}`;
}

const FLANNEL_DEVICE = /^flannel\.\d+$/;

/** What a device must share with ours to be kept: VNI, UDP port, local address, underlay (unset = any). */
export interface AdoptTarget {
  readonly vni: number;
  readonly port: number;
  readonly local: string;
  readonly underlay: string;
}

/**
 * Can this existing device be ours? The attributes the kernel cannot change in place and that
 * decide which packets reach it, compared as flannel's vxlanLinksIncompat does (a local address or
 * underlay the device does not set matches any). MTU, MAC, learning and GBP are reconciled later.
 */
export function adoptable(device: VxlanDevice | undefined, want: AdoptTarget): device is VxlanDevice {
  return device !== undefined && device.vni === want.vni && device.port === want.port
    && (device.local === '' || device.local === want.local)
    && (device.underlay === '' || device.underlay === want.underlay);
}

/** The device name when `overlay.device` is '': flannel's when it exists and fits, else `weft.<VNI>`. */
export function defaultDeviceName(flannel: VxlanDevice | undefined, want: AdoptTarget): string {
  return adoptable(flannel, want) ? flannelDeviceName(want.vni) : `weft.${want.vni}`;
}

/** A link as a dump shows it (only what the MAC choice needs). */
export interface LinkFacts {
  readonly name: string;
  readonly kind: string | undefined;
  readonly mac: string;
  /** The VXLAN local address, '' when unset. */
  readonly local: string;
}

/**
 * The MAC to publish before the network config (and so the VNI) is known: that of the VXLAN device
 * weft will use, if it already exists on our public IP: `device` when configured, else flanneld's
 * `flannel.<N>` (one only; with several, none: the VNI decides and the reconciler follows the lease).
 */
export function adoptedMac(links: readonly LinkFacts[], o: { readonly publicIP: string; readonly device: string }): string | undefined {
  const candidates = links.filter((l) => l.kind === 'vxlan' && (o.device === '' ? FLANNEL_DEVICE.test(l.name) : l.name === o.device)
    && (l.local === '' || l.local === o.publicIP));
  if (candidates.length !== 1) return undefined;
  const mac = normalizeMac(candidates[0]?.mac ?? '');
  return mac !== undefined && isUnicastMac(mac) ? mac : undefined;
}
