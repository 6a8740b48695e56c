// IPv4 addresses and prefixes as unsigned 32-bit integers: the hot paths (overlay diff, DNS ACL)
// compare numbers, never strings. Parsing follows Go's net.ParseIP / net.ParseCIDR (see README).
import { parseIp6 } from './ip6.ts';

/** An IPv4 prefix; `ip` is the network address (host bits cleared) as an unsigned 32-bit integer. */
export interface Net4 {
  readonly ip: number;
  readonly prefixLen: number;
}

/** Go's net.ParseIP(text).To4(): a dotted quad (no leading zeros) or an IPv4-mapped IPv6 address. */
export function parseIp4(text: string): number | undefined {
  const ip = dottedQuad(text, 0);
  if (ip !== undefined || !text.includes(':')) return ip;
  // "::ffff:a.b.c.d" is how a dual-stack socket names an IPv4 peer: the common case, so a fast one.
  const fast = text.slice(0, 7).toLowerCase() === '::ffff:' ? dottedQuad(text, 7) : undefined;
  return fast ?? unmapIp6(text);
}

/** The IPv4 address inside any other spelling of an IPv4-mapped IPv6 address. */
function unmapIp6(text: string): number | undefined {
  const ip6 = parseIp6(text);
  return ip6 !== undefined && ip6 >> 32n === 0xffffn ? Number(ip6 & 0xffffffffn) : undefined;
}

/** The dotted quad from `start` to the end of `text`; a hand loop because it runs per packet and per peer. */
export function dottedQuad(text: string, start: number): number | undefined {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57 && !(digits > 0 && octet === 0)) {
      octet = octet * 10 + c - 48;
      digits++;
      if (octet > 255) return undefined;
    } else {
      return undefined;
    }
  }
  return dots === 3 && digits > 0 ? value * 256 + octet : undefined;
}

export function formatIp4(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

export function mask4(prefixLen: number): number {
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
}

/**
 * An address with its prefix length, host bits kept ("10.5.34.1/24" as an interface address):
 * Go's net.ParseCIDR's first result. The length is decimal (leading zeros allowed, as Go's dtoi);
 * an IPv4-mapped IPv6 form "::ffff:10.0.0.1/104" is 10.0.0.1/8, as Go reads it.
 */
export function parseIfAddr4(text: string): Net4 | undefined {
  const slash = text.indexOf('/');
  const lenText = text.slice(slash + 1);
  if (slash < 0 || !/^\d{1,3}$/.test(lenText)) return undefined;
  const addressText = text.slice(0, slash);
  let prefixLen = Number(lenText);
  let ip = dottedQuad(addressText, 0);
  if (ip === undefined && addressText.includes(':')) {
    const ip6 = parseIp6(addressText);
    if (ip6 === undefined || ip6 >> 32n !== 0xffffn || prefixLen < 96) return undefined;
    ip = Number(ip6 & 0xffffffffn);
    prefixLen -= 96;
  }
  return ip === undefined || prefixLen > 32 ? undefined : { ip, prefixLen };
}

/** Go's net.ParseCIDR for IPv4, masked to the network: "10.5.1.7/16" -> 10.5.0.0/16; undefined when not one. */
export function parseCidr4(text: string): Net4 | undefined {
  const addr = parseIfAddr4(text);
  return addr === undefined ? undefined : { ip: (addr.ip & mask4(addr.prefixLen)) >>> 0, prefixLen: addr.prefixLen };
}

export function formatNet4(net: Net4): string {
  return `${formatIp4(net.ip)}/${net.prefixLen}`;
}

/** Number of addresses in a prefix of this length. */
export function size4(prefixLen: number): number {
  return 2 ** (32 - prefixLen);
}

/** Last address of the prefix. */
export function end4(net: Net4): number {
  return net.ip + size4(net.prefixLen) - 1;
}

export function isAligned4(ip: number, prefixLen: number): boolean {
  return ((ip & mask4(prefixLen)) >>> 0) === ip;
}

export function contains4(net: Net4, ip: number): boolean {
  return ((ip & mask4(net.prefixLen)) >>> 0) === net.ip;
}

/** True when every address of `inner` lies in `outer`. */
export function within4(inner: Net4, outer: Net4): boolean {
  return inner.prefixLen >= outer.prefixLen && contains4(outer, inner.ip);
}

export function overlaps4(a: Net4, b: Net4): boolean {
  return a.ip <= end4(b) && b.ip <= end4(a);
}

export function sameNet4(a: Net4, b: Net4): boolean {
  return a.ip === b.ip && a.prefixLen === b.prefixLen;
}

/** The first usable address with the prefix length, as flannel writes FLANNEL_SUBNET: "10.5.34.1/24". */
export function firstUsable4(net: Net4): string {
  return `${formatIp4(net.ip + 1)}/${net.prefixLen}`;
}

export function ip4ToBytes(ip: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(ip >>> 0);
  return out;
}

export function bytesToIp4(bytes: Uint8Array): string | undefined {
  return bytes.length === 4 ? [...bytes].join('.') : undefined;
}
