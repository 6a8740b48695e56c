// Small IPv4 and MAC helpers for the overlay: parsing through `ip-address`, arithmetic on uint32.
import { Address4 } from 'ip-address';

export interface Cidr4 {
  /** Network address as an unsigned 32-bit integer (host bits cleared). */
  readonly ip: number;
  readonly prefixLen: number;
}

const dotted = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Strict dotted quad (no leading zeros, no short forms), as `ip-address` accepts; hot path, so a regex. */
export function parseIp4(text: string): number | undefined {
  const m = dotted.exec(text);
  if (m === null) return undefined;
  return ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
}

/** The `ip-address` reading of the same text (the oracle the unit test holds parseIp4 to). */
export function parseIp4Reference(text: string): number | undefined {
  if (text.includes('/') || !Address4.isValid(text)) return undefined;
  return Number(new Address4(text).bigInt());
}

export function formatIp4(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}

export function mask4(prefixLen: number): number {
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
}

/** "10.5.34.7/24" -> {10.5.34.0, 24}; undefined when not an IPv4 CIDR. */
export function parseCidr4(text: string): Cidr4 | undefined {
  const [addr, len, extra] = text.split('/');
  if (addr === undefined || len === undefined || extra !== undefined || !/^\d{1,2}$/.test(len)) return undefined;
  const ip = parseIp4(addr);
  const prefixLen = Number(len);
  if (ip === undefined || prefixLen > 32) return undefined;
  return { ip: (ip & mask4(prefixLen)) >>> 0, prefixLen };
}

export function formatCidr4(cidr: Cidr4): string {
  return `${formatIp4(cidr.ip)}/${cidr.prefixLen}`;
}

/** True when every address of `inner` lies in `outer`. */
export function within4(inner: Cidr4, outer: Cidr4): boolean {
  return inner.prefixLen >= outer.prefixLen && ((inner.ip & mask4(outer.prefixLen)) >>> 0) === outer.ip;
}

export function contains4(net: Cidr4, ip: number): boolean {
  return ((ip & mask4(net.prefixLen)) >>> 0) === net.ip;
}

export function ip4ToBytes(ip: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(ip >>> 0);
  return out;
}

export function bytesToIp4(bytes: Uint8Array): string | undefined {
  return bytes.length === 4 ? [...bytes].join('.') : undefined;
}

/** Lower-case colon form, or undefined when `text` is not a 48-bit MAC. */
export function normalizeMac(text: string): string | undefined {
  const parts = text.trim().toLowerCase().split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-f]{1,2}$/.test(p))) return undefined;
  return parts.map((p) => p.padStart(2, '0')).join(':');
}

export function isUnicastMac(mac: string): boolean {
  const first = Number.parseInt(mac.slice(0, 2), 16);
  return (first & 1) === 0 && mac !== '00:00:00:00:00:00';
}

export function macToBytes(mac: string): Buffer {
  return Buffer.from(mac.split(':').map((p) => Number.parseInt(p, 16)));
}

export function bytesToMac(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}
