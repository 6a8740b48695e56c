// Names registered through the admin API (weft-cni, `weft dns add`): an A/AAAA value and its PTR,
// written in SkyDNS layout and attached to this host's etcd lease, so they vanish with the host.
// The address value is a child key of the name (…/weft/web/ip-10-5-1-2) and the PTR a child key of
// the reverse name, one per registered name (…/arpa/in-addr/10/5/1/2/ptr-<hash of the name>): names
// and hosts sharing an address never overwrite or delete each other's values.
import { createHash } from 'node:crypto';
import type { ApiRequest, ApiResponse, ApiRoute } from '../area.ts';
import { WeftError } from '../errors.ts';
import type { HostLease } from '../etcd/index.ts';
import { Acl } from './acl.ts';
import { addressBytes } from './message.ts';
import { ipFamily } from '../net/index.ts';
import { keyToName, nameToKey } from './zone.ts';
import { isValidName } from './wire.ts';

export interface Registration {
  readonly name: string;
  readonly ip: string;
}

export interface RegistrationOptions {
  readonly path: string;
  /** Normalised zones, read per request (SkyDNS's settings key may change them); a name without one of them gets the first appended. */
  readonly zones: () => readonly string[];
  readonly ttl: number;
  readonly hostLease: () => HostLease | undefined;
  /** Networks whose addresses may be registered (the cluster network and dns.register_allow), read per request. */
  readonly registerNetworks: () => readonly string[];
}

/** The reverse-lookup name of an address: 10.5.1.2 → 2.1.5.10.in-addr.arpa. */
export function reverseName(ip: string): string {
  const bytes = addressBytes(ip);
  if (bytes.length === 4) return `${[...bytes].reverse().join('.')}.in-addr.arpa`;
  const nibbles = [...bytes].flatMap((b) => [b >> 4, b & 0x0f]).map((n) => n.toString(16));
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}

function childLabel(ip: string): string {
  return `ip-${ip.toLowerCase().replaceAll(/[.:]/g, '-')}`;
}

/** The PTR's child label: a name does not fit one label, so a digest of it (stable, so delete finds it). */
function ptrLabel(name: string): string {
  return `ptr-${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
}

/** Validates a registration and puts the name into one of our zones (`web` → `web.weft.internal`). */
export function normalizeRegistration(input: unknown, zones: readonly string[]): Registration {
  const body = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const rawName = typeof body.name === 'string' ? body.name.trim().toLowerCase().replace(/\.$/, '') : '';
  const ip = typeof body.ip === 'string' ? body.ip.trim() : '';
  if (ipFamily(ip) === 0) throw new WeftError('WEFT_E_DNS_RECORD', `"${String(body.ip)}" is not an IPv4 or IPv6 address`);
  const inZone = zones.some((z) => z === '' || rawName === z || rawName.endsWith(`.${z}`));
  const name = inZone || zones[0] === undefined ? rawName : `${rawName}.${zones[0]}`;
  if (!isValidName(name) || name.includes('*') || !zones.some((z) => z === '' || name.endsWith(`.${z}`))) {
    throw new WeftError('WEFT_E_DNS_RECORD', `"${String(body.name)}" is not a host name inside ${zones.map((z) => `${z}.`).join(', ')}`);
  }
  return { name, ip };
}

/** The etcd keys and values of a registration: the address under the name, and the PTR. */
export function registrationKeys(registration: Registration, path: string, ttl: number): { key: string; value: string }[] {
  const { name, ip } = registration;
  const ttlField = ttl > 0 ? { ttl } : {};
  return [
    { key: `${nameToKey(name, path)}/${childLabel(ip)}`, value: JSON.stringify({ host: ip, ...ttlField }) },
    { key: `${nameToKey(reverseName(ip), path)}/${ptrLabel(name)}`, value: JSON.stringify({ host: name, ...ttlField }) },
  ];
}

/** This host's registrations, read back from the keys its lease holds. */
export function listRegistrations(keys: ReadonlyMap<string, string>, path: string): Registration[] {
  const out: Registration[] = [];
  for (const [key, value] of keys) {
    const match = /\/ip-[0-9a-f-]+$/.exec(key);
    if (match === null || !key.startsWith(`${path}/`)) continue;
    const name = keyToName(key.slice(0, match.index), path);
    let host: unknown;
    try {
      host = (JSON.parse(value) as { host?: unknown }).host;
    } catch {
      continue;
    }
    if (name !== undefined && typeof host === 'string') out.push({ name, ip: host });
  }
  return out.sort((a, b) => (a.name === b.name ? (a.ip < b.ip ? -1 : 1) : a.name < b.name ? -1 : 1));
}

function problem(status: number, error: unknown): ApiResponse {
  if (error instanceof WeftError) return { status, body: { error: error.message, code: error.code } };
  return { status: 503, body: { error: `etcd write failed: ${(error as Error).message}`, code: 'WEFT_E_ETCD_UNAVAILABLE' } };
}

export function registrationRoutes(options: RegistrationOptions): ApiRoute[] {
  const lease = (): HostLease => {
    const hostLease = options.hostLease();
    if (hostLease === undefined) throw new WeftError('WEFT_E_HOST_LEASE', 'this weft has no host lease (DNS registration needs the daemon with etcd)');
    return hostLease;
  };
  const add = async (request: ApiRequest): Promise<ApiResponse> => {
    let registration: Registration;
    try {
      registration = normalizeRegistration(request.body, options.zones());
    } catch (error) {
      return problem(400, error);
    }
    const networks = options.registerNetworks();
    if (!new Acl(networks).allows(registration.ip)) {
      const inside = networks.length === 0 ? 'no cluster network is known yet' : `it is outside ${networks.join(', ')}`;
      return problem(403, new WeftError('WEFT_E_DNS_REGISTER_DENIED', `${registration.ip} may not be registered: ${inside}; register an address of this cluster or add its network to dns.register_allow`));
    }
    try {
      const hostLease = lease();
      for (const { key, value } of registrationKeys(registration, options.path, options.ttl)) await hostLease.put(key, value);
      return { status: 201, body: registration };
    } catch (error) {
      return problem(503, error);
    }
  };
  const remove = async (request: ApiRequest): Promise<ApiResponse> => {
    const rawName = decodeURIComponent(request.path.slice('/v1/dns/records/'.length));
    let name: string;
    try {
      name = normalizeRegistration({ name: rawName, ip: '127.0.0.1' }, options.zones()).name;
    } catch (error) {
      return problem(400, error);
    }
    try {
      const hostLease = lease();
      const mine = listRegistrations(hostLease.keys(), options.path).filter((r) => r.name === name);
      if (mine.length === 0) return { status: 404, body: { error: `${name} is not registered by this host`, code: 'WEFT_E_DNS_RECORD' } };
      for (const registration of mine) {
        for (const { key } of registrationKeys(registration, options.path, options.ttl)) {
          if (hostLease.keys().has(key)) await hostLease.delete(key);
        }
      }
      return { status: 200, body: { removed: mine } };
    } catch (error) {
      return problem(503, error);
    }
  };
  const list = async (): Promise<ApiResponse> => {
    try {
      return { status: 200, body: { records: listRegistrations(lease().keys(), options.path) } };
    } catch (error) {
      return problem(503, error);
    }
  };
  return [
    { method: 'POST', path: '/v1/dns/records', handle: add },
    { method: 'DELETE', path: '/v1/dns/records/', handle: remove },
    { method: 'GET', path: '/v1/dns/records', handle: list },
  ];
}
