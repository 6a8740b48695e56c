// ADD results in the shape of the version asked: 1.0.0/1.1.0 (interfaces with mtu, socketPath,
// pciID; routes with mtu, advmss, priority, table, scope; `dns` left out when empty) or
// 0.3.0/0.3.1/0.4.0 (each IP carries `version` "4"/"6"; interfaces have name, mac, sandbox; routes
// dst and gw; `dns` always present), as libcni's types/100 and types/040 convert them.
import { CniCode, CniError } from './errors.ts';
import { compareVersions, type CniVersion } from './version.ts';

export interface Interface {
  name: string;
  mac?: string;
  mtu?: number;
  sandbox?: string;
  socketPath?: string;
  pciID?: string;
}
export interface IpConfig {
  address: string;
  gateway?: string;
  interface?: number;
  version?: '4' | '6';
}
export interface Route {
  dst: string;
  gw?: string;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}
export interface Dns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}
export interface Result {
  cniVersion: string;
  interfaces?: Interface[];
  ips?: IpConfig[];
  routes?: Route[];
  dns?: Dns;
}

type Json = Record<string, unknown>;
const maxEntries = 256;

function asObject(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CniError(CniCode.decodingFailure, `${what} is not a JSON object`);
  return value as Json;
}

function list(value: unknown, what: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > maxEntries) throw new CniError(CniCode.decodingFailure, `${what} is not a list of at most ${maxEntries} entries`);
  return value;
}

/** Copies the listed keys of `from` that have the expected type. */
function pick<T>(from: Json, keys: readonly string[], type: 'string' | 'number' | 'array'): Partial<T> {
  const out: Json = {};
  for (const key of keys) {
    const v = from[key];
    if (type === 'array' ? Array.isArray(v) && v.every((s) => typeof s === 'string') : typeof v === type) out[key] = v;
  }
  return out as Partial<T>;
}

function requiredString(from: Json, key: string, what: string): string {
  const v = from[key];
  if (typeof v !== 'string' || v === '') throw new CniError(CniCode.decodingFailure, `${what} has no "${key}"`);
  return v;
}

/** Reads a result of any supported version (a delegate's stdout, a prevResult) into one shape. */
export function parseResult(input: unknown, what = 'result'): Result {
  const r = asObject(input, what);
  const interfaces = list(r.interfaces, `${what}.interfaces`).map((i) => {
    const o = asObject(i, `${what}.interfaces[]`);
    return { name: requiredString(o, 'name', `${what}.interfaces[]`), ...pick<Interface>(o, ['mac', 'sandbox', 'socketPath', 'pciID'], 'string'), ...pick<Interface>(o, ['mtu'], 'number') };
  });
  const ips = list(r.ips, `${what}.ips`).map((i) => {
    const o = asObject(i, `${what}.ips[]`);
    return { address: requiredString(o, 'address', `${what}.ips[]`), ...pick<IpConfig>(o, ['gateway'], 'string'), ...pick<IpConfig>(o, ['interface'], 'number') };
  });
  const routes = list(r.routes, `${what}.routes`).map((i) => {
    const o = asObject(i, `${what}.routes[]`);
    return { dst: requiredString(o, 'dst', `${what}.routes[]`), ...pick<Route>(o, ['gw'], 'string'), ...pick<Route>(o, ['mtu', 'advmss', 'priority', 'table', 'scope'], 'number') };
  });
  const dns = r.dns === undefined || r.dns === null ? {} : { ...pick<Dns>(asObject(r.dns, `${what}.dns`), ['domain'], 'string'), ...pick<Dns>(asObject(r.dns, `${what}.dns`), ['nameservers', 'search', 'options'], 'array') };
  return { cniVersion: typeof r.cniVersion === 'string' ? r.cniVersion : '', interfaces, ips, routes, dns };
}

function ipVersion(address: string): '4' | '6' {
  return address.includes(':') ? '6' : '4';
}

/** The result as the runtime asked for it (`version` is the config's cniVersion). */
export function convertResult(result: Result, version: CniVersion): Result {
  const dns = result.dns ?? {};
  const dnsEmpty = Object.keys(dns).length === 0;
  if (compareVersions(version, '1.0.0') >= 0) {
    const out: Result = { cniVersion: version };
    if ((result.interfaces ?? []).length > 0) out.interfaces = result.interfaces ?? [];
    if ((result.ips ?? []).length > 0) out.ips = (result.ips ?? []).map(({ version: _v, ...ip }) => ip);
    out.routes = result.routes ?? [];
    if (!dnsEmpty) out.dns = dns;
    return out;
  }
  const out: Result = { cniVersion: version };
  if ((result.interfaces ?? []).length > 0) out.interfaces = (result.interfaces ?? []).map((i) => ({ name: i.name, ...(i.mac === undefined ? {} : { mac: i.mac }), ...(i.sandbox === undefined ? {} : { sandbox: i.sandbox }) }));
  if ((result.ips ?? []).length > 0) {
    out.ips = (result.ips ?? []).map((ip) => ({ version: ipVersion(ip.address), ...(ip.interface === undefined ? {} : { interface: ip.interface }), address: ip.address, ...(ip.gateway === undefined ? {} : { gateway: ip.gateway }) }));
  }
  out.routes = (result.routes ?? []).map((r) => ({ dst: r.dst, ...(r.gw === undefined ? {} : { gw: r.gw }) }));
  out.dns = dns;
  return out;
}

/** The container's addresses (without prefix length) of the interface inside the sandbox. */
export function containerAddresses(result: Result): string[] {
  const interfaces = result.interfaces ?? [];
  return (result.ips ?? [])
    .filter((ip) => ip.interface === undefined || interfaces[ip.interface]?.sandbox !== undefined)
    .map((ip) => ip.address.split('/')[0] ?? '')
    .filter((ip) => ip !== '');
}
