// Servers registered through the admin API (`weft service register`): one key per server under
// <prefix>/<service>/servers/<id>, attached to this host's etcd lease, so a dead host's servers
// leave the route file without anyone cleaning up. Only addresses of this cluster (or of
// services.register_allow) may be registered: the proxy must not become a way out to anywhere.
import { hostname } from 'node:os';
import type { ApiRequest, ApiResponse, ApiRoute } from '../area.ts';
import { WeftError, type WeftErrorCode } from '../errors.ts';
import type { HostLease } from '../etcd/index.ts';
import { NetworkSet, parseCidr, parseIp, type Cidr } from '../net/index.ts';
import { defaultServerId, parseServer, parseServerUrl, parseWeight, serverIdProblem, serviceNameProblem } from './keyspace.ts';

export interface Registration {
  readonly service: string;
  readonly id: string;
  readonly key: string;
  readonly url: string;
  readonly weight: number;
}

export type RegistrationResult = 'ok' | 'refused' | 'invalid' | 'failed';

export interface RegistrationOptions {
  readonly prefix: string;
  readonly hostLease: () => HostLease | undefined;
  /** Networks (CIDR) whose addresses may be registered: the cluster's and services.register_allow, read per request. */
  readonly registerNetworks: () => readonly string[];
  /** The model and invalid values for GET, when this host watches the keyspace. */
  readonly view?: () => Record<string, unknown> | undefined;
  readonly counted?: (what: 'register' | 'deregister', result: RegistrationResult) => void;
  readonly host?: string;
}

export const serverKey = (prefix: string, service: string, id: string): string => `${prefix}/${service}/servers/${id}`;

/** Validates a POST body for service `name`: the key and value to write. */
export function normalizeServer(name: string, input: unknown, host: string, prefix: string): Registration {
  const body = (typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {}) as Record<string, unknown>;
  const problem = (message: string): WeftError => new WeftError('WEFT_E_SERVICE_VALUE', message);
  const nameProblem = serviceNameProblem(name);
  if (nameProblem !== undefined) throw problem(nameProblem);
  if (typeof body.url !== 'string') throw problem('url must be a string such as "http://10.5.1.11:8080"');
  const url = parseServerUrl(body.url);
  if (!url.ok) throw problem(url.reason);
  const weight = parseWeight(body.weight ?? 1);
  if (!weight.ok) throw problem(weight.reason);
  const id = body.id === undefined ? defaultServerId(host, url.value) : body.id;
  if (typeof id !== 'string') throw problem('id must be a string');
  const idProblem = serverIdProblem(id);
  if (idProblem !== undefined) throw problem(idProblem);
  return { service: name, id, key: serverKey(prefix, name, id), url: url.value, weight: weight.value };
}

/** This host's registrations, read back from the keys its lease holds. */
export function listRegistrations(keys: ReadonlyMap<string, string>, prefix: string): Registration[] {
  const out: Registration[] = [];
  const pattern = new RegExp(`^${prefix.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')}/([^/]+)/servers/([^/]+)$`);
  for (const [key, value] of keys) {
    const match = pattern.exec(key);
    const server = match === null ? undefined : parseServer(value);
    if (match === null || server === undefined || !server.ok) continue;
    out.push({ service: match[1] ?? '', id: match[2] ?? '', key, url: server.value.url, weight: server.value.weight });
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : 1));
}

function allowed(url: string, networks: readonly string[]): boolean {
  const host = /^https?:\/\/\[?([^\]]+?)\]?:\d+$/.exec(url)?.[1] ?? '';
  const ip = parseIp(host);
  const set = new NetworkSet(networks.map(parseCidr).filter((c): c is Cidr => c !== undefined));
  return ip !== undefined && set.has(ip);
}

function answer(status: number, code: WeftErrorCode, error: string): ApiResponse {
  return { status, body: { error, code } };
}

