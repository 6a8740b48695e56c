// flannel's network config (the JSON at <prefix>/config): decoded as flannel's Go code decodes it
// (pkg/subnet/config.go: ParseConfig, then CheckNetworkConfig fills the defaults and validates), so
// that a config flannel accepts means the same subnets here, and one it rejects is rejected here too.
import { WeftError } from '../errors.ts';
import {
  GoJsonError, goBool, goFields, goInt, goParse, goString, contains4, contains6, formatIp4, formatIp6, isAligned4, isAligned6, parseCidr4, parseCidr6, parseIp4, parseIp6, size4, size6,
  type Net4, type Net6,
} from '../net/index.ts';

export interface Ipv4Network {
  readonly network: Net4;
  readonly subnetLen: number;
  /** First and last subnet addresses that may be leased (uint32). */
  readonly subnetMin: number;
  readonly subnetMax: number;
}

export interface Ipv6Network {
  readonly network: Net6;
  readonly subnetLen: number;
  readonly subnetMin: bigint;
  readonly subnetMax: bigint;
}

export interface BackendConfig {
  /** "vxlan", "host-gw", ...; "udp" when the config has no Backend at all (flannel's default). */
  readonly type: string;
  readonly vni: number;
  /** UDP port of the VXLAN device; flannel's 0 means the kernel's default, 8472. */
  readonly port: number;
  readonly directRouting: boolean;
  readonly gbp: boolean;
  readonly learning: boolean;
  /**
   * flannel's Backend.MTU: the underlay MTU the VXLAN device is sized for (device and FLANNEL_MTU
   * get 50 less, as flannel ≥ v0.21.3); 0: the underlay interface's own MTU.
   */
  readonly mtu: number;
}

export interface NetworkConfig {
  readonly ipv4: Ipv4Network | undefined;
  readonly ipv6: Ipv6Network | undefined;
  readonly backend: BackendConfig;
}

export const defaultVni = 1;
export const defaultVxlanPort = 8472;

const configFields = [
  'EnableIPv4', 'EnableIPv6', 'Network', 'IPv6Network', 'Networks', 'IPv6Networks', 'SubnetMin', 'SubnetMax',
  'IPv6SubnetMin', 'IPv6SubnetMax', 'SubnetLen', 'IPv6SubnetLen', 'Backend',
] as const;
const backendFields = ['Type', 'VNI', 'Port', 'GBP', 'Learning', 'DirectRouting', 'MTU'] as const;

/** Parses and validates; throws WEFT_E_NETWORK_CONFIG naming the field and the fix. */
export function parseNetworkConfig(text: string, where = '/coreos.com/network/config'): NetworkConfig {
  try {
    return checkNetworkConfig(text);
  } catch (error) {
    if (!(error instanceof GoJsonError)) throw error;
    throw new WeftError(
      'WEFT_E_NETWORK_CONFIG',
      `network config at ${where} is invalid: ${error.message}; fix the JSON with 'weft network init --force' or etcdctl put`,
      { cause: error },
    );
  }
}

function checkNetworkConfig(text: string): NetworkConfig {
  let json: unknown;
  try {
    json = goParse(text);
  } catch (error) {
    throw new GoJsonError(`not JSON (${(error as Error).message})`);
  }
  const raw = goFields(json, configFields, 'the config');
  const enableIPv4 = goBool(raw.EnableIPv4, 'EnableIPv4') ?? true;
  const enableIPv6 = goBool(raw.EnableIPv6, 'EnableIPv6') ?? false;
  const backend = parseBackend(raw.Backend);
  const ipv4 = enableIPv4 ? checkIpv4(raw) : undefined;
  const ipv6 = enableIPv6 ? checkIpv6(raw) : undefined;
  return { ipv4, ipv6, backend };
}

function parseBackend(value: unknown): BackendConfig {
  const fields = goFields(value, backendFields, 'Backend');
  const type = value === undefined ? 'udp' : (goString(fields.Type, 'Backend.Type') ?? '');
  if (type === '') throw new GoJsonError('Backend.Type is missing (e.g. "vxlan")');
  const port = goInt(fields.Port, 'Backend.Port', 0, 65535) ?? 0;
  return {
    type,
    vni: goInt(fields.VNI, 'Backend.VNI', 0, 16_777_215) ?? defaultVni,
    port: port === 0 ? defaultVxlanPort : port,
    directRouting: goBool(fields.DirectRouting, 'Backend.DirectRouting') ?? false,
    gbp: goBool(fields.GBP, 'Backend.GBP') ?? false,
    learning: goBool(fields.Learning, 'Backend.Learning') ?? false,
    mtu: checkMtu(goInt(fields.MTU, 'Backend.MTU', 0, 65535) ?? 0),
  };
}

