// flannel's lease format in etcd. Key: <prefix>/subnets/10.5.34.0-24; a dual-stack lease appends
// its IPv6 subnet, "10.5.34.0-24&fc00:0:0:22::-64", and an IPv6-only one (EnableIPv4 false) keeps
// the empty IPv4 part flannel's MakeSubnetKey prints: "0.0.0.0-0&fc00:0:0:22::-64". Value: Go's
// json.Marshal of flannel's LeaseAttrs, fields in declaration order: PublicIP ("0.0.0.0" when
// IPv6-only), PublicIPv6 (a nil pointer without omitempty, so `null` when IPv4-only), BackendType,
// BackendData (the IPv4 device's {"VNI":1,"VtepMAC":"..."}), BackendV6Data (the IPv6 device's);
// both raw messages are omitempty, so absent for the family a host does not run.
import { posix } from 'node:path';
import type { KeyValue } from '../etcd/index.ts';
import {
  GoJsonError, describe, formatIp4, formatIp6, formatNet4, formatNet6, goFields, goInt, goParse, goString, isAligned4, isAligned6, normalizeMac, parseIp4, parseIp6,
  type Net4, type Net6,
} from '../net/index.ts';

/** A lease as the overlay consumes it: plain data, no etcd. */
export interface Lease {
  /** '' for an IPv6-only lease. */
  readonly subnet: string;
  /** '' for an IPv6-only lease. */
  readonly publicIP: string;
  readonly backendType: string;
  /** 0 when the backend is not vxlan. */
  readonly vni: number;
  /** '' when the backend is not vxlan, or the lease has no IPv4 side. */
  readonly vtepMAC: string;
  /** The IPv6 side of a dual-stack or IPv6-only lease ("fc00:0:0:22::/64"); absent otherwise. */
  readonly ipv6Subnet?: string;
  readonly publicIPv6?: string;
  /** The IPv6 VXLAN device's MAC (BackendV6Data.VtepMAC); '' when the backend is not vxlan. */
  readonly vtepMACv6?: string;
  /** When etcd would expire the lease, as of when it was last seen; absent for reservations. */
  readonly expires?: Date;
}

export interface LeaseAttrs {
  /** '' when the host runs no IPv4 side (written as flannel's "0.0.0.0"). */
  readonly publicIP: string;
  readonly backendType: string;
  readonly vni: number;
  readonly vtepMAC: string;
  readonly publicIPv6?: string;
  readonly vtepMACv6?: string;
}

/** flannel's empty IPv4 subnet: the IPv4 part of an IPv6-only lease's key. */
export const noIpv4Subnet: Net4 = { ip: 0, prefixLen: 0 };

export function subnetsPrefix(prefix: string): string {
  return `${posix.join(prefix, 'subnets')}/`;
}

export function configKey(prefix: string): string {
  return posix.join(prefix, 'config');
}

export function subnetKeyName(subnet: Net4, subnet6?: Net6): string {
  const v4 = `${formatIp4(subnet.ip)}-${subnet.prefixLen}`;
  return subnet6 === undefined ? v4 : `${v4}&${formatIp6(subnet6.ip)}-${subnet6.prefixLen}`;
}

export function leaseKey(prefix: string, subnet: Net4, subnet6?: Net6): string {
  return subnetsPrefix(prefix) + subnetKeyName(subnet, subnet6);
}

export interface ParsedKey {
  readonly subnet: Net4;
  readonly ipv6Subnet: Net6 | undefined;
}

const keyPattern = /^([\d.]+)-(\d{1,2})(?:&([0-9a-f:]+)-(\d{1,3}))?$/;

/** The subnet named by a key under subnets/, or a reason it is not one. */
export function parseLeaseKey(prefix: string, key: string): ParsedKey | string {
  const base = subnetsPrefix(prefix);
  if (!key.startsWith(base)) return `key ${key} is not under ${base}`;
  const match = keyPattern.exec(key.slice(base.length));
  if (match === null) return `key ${key} does not name a subnet like ${base}10.5.34.0-24`;
  const ip = parseIp4(match[1] ?? '');
  const prefixLen = Number(match[2]);
  if (ip === undefined || prefixLen > 32) return `key ${key} does not name a valid IPv4 subnet`;
  if (!isAligned4(ip, prefixLen)) return `key ${key} names ${formatIp4(ip)}/${prefixLen}, which is not a network address`;
  let ipv6Subnet: Net6 | undefined;
  if (match[3] !== undefined) {
    const ip6 = parseIp6(match[3]);
    const len6 = Number(match[4]);
    if (ip6 === undefined || len6 > 128) return `key ${key} does not name a valid IPv6 subnet after '&'`;
    if (!isAligned6(ip6, len6)) return `key ${key} names ${formatIp6(ip6)}/${len6}, which is not a network address`;
    ipv6Subnet = { ip: ip6, prefixLen: len6 };
  }
  return { subnet: { ip, prefixLen }, ipv6Subnet };
}

/** Byte for byte what flannel's json.Marshal(LeaseAttrs) writes for a vxlan host of either or both families. */
export function encodeLeaseValue(attrs: LeaseAttrs): string {
  const vxlan = attrs.backendType === 'vxlan';
  const v4 = attrs.publicIP !== '';
  const v6 = attrs.publicIPv6 !== undefined;
  return JSON.stringify({
    PublicIP: v4 ? attrs.publicIP : '0.0.0.0',
    PublicIPv6: attrs.publicIPv6 ?? null,
    BackendType: attrs.backendType,
    BackendData: vxlan && v4 ? { VNI: attrs.vni, VtepMAC: attrs.vtepMAC } : undefined,
    BackendV6Data: vxlan && v6 ? { VNI: attrs.vni, VtepMAC: attrs.vtepMACv6 ?? '' } : undefined,
  });
}

