// Either family: an address or a prefix is IPv4 when Go's To4() would say so (IPv4-mapped IPv6
// included), else IPv6. Also the ADDRESS[:PORT] form of resolv.conf and upstream lists.
import { contains4, formatIp4, formatNet4, ip4ToBytes, parseCidr4, parseIp4, type Net4 } from './ip4.ts';
import { contains6, formatIp6, formatNet6, ip6ToBytes, parseCidr6, parseIp6, size6, type Net6 } from './ip6.ts';

export type Ip = { readonly family: 4; readonly ip: number } | { readonly family: 6; readonly ip: bigint };
export type Cidr = { readonly family: 4; readonly net: Net4 } | { readonly family: 6; readonly net: Net6 };

/** Go's net.ParseIP: undefined for anything else (zones, prefixes, spaces, leading zeros). */
export function parseIp(text: string): Ip | undefined {
  const ip4 = parseIp4(text);
  if (ip4 !== undefined) return { family: 4, ip: ip4 };
  const ip6 = parseIp6(text);
  return ip6 === undefined ? undefined : { family: 6, ip: ip6 };
}

/** 4, 6, or 0 when `text` is not an address; IPv4-mapped IPv6 is 4 (CoreDNS answers it as an A record). */
export function ipFamily(text: string): 0 | 4 | 6 {
  return parseIp(text)?.family ?? 0;
}

export function formatIp(ip: Ip): string {
  return ip.family === 4 ? formatIp4(ip.ip) : formatIp6(ip.ip);
}

/** The canonical text of an address ("::FFFF:1.2.3.4" -> "1.2.3.4"), or undefined. */
export function canonicalIp(text: string): string | undefined {
  const ip = parseIp(text);
  return ip === undefined ? undefined : formatIp(ip);
}

/** 4 bytes for IPv4 (mapped included), 16 for IPv6; undefined when not an address. */
export function ipBytes(text: string): Buffer | undefined {
  const ip = parseIp(text);
  if (ip === undefined) return undefined;
  return ip.family === 4 ? ip4ToBytes(ip.ip) : ip6ToBytes(ip.ip);
}

/** Go's net.ParseCIDR, masked to the network, either family. */
export function parseCidr(text: string): Cidr | undefined {
  const net4 = parseCidr4(text);
  if (net4 !== undefined) return { family: 4, net: net4 };
  const net6 = parseCidr6(text);
  return net6 === undefined ? undefined : { family: 6, net: net6 };
}

export function formatCidr(cidr: Cidr): string {
  return cidr.family === 4 ? formatNet4(cidr.net) : formatNet6(cidr.net);
}

/** The single-address prefix of an address: 10.0.0.1 -> 10.0.0.1/32, ::1 -> ::1/128. */
export function hostCidr(ip: Ip): Cidr {
  return ip.family === 4 ? { family: 4, net: { ip: ip.ip, prefixLen: 32 } } : { family: 6, net: { ip: ip.ip, prefixLen: 128 } };
}

export function cidrContains(cidr: Cidr, ip: Ip): boolean {
  if (cidr.family === 4) return ip.family === 4 && contains4(cidr.net, ip.ip);
  return ip.family === 6 && contains6(cidr.net, ip.ip);
}

/** A set of prefixes asked "is this address in one of them?"; IPv4 is a scan over integers. */
export class NetworkSet {
  readonly #v4: Net4[] = [];
  /** First and last address of each IPv6 prefix. */
  readonly #v6: [bigint, bigint][] = [];

  constructor(cidrs: readonly Cidr[]) {
    for (const c of cidrs) {
      if (c.family === 4) this.#v4.push(c.net);
      else this.#v6.push([c.net.ip, c.net.ip + size6(c.net.prefixLen) - 1n]);
    }
  }

  has(ip: Ip): boolean {
    if (ip.family === 4) {
      for (const net of this.#v4) if (contains4(net, ip.ip)) return true;
      return false;
    }
    for (const [first, last] of this.#v6) if (ip.ip >= first && ip.ip <= last) return true;
    return false;
  }
}

export interface IpPort {
  /** Canonical address text (an IPv4-mapped address is written as IPv4). */
  readonly host: string;
  readonly port: number;
}

/** "1.2.3.4", "1.2.3.4:5353", "::1", "[::1]:5353" -> address and port; undefined when not that. */
export function parseIpPort(text: string, defaultPort: number): IpPort | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  const hostPort = bracketed === null ? /^([^:]+):(\d{1,5})$/.exec(text) : null;
  const [hostText, portText] = bracketed !== null ? [bracketed[1], bracketed[2]] : hostPort !== null ? [hostPort[1], hostPort[2]] : [text, undefined];
  const ip = parseIp(hostText ?? '');
  const port = portText === undefined ? defaultPort : Number(portText);
  if (ip === undefined || port > 65535) return undefined;
  return { host: formatIp(ip), port };
}

/** "1.2.3.4:53" or "[::1]:53". */
export function formatIpPort(address: IpPort): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