function failure(error: unknown): ApiResponse {
  if (error instanceof WeftError) return answer(error.code === 'WEFT_E_SERVICE_VALUE' ? 400 : 503, error.code, error.message);
  return answer(503, 'WEFT_E_ETCD_UNAVAILABLE', `etcd write failed: ${(error as Error).message}`);
}

/** `/v1/services/<name>/servers[/<id>]` split and decoded, or a WEFT_E_SERVICE_VALUE. */
function pathParts(path: string, withId: boolean): { name: string; id?: string } {
  const parts = path.slice('/v1/services/'.length).split('/');
  const shape = withId ? '/v1/services/<name>/servers/<id>' : '/v1/services/<name>/servers';
  if (parts.length !== (withId ? 3 : 2) || parts[1] !== 'servers') throw new WeftError('WEFT_E_SERVICE_VALUE', `expected ${shape}`);
  try {
    const name = decodeURIComponent(parts[0] ?? '');
    return withId ? { name, id: decodeURIComponent(parts[2] ?? '') } : { name };
  } catch {
    throw new WeftError('WEFT_E_SERVICE_VALUE', `${path} is not a well-encoded path`);
  }
}

export function registrationRoutes(options: RegistrationOptions): ApiRoute[] {
  const host = options.host ?? hostname();
  const count = options.counted ?? (() => undefined);
  const lease = (): HostLease => {
    const hostLease = options.hostLease();
    if (hostLease === undefined) throw new WeftError('WEFT_E_HOST_LEASE', 'this weft has no host lease (service registration needs the daemon with etcd)');
    return hostLease;
  };
  const add = async (request: ApiRequest): Promise<ApiResponse> => {
    let registration: Registration;
    try {
      registration = normalizeServer(pathParts(request.path, false).name, request.body, host, options.prefix);
    } catch (error) {
      count('register', 'invalid');
      return failure(error);
    }
    const networks = options.registerNetworks();
    if (!allowed(registration.url, networks)) {
      count('register', 'refused');
      const inside = networks.length === 0 ? 'no cluster network is known yet' : `it is outside ${networks.join(', ')}`;
      return answer(403, 'WEFT_E_SERVICE_REGISTER_DENIED', `${registration.url} may not be registered: ${inside}; register an address of this cluster or add its network to services.register_allow`);
    }
    try {
      await lease().put(registration.key, JSON.stringify({ url: registration.url, weight: registration.weight }));
      count('register', 'ok');
      return { status: 201, body: registration };
    } catch (error) {
      count('register', 'failed');
      return failure(error);
    }
  };
  const remove = async (request: ApiRequest): Promise<ApiResponse> => {
    let key: string;
    try {
      const { name, id = '' } = pathParts(request.path, true);
      const problem = serviceNameProblem(name) ?? serverIdProblem(id);
      if (problem !== undefined) throw new WeftError('WEFT_E_SERVICE_VALUE', problem);
      key = serverKey(options.prefix, name, id);
    } catch (error) {
      count('deregister', 'invalid');
      return failure(error);
    }
    try {
      const hostLease = lease();
      if (!hostLease.keys().has(key)) {
        count('deregister', 'refused');
        return answer(404, 'WEFT_E_SERVICE_NOT_FOUND', `${key} is not registered by this host`);
      }
      await hostLease.delete(key);
      count('deregister', 'ok');
      return { status: 200, body: { removed: key } };
    } catch (error) {
      count('deregister', 'failed');
      return failure(error);
    }
  };
  const list = async (): Promise<ApiResponse> => {
    try {
      return { status: 200, body: { registrations: listRegistrations(lease().keys(), options.prefix), ...options.view?.() } };
    } catch (error) {
      return failure(error);
    }
  };
  return [
    { method: 'POST', path: '/v1/services/', handle: add },
    { method: 'DELETE', path: '/v1/services/', handle: remove },
    { method: 'GET', path: '/v1/services', handle: list },
  ];
}
