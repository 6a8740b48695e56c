// Address and prefix arithmetic for subnet leases. Parsing and formatting go through `ip-address`
// (strict: no leading zeros, no short forms); the arithmetic is on integers (uint32 for IPv4,
// bigint for IPv6) so that "next subnet" and "is aligned" are exact.
import { Address4, Address6 } from 'ip-address';

/** An IPv4 prefix; `ip` is the network address as an unsigned 32-bit integer. */
export interface Net4 {
  readonly ip: number;
  readonly prefixLen: number;
}

/** An IPv6 prefix; `ip` is the network address as a 128-bit integer. */
export interface Net6 {
  readonly ip: bigint;
  readonly prefixLen: number;
}

export function parseIp4(text: string): number | undefined {
  if (text.includes('/') || !Address4.isValid(text)) return undefined;
  return Number(new Address4(text).bigInt());
}

export function formatIp4(ip: number): string {
  return Address4.fromBigInt(BigInt(ip >>> 0)).correctForm();
}

/** "10.5.1.7/16" -> 10.5.0.0/16, like Go's net.ParseCIDR; undefined when not a CIDR. */
export function parseCidr4(text: string): Net4 | undefined {
  const slash = text.indexOf('/');
  if (slash < 0 || !/^\d{1,2}$/.test(text.slice(slash + 1)) || !Address4.isValid(text)) return undefined;
  const address = new Address4(text);
  if (address.subnetMask > 32) return undefined;
  return { ip: Number(address.startAddress().bigInt()), prefixLen: address.subnetMask };
}

export function formatNet4(net: Net4): string {
  return `${formatIp4(net.ip)}/${net.prefixLen}`;
}

/** Number of addresses in a prefix of this length. */
export function size4(prefixLen: number): number {
  return 2 ** (32 - prefixLen);
}

export function mask4(prefixLen: number): number {
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
}

export function isAligned4(ip: number, prefixLen: number): boolean {
  return ((ip & mask4(prefixLen)) >>> 0) === ip;
}

export function contains4(net: Net4, ip: number): boolean {
  return ((ip & mask4(net.prefixLen)) >>> 0) === net.ip;
}

export function overlaps4(a: Net4, b: Net4): boolean {
  return a.ip <= end4(b) && b.ip <= end4(a);
}

/** Last address of the prefix. */
export function end4(net: Net4): number {
  return net.ip + size4(net.prefixLen) - 1;
}

export function sameNet4(a: Net4, b: Net4): boolean {
  return a.ip === b.ip && a.prefixLen === b.prefixLen;
}

/** The first usable address with the prefix length, as flannel writes FLANNEL_SUBNET: "10.5.34.1/24". */
export function firstUsable4(net: Net4): string {
  return `${formatIp4(net.ip + 1)}/${net.prefixLen}`;
}

export function parseIp6(text: string): bigint | undefined {
  if (text.includes('/') || !Address6.isValid(text)) return undefined;
  return new Address6(text).bigInt();
}

export function formatIp6(ip: bigint): string {
  return Address6.fromBigInt(ip).correctForm();
}

export function parseCidr6(text: string): Net6 | undefined {
  const slash = text.indexOf('/');
  if (slash < 0 || !/^\d{1,3}$/.test(text.slice(slash + 1)) || !Address6.isValid(text)) return undefined;
  const address = new Address6(text);
  if (address.subnetMask > 128) return undefined;
  return { ip: address.startAddress().bigInt(), prefixLen: address.subnetMask };
}

export function formatNet6(net: Net6): string {
  return `${formatIp6(net.ip)}/${net.prefixLen}`;
}

export function size6(prefixLen: number): bigint {
  return 1n << BigInt(128 - prefixLen);
}

export function isAligned6(ip: bigint, prefixLen: number): boolean {
  return ip % size6(prefixLen) === 0n;
}

export function contains6(net: Net6, ip: bigint): boolean {
  return ip >= net.ip && ip < net.ip + size6(net.prefixLen);
}
