// The daemon's subnet file in flannel's format (FLANNEL_NETWORK, FLANNEL_SUBNET, FLANNEL_MTU,
// FLANNEL_IPMASQ, and the IPv6 pair), read as flannel's CNI plugin reads it: every key must be
// there, networks are CIDRs (a comma list), the subnet's host bits are masked off.
import { isIPv4, isIPv6 } from 'node:net';
import { CniCode, CniError } from './spec/errors.ts';

export interface SubnetEnv {
  readonly networks: readonly string[];
  readonly subnet: string | undefined;
  readonly ip6Networks: readonly string[];
  readonly ip6Subnet: string | undefined;
  readonly mtu: number;
  readonly ipMasq: boolean;
}

const maxBytes = 64 * 1024;

function v6Bytes(ip: string): number[] {
  const [head = '', tail] = ip.split('::');
  const groups = (s: string | undefined): string[] => (s === undefined || s === '' ? [] : s.split(':'));
  let left = groups(head);
  let right = groups(tail);
  const last = (tail === undefined ? left : right).at(-1) ?? '';
  if (isIPv4(last)) {
    const [a = 0, b = 0, c = 0, d = 0] = last.split('.').map(Number);
    const words = [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    if (tail === undefined) left = [...left.slice(0, -1), ...words];
    else right = [...right.slice(0, -1), ...words];
  }
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]);
}

/** A CIDR with its host bits cleared ("10.5.34.1/24" → "10.5.34.0/24"), or an error naming the key. */
export function maskCidr(text: string, key: string): string {
  const [ip = '', bitsText = '', extra] = text.trim().split('/');
  const bits = Number(bitsText);
  const v4 = isIPv4(ip);
  if (extra !== undefined || !/^\d{1,3}$/.test(bitsText) || (!v4 && !isIPv6(ip)) || bits > (v4 ? 32 : 128)) {
    throw new CniError(CniCode.invalidConfig, `subnet file: ${key} is not a CIDR`, `"${text.slice(0, 80)}"`);
  }
  const bytes = v4 ? ip.split('.').map(Number) : v6Bytes(ip);
  const masked = bytes.map((b, i) => (i * 8 >= bits ? 0 : i * 8 + 8 <= bits ? b : b & (0xff << (8 - (bits - i * 8))) & 0xff));
  if (v4) return `${masked.join('.')}/${bits}`;
  const words = [];
  for (let i = 0; i < 16; i += 2) words.push((((masked[i] ?? 0) << 8) | (masked[i + 1] ?? 0)).toString(16));
  return `${words.join(':')}/${bits}`;
}

/** The first address after a masked subnet's network address: host-local's default gateway. */
export function gatewayOf(subnet: string): string {
  const [ip = ''] = subnet.split('/');
  if (isIPv4(ip)) {
    const parts = ip.split('.').map(Number);
    return [...parts.slice(0, 3), (parts[3] ?? 0) + 1].join('.');
  }
  const bytes = v6Bytes(ip);
  const last = ((bytes[14] ?? 0) << 8) | (bytes[15] ?? 0);
  const words: string[] = [];
  for (let i = 0; i < 14; i += 2) words.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return [...words, (last + 1).toString(16)].join(':');
}

export function parseSubnetEnv(text: string, path: string): SubnetEnv {
  if (text.length > maxBytes) throw new CniError(CniCode.invalidConfig, `subnet file ${path} is larger than ${maxBytes} bytes`);
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const cidrs = (key: string): string[] => [...new Set((values.get(key) ?? '').split(',').filter((c) => c.trim() !== '').map((c) => maskCidr(c, key)))];
  const one = (key: string): string | undefined => (values.has(key) ? maskCidr(values.get(key) ?? '', key) : undefined);
  const networks = cidrs('FLANNEL_NETWORK');
  const ip6Networks = cidrs('FLANNEL_IPV6_NETWORK');
  const subnet = one('FLANNEL_SUBNET');
  const ip6Subnet = one('FLANNEL_IPV6_SUBNET');
  const missing: string[] = [];
  if (networks.length === 0 && ip6Networks.length === 0) missing.push('FLANNEL_NETWORK', 'FLANNEL_IPV6_NETWORK');
  if (subnet === undefined && ip6Subnet === undefined) missing.push('FLANNEL_SUBNET', 'FLANNEL_IPV6_SUBNET');
  if (!values.has('FLANNEL_MTU')) missing.push('FLANNEL_MTU');
  if (!values.has('FLANNEL_IPMASQ')) missing.push('FLANNEL_IPMASQ');
  if (missing.length > 0) throw new CniError(CniCode.invalidConfig, `subnet file ${path} is missing ${missing.join(', ')}`, 'the weft daemon writes it once it holds a subnet lease; check subnetFile against the daemon\'s subnet.subnet_file');
  const mtu = Number(values.get('FLANNEL_MTU'));
  if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw new CniError(CniCode.invalidConfig, `subnet file ${path}: FLANNEL_MTU is not an MTU`, `"${values.get('FLANNEL_MTU')}"`);
  return { networks, subnet, ip6Networks, ip6Subnet, mtu, ipMasq: values.get('FLANNEL_IPMASQ') === 'true' };
}

/** The subnet file, or undefined when it does not exist (yet). */
export async function readSubnetFile(path: string): Promise<SubnetEnv | undefined> {
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CniError(CniCode.ioFailure, `cannot read the subnet file ${path}`, (error as Error).message);
  }
  return parseSubnetEnv(text, path);
}
