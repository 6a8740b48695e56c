// IPv6 addresses and prefixes as 128-bit integers. Text is checked by node:net's isIPv6 and held to
// Go's net.ParseIP (no zone "%eth0", no prefix); formatting is `ip-address`'s RFC 5952 form.
import { isIPv6 } from 'node:net';
import { Address6 } from 'ip-address';
import { dottedQuad } from './ip4.ts';

/** An IPv6 prefix; `ip` is the network address (host bits cleared) as a 128-bit integer. */
export interface Net6 {
  readonly ip: bigint;
  readonly prefixLen: number;
}

export function parseIp6(text: string): bigint | undefined {
  if (text.includes('%') || !isIPv6(text)) return undefined;
  // Valid text now: at most one "::" and an optional trailing dotted quad; fill eight 16-bit groups.
  const groups = [0, 0, 0, 0, 0, 0, 0, 0];
  let g = 0;
  let gap = -1;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 58) {
      if (digits > 0) groups[g++] = value;
      value = 0;
      digits = 0;
      if (text.charCodeAt(i + 1) === 58) {
        gap = g;
        i++;
      }
    } else if (c === 46) {
      const v4 = dottedQuad(text, text.lastIndexOf(':') + 1) ?? 0;
      groups[g++] = Math.floor(v4 / 0x10000);
      groups[g++] = v4 & 0xffff;
      digits = 0;
      break;
    } else {
      value = value * 16 + (c <= 57 ? c - 48 : (c | 32) - 87);
      digits++;
    }
  }
  if (digits > 0) groups[g++] = value;
  if (gap >= 0) {
    const moved = groups.splice(gap, g - gap);
    groups.splice(gap, 0, ...Array<number>(8 - moved.length - gap).fill(0), ...moved);
    groups.length = 8;
  }
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, h = 0, k = 0] = groups;
  return (BigInt(a * 0x10000 + b) << 96n) | (BigInt(c * 0x10000 + d) << 64n) | (BigInt(e * 0x10000 + f) << 32n) | BigInt(h * 0x10000 + k);
}

export function formatIp6(ip: bigint): string {
  return Address6.fromBigInt(ip).correctForm();
}

export function size6(prefixLen: number): bigint {
  return 1n << BigInt(128 - prefixLen);
}

/** "fd00::1/64" -> fd00::/64 (masked, like Go's net.ParseCIDR); undefined when not an IPv6 CIDR. */
export function parseCidr6(text: string): Net6 | undefined {
  const slash = text.indexOf('/');
  const lenText = text.slice(slash + 1);
  if (slash < 0 || !/^\d{1,3}$/.test(lenText)) return undefined;
  const ip = parseIp6(text.slice(0, slash));
  const prefixLen = Number(lenText);
  if (ip === undefined || prefixLen > 128) return undefined;
  return { ip: ip - (ip % size6(prefixLen)), prefixLen };
}

export function formatNet6(net: Net6): string {
  return `${formatIp6(net.ip)}/${net.prefixLen}`;
}

export function isAligned6(ip: bigint, prefixLen: number): boolean {
  return ip % size6(prefixLen) === 0n;
}

export function contains6(net: Net6, ip: bigint): boolean {
  return ip >= net.ip && ip < net.ip + size6(net.prefixLen);
}

/** Last address of the prefix. */
export function end6(net: Net6): bigint {
  return net.ip + size6(net.prefixLen) - 1n;
}

export function overlaps6(a: Net6, b: Net6): boolean {
  return a.ip <= end6(b) && b.ip <= end6(a);
}

export function sameNet6(a: Net6, b: Net6): boolean {
  return a.ip === b.ip && a.prefixLen === b.prefixLen;
}

/** The first usable address with the prefix length, as flannel writes FLANNEL_IPV6_SUBNET: "fc00:0:0:1::1/64". */
export function firstUsable6(net: Net6): string {
  return `${formatIp6(net.ip + 1n)}/${net.prefixLen}`;
}

/** 16 bytes (rtnetlink's RTA_DST, NDA_DST, IFA_LOCAL) as RFC 5952 text; undefined for any other length. */
export function bytesToIp6(bytes: Uint8Array): string | undefined {
  if (bytes.length !== 16) return undefined;
  const b = Buffer.from(bytes);
  return formatIp6((b.readBigUInt64BE(0) << 64n) | b.readBigUInt64BE(8));
}

export function ip6ToBytes(ip: bigint): Buffer {
  const out = Buffer.alloc(16);
  out.writeBigUInt64BE(ip >> 64n, 0);
  out.writeBigUInt64BE(ip & 0xffffffffffffffffn, 8);
  return out;
}
