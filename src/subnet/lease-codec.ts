// flannel's lease format in etcd. Key: <prefix>/subnets/10.5.34.0-24 (dual-stack flannel hosts
// append "&fc00:0:0:22::-64"). Value: Go's json.Marshal of flannel's LeaseAttrs, fields in
// declaration order: PublicIP, PublicIPv6 (a nil pointer without omitempty, so `null`),
// BackendType, BackendData (a raw message, for vxlan {"VNI":1,"VtepMAC":"..."}), BackendV6Data
// (omitempty, absent for IPv4-only hosts).
import { posix } from 'node:path';
import type { KeyValue } from '../etcd/index.ts';
import {
  GoJsonError, describe, formatIp4, formatNet4, goFields, goInt, goParse, goString, isAligned4, normalizeMac, parseCidr6, parseIp4, parseIp6,
  type Net4, type Net6,
} from '../net/index.ts';

/** A lease as the overlay consumes it: plain data, no etcd. */
export interface Lease {
  readonly subnet: string;
  readonly publicIP: string;
  readonly backendType: string;
  /** 0 when the backend is not vxlan. */
  readonly vni: number;
  /** '' when the backend is not vxlan. */
  readonly vtepMAC: string;
  /** When etcd would expire the lease, as of when it was last seen; absent for reservations. */
  readonly expires?: Date;
}

export interface LeaseAttrs {
  readonly publicIP: string;
  readonly backendType: string;
  readonly vni: number;
  readonly vtepMAC: string;
}

export function subnetsPrefix(prefix: string): string {
  return `${posix.join(prefix, 'subnets')}/`;
}

export function configKey(prefix: string): string {
  return posix.join(prefix, 'config');
}

export function subnetKeyName(subnet: Net4): string {
  return `${formatIp4(subnet.ip)}-${subnet.prefixLen}`;
}

export function leaseKey(prefix: string, subnet: Net4): string {
  return subnetsPrefix(prefix) + subnetKeyName(subnet);
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
    ipv6Subnet = parseCidr6(`${match[3]}/${match[4] ?? ''}`);
    if (ipv6Subnet === undefined) return `key ${key} does not name a valid IPv6 subnet after '&'`;
  }
  return { subnet: { ip, prefixLen }, ipv6Subnet };
}

/** Byte for byte what flannel's json.Marshal(LeaseAttrs) writes for an IPv4 vxlan host. */
export function encodeLeaseValue(attrs: LeaseAttrs): string {
  const backendData = attrs.backendType === 'vxlan' ? { VNI: attrs.vni, VtepMAC: attrs.vtepMAC } : undefined;
  return JSON.stringify({ PublicIP: attrs.publicIP, PublicIPv6: null, BackendType: attrs.backendType, BackendData: backendData });
}

const attrFields = ['PublicIP', 'PublicIPv6', 'BackendType', 'BackendData', 'BackendV6Data'] as const;
const vxlanFields = ['VNI', 'VtepMAC'] as const;

/** Reads a lease value as flannel's json.Unmarshal would, plus the checks routing needs. */
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
    if (publicIP === undefined || publicIP === 0) return `PublicIP is ${raw.PublicIP === undefined ? 'missing' : `not an IPv4 address (${describe(raw.PublicIP)})`}`;
    const publicIPv6 = goString(raw.PublicIPv6, 'PublicIPv6');
    if (publicIPv6 !== undefined && parseIp6(publicIPv6) === undefined) return `PublicIPv6 ${JSON.stringify(publicIPv6)} is not an IPv6 address`;
    const backendType = goString(raw.BackendType, 'BackendType') ?? '';
    if (backendType !== 'vxlan') return { publicIP: formatIp4(publicIP), backendType, vni: 0, vtepMAC: '' };
    const data = goFields(raw.BackendData, vxlanFields, 'BackendData');
    const vni = goInt(data.VNI, 'BackendData.VNI', 0, 16_777_215) ?? 0;
    const macText = goString(data.VtepMAC, 'BackendData.VtepMAC');
    const vtepMAC = macText === undefined ? undefined : normalizeMac(macText);
    if (vtepMAC === undefined) return `BackendData.VtepMAC is ${macText === undefined ? 'missing' : `not a MAC address (${JSON.stringify(macText)})`}`;
    return { publicIP: formatIp4(publicIP), backendType, vni, vtepMAC };
  } catch (error) {
    if (error instanceof GoJsonError) return error.message;
    throw error;
  }
}

export interface DecodedLease {
  readonly key: string;
  readonly subnet: Net4;
  readonly lease: Lease;
  /** etcd lease ID (decimal), '0' for a reservation without TTL. */
  readonly etcdLease: string;
  readonly modRevision: number;
}

/** A key/value under subnets/ as a Lease, or the reason it is not one (logged and counted by callers). */
export function decodeLease(prefix: string, item: KeyValue, expires?: Date): DecodedLease | string {
  const key = parseLeaseKey(prefix, item.key);
  if (typeof key === 'string') return key;
  const attrs = decodeLeaseValue(item.value);
  if (typeof attrs === 'string') return `${item.key}: ${attrs}`;
  const lease: Lease = { subnet: formatNet4(key.subnet), ...attrs, ...(expires === undefined ? {} : { expires }) };
  return { key: item.key, subnet: key.subnet, lease, etcdLease: item.lease, modRevision: item.modRevision };
}