/** The device gets Backend.MTU − 50, and an IPv4 device needs at least 68. */
const minBackendMtu = 68 + 50;

function checkMtu(mtu: number): number {
  if (mtu !== 0 && mtu < minBackendMtu) {
    throw new GoJsonError(`Backend.MTU is the underlay MTU (the VXLAN device gets 50 less) and must be at least ${minBackendMtu} (or 0: the interface's own), got ${mtu}`);
  }
  return mtu;
}

function cidr4(value: unknown, field: string): Net4 | undefined {
  const text = goString(value, field);
  if (text === undefined) return undefined;
  const net = parseCidr4(text);
  if (net === undefined) throw new GoJsonError(`${field} ${JSON.stringify(text)} is not an IPv4 CIDR like "10.5.0.0/16"`);
  return net;
}

function ip4(value: unknown, field: string): number {
  const text = goString(value, field);
  if (text === undefined) return 0;
  const ip = parseIp4(text);
  if (ip === undefined) throw new GoJsonError(`${field} ${JSON.stringify(text)} is not an IPv4 address`);
  return ip;
}

function checkIpv4(raw: Partial<Record<(typeof configFields)[number], unknown>>): Ipv4Network {
  const network = cidr4(raw.Network, 'Network');
  const givenLen = goInt(raw.SubnetLen, 'SubnetLen', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const givenMin = ip4(raw.SubnetMin, 'SubnetMin');
  const givenMax = ip4(raw.SubnetMax, 'SubnetMax');
  if (network === undefined || network.ip === 0 && network.prefixLen === 0) {
    throw new GoJsonError('Network is missing; set it to the cluster network, e.g. "Network": "10.5.0.0/16"');
  }
  let subnetLen = givenLen;
  if (subnetLen > 0) {
    if (subnetLen > 30) throw new GoJsonError(`SubnetLen ${subnetLen} is too long; it must be at most 30 (a /31 has no room for hosts)`);
    if (subnetLen < network.prefixLen + 2) {
      throw new GoJsonError(`SubnetLen ${subnetLen} leaves fewer than four subnets in Network /${network.prefixLen}; use at least ${network.prefixLen + 2}`);
    }
  } else if (network.prefixLen > 28) {
    throw new GoJsonError(`Network /${network.prefixLen} is too small; the smallest useful network is a /28`);
  } else {
    subnetLen = network.prefixLen <= 22 ? 24 : network.prefixLen + 2;
  }
  const size = size4(subnetLen);
  // The first subnet is skipped: its network address would be the cluster network's own address.
  const subnetMin = givenMin === 0 ? network.ip + size : givenMin;
  const subnetMax = givenMax === 0 ? network.ip + size4(network.prefixLen) - size : givenMax;
  if (givenMin !== 0 && !contains4(network, givenMin)) throw new GoJsonError(`SubnetMin ${formatIp4(givenMin)} is not inside Network`);
  if (givenMax !== 0 && !contains4(network, givenMax)) throw new GoJsonError(`SubnetMax ${formatIp4(givenMax)} is not inside Network`);
  if (!isAligned4(subnetMin, subnetLen)) throw new GoJsonError(`SubnetMin ${formatIp4(subnetMin)} is not on a /${subnetLen} boundary`);
  if (!isAligned4(subnetMax, subnetLen)) throw new GoJsonError(`SubnetMax ${formatIp4(subnetMax)} is not on a /${subnetLen} boundary`);
  if (subnetMin > subnetMax) throw new GoJsonError(`SubnetMin ${formatIp4(subnetMin)} is after SubnetMax ${formatIp4(subnetMax)}`);
  return { network, subnetLen, subnetMin, subnetMax };
}

function cidr6(value: unknown, field: string): Net6 | undefined {
  const text = goString(value, field);
  if (text === undefined) return undefined;
  const net = parseCidr6(text);
  if (net === undefined) throw new GoJsonError(`${field} ${JSON.stringify(text)} is not an IPv6 CIDR like "fc00::/48"`);
  return net;
}

function ip6(value: unknown, field: string): bigint {
  const text = goString(value, field);
  if (text === undefined) return 0n;
  const ip = parseIp6(text);
  if (ip === undefined) throw new GoJsonError(`${field} ${JSON.stringify(text)} is not an IPv6 address`);
  return ip;
}

function checkIpv6(raw: Partial<Record<(typeof configFields)[number], unknown>>): Ipv6Network {
  const network = cidr6(raw.IPv6Network, 'IPv6Network');
  const givenLen = goInt(raw.IPv6SubnetLen, 'IPv6SubnetLen', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const givenMin = ip6(raw.IPv6SubnetMin, 'IPv6SubnetMin');
  const givenMax = ip6(raw.IPv6SubnetMax, 'IPv6SubnetMax');
  if (network === undefined || network.ip === 0n && network.prefixLen === 0) {
    throw new GoJsonError('IPv6Network is missing but EnableIPv6 is true; set it, e.g. "IPv6Network": "fc00::/48"');
  }
  let subnetLen = givenLen;
  if (subnetLen > 0) {
    if (subnetLen > 126) throw new GoJsonError(`IPv6SubnetLen ${subnetLen} is too long; it must be at most 126`);
    if (subnetLen < network.prefixLen + 2) {
      throw new GoJsonError(`IPv6SubnetLen ${subnetLen} leaves fewer than four subnets in IPv6Network /${network.prefixLen}; use at least ${network.prefixLen + 2}`);
    }
  } else if (network.prefixLen > 124) {
    throw new GoJsonError(`IPv6Network /${network.prefixLen} is too small; the smallest useful network is a /124`);
  } else {
    subnetLen = network.prefixLen <= 62 ? 64 : network.prefixLen + 2;
  }
  const size = size6(subnetLen);
  const subnetMin = givenMin === 0n ? network.ip + size : givenMin;
  const subnetMax = givenMax === 0n ? network.ip + size6(network.prefixLen) - size : givenMax;
  if (givenMin !== 0n && !contains6(network, givenMin)) throw new GoJsonError(`IPv6SubnetMin ${formatIp6(givenMin)} is not inside IPv6Network`);
  if (givenMax !== 0n && !contains6(network, givenMax)) throw new GoJsonError(`IPv6SubnetMax ${formatIp6(givenMax)} is not inside IPv6Network`);
  if (!isAligned6(subnetMin, subnetLen)) throw new GoJsonError(`IPv6SubnetMin ${formatIp6(subnetMin)} is not on a /${subnetLen} boundary`);
  if (!isAligned6(subnetMax, subnetLen)) throw new GoJsonError(`IPv6SubnetMax ${formatIp6(subnetMax)} is not on a /${subnetLen} boundary`);
  if (subnetMin > subnetMax) throw new GoJsonError(`IPv6SubnetMin ${formatIp6(subnetMin)} is after IPv6SubnetMax ${formatIp6(subnetMax)}`);
  return { network, subnetLen, subnetMin, subnetMax };
}

export interface NetworkInit {
  /** '' with `ipv4: false`. */
  readonly network: string;
  readonly subnetLen?: number;
  readonly backend?: string;
  readonly vni?: number;
  /** flannel's IPv6Network: sets EnableIPv6. */
  readonly ipv6Network?: string;
  readonly ipv6SubnetLen?: number;
  /** false: flannel's EnableIPv4 false (an IPv6-only network). */
  readonly ipv4?: boolean;
}

/** The JSON `weft network init` writes; validated by parsing it back. */
export function renderNetworkConfig(init: NetworkInit, where?: string): string {
  const backend: Record<string, unknown> = { Type: init.backend ?? 'vxlan' };
  if (init.vni !== undefined) backend.VNI = init.vni;
  const config: Record<string, unknown> = init.ipv4 === false ? { EnableIPv4: false } : { Network: init.network };
  if (init.subnetLen !== undefined) config.SubnetLen = init.subnetLen;
  if (init.ipv6Network !== undefined) {
    Object.assign(config, { EnableIPv6: true, IPv6Network: init.ipv6Network });
    if (init.ipv6SubnetLen !== undefined) config.IPv6SubnetLen = init.ipv6SubnetLen;
  }
  config.Backend = backend;
  const text = JSON.stringify(config);
  parseNetworkConfig(text, where);
  return text;
}

/** A JSON-able picture of a parsed config, with the defaults filled in (for `weft network show`). */
export function describeNetworkConfig(config: NetworkConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (config.ipv4 !== undefined) {
    const { network, subnetLen, subnetMin, subnetMax } = config.ipv4;
    Object.assign(out, { Network: `${formatIp4(network.ip)}/${network.prefixLen}`, SubnetLen: subnetLen, SubnetMin: formatIp4(subnetMin), SubnetMax: formatIp4(subnetMax) });
  }
  if (config.ipv6 !== undefined) {
    const { network, subnetLen, subnetMin, subnetMax } = config.ipv6;
    Object.assign(out, { IPv6Network: `${formatIp6(network.ip)}/${network.prefixLen}`, IPv6SubnetLen: subnetLen, IPv6SubnetMin: formatIp6(subnetMin), IPv6SubnetMax: formatIp6(subnetMax) });
  }
  const { type, vni, port, directRouting, gbp, learning, mtu } = config.backend;
  out.Backend = { Type: type, VNI: vni, Port: port, DirectRouting: directRouting, GBP: gbp, Learning: learning, MTU: mtu };
  return out;
}