const attrFields = ['PublicIP', 'PublicIPv6', 'BackendType', 'BackendData', 'BackendV6Data'] as const;
const vxlanFields = ['VNI', 'VtepMAC'] as const;

function vxlanData(value: unknown, field: string): { vni: number; vtepMAC: string } | string {
  const data = goFields(value, vxlanFields, field);
  const vni = goInt(data.VNI, `${field}.VNI`, 0, 16_777_215) ?? 0;
  const macText = goString(data.VtepMAC, `${field}.VtepMAC`);
  const vtepMAC = macText === undefined ? undefined : normalizeMac(macText);
  if (vtepMAC === undefined) return `${field}.VtepMAC is ${macText === undefined ? 'missing' : `not a MAC address (${JSON.stringify(macText)})`}`;
  return { vni, vtepMAC };
}

/**
 * Reads a lease value as flannel's json.Unmarshal would, plus the checks routing needs. PublicIP
 * "0.0.0.0" (or none) with a PublicIPv6 is an IPv6-only host: publicIP ''.
 */
export function decodeLeaseValue(text: string): LeaseAttrs | string {
  let json: unknown;
  try {
    json = goParse(text);
  } catch {
    return `value is not JSON: ${text.length > 60 ? `${text.slice(0, 60)}...` : text}`;
  }
  try {
    const raw = goFields(json, attrFields, 'the lease value');
    const publicIPText = goString(raw.PublicIP, 'PublicIP');
    const publicIP = publicIPText === undefined ? undefined : parseIp4(publicIPText);
    const publicIPv6Text = goString(raw.PublicIPv6, 'PublicIPv6');
    const publicIPv6 = publicIPv6Text === undefined ? undefined : parseIp6(publicIPv6Text);
    if (publicIPv6Text !== undefined && publicIPv6 === undefined) return `PublicIPv6 ${JSON.stringify(publicIPv6Text)} is not an IPv6 address`;
    if ((publicIPText !== undefined && publicIP === undefined) || ((publicIP ?? 0) === 0 && publicIPv6 === undefined)) {
      return `PublicIP is ${raw.PublicIP === undefined ? 'missing' : `not an IPv4 address (${describe(raw.PublicIP)})`}`;
    }
    const v4 = publicIP === undefined || publicIP === 0 ? '' : formatIp4(publicIP);
    const v6 = publicIPv6 === undefined ? {} : { publicIPv6: formatIp6(publicIPv6) };
    const backendType = goString(raw.BackendType, 'BackendType') ?? '';
    if (backendType !== 'vxlan') return { publicIP: v4, backendType, vni: 0, vtepMAC: '', ...v6, ...(publicIPv6 === undefined ? {} : { vtepMACv6: '' }) };
    const data4 = v4 === '' ? { vni: 0, vtepMAC: '' } : vxlanData(raw.BackendData, 'BackendData');
    if (typeof data4 === 'string') return data4;
    if (publicIPv6 === undefined) return { publicIP: v4, backendType, ...data4 };
    const data6 = vxlanData(raw.BackendV6Data, 'BackendV6Data');
    if (typeof data6 === 'string') return data6;
    return { publicIP: v4, backendType, vni: v4 === '' ? data6.vni : data4.vni, vtepMAC: data4.vtepMAC, ...v6, vtepMACv6: data6.vtepMAC };
  } catch (error) {
    if (error instanceof GoJsonError) return error.message;
    throw error;
  }
}

export interface DecodedLease {
  readonly key: string;
  /** flannel's empty 0.0.0.0/0 for an IPv6-only lease. */
  readonly subnet: Net4;
  readonly subnet6: Net6 | undefined;
  readonly lease: Lease;
  /** etcd lease ID (decimal), '0' for a reservation without TTL. */
  readonly etcdLease: string;
  readonly modRevision: number;
}

/**
 * A key/value under subnets/ as a Lease, or the reason it is not one (logged and counted by
 * callers). The key says which families the lease has; a dual-stack key whose value carries no
 * PublicIPv6 is reported with its IPv4 side only.
 */
export function decodeLease(prefix: string, item: KeyValue, expires?: Date): DecodedLease | string {
  const key = parseLeaseKey(prefix, item.key);
  if (typeof key === 'string') return key;
  const attrs = decodeLeaseValue(item.value);
  if (typeof attrs === 'string') return `${item.key}: ${attrs}`;
  const { publicIPv6, vtepMACv6, ...v4attrs } = attrs;
  const hasV4 = key.ipv6Subnet === undefined || key.subnet.prefixLen !== 0 || key.subnet.ip !== 0;
  if (hasV4 && attrs.publicIP === '') return `${item.key}: PublicIP is 0.0.0.0 but the key names an IPv4 subnet`;
  const subnet6 = publicIPv6 === undefined ? undefined : key.ipv6Subnet;
  if (!hasV4 && subnet6 === undefined) return `${item.key}: PublicIPv6 is missing but the key names only an IPv6 subnet`;
  const v6 = subnet6 === undefined ? {} : { ipv6Subnet: formatNet6(subnet6), publicIPv6: publicIPv6 ?? '', vtepMACv6: vtepMACv6 ?? '' };
  const lease: Lease = { ...v4attrs, subnet: hasV4 ? formatNet4(key.subnet) : '', publicIP: hasV4 ? attrs.publicIP : '', ...v6, ...(expires === undefined ? {} : { expires }) };
  return { key: item.key, subnet: key.subnet, subnet6, lease, etcdLease: item.lease, modRevision: item.modRevision };
}
