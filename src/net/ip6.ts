// IPv6 addresses and prefixes as 128-bit integers. Text goes through `ip-address`, held to Go's
// net.ParseIP: no zone ("%eth0"), no prefix, at most four hex digits per group.
import { Address6 } from 'ip-address';

/** An IPv6 prefix; `ip` is the network address (host bits cleared) as a 128-bit integer. */
export interface Net6 {
  readonly ip: bigint;
  readonly prefixLen: number;
}

export function parseIp6(text: string): bigint | undefined {
  if (!text.includes(':') || text.includes('/') || text.includes('%') || !Address6.isValid(text)) return undefined;
  return new Address6(text).bigInt();
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

export function ip6ToBytes(ip: bigint): Buffer {
  const out = Buffer.alloc(16);
  out.writeBigUInt64BE(ip >> 64n, 0);
  out.writeBigUInt64BE(ip & 0xffffffffffffffffn, 8);
  return out;
}
