// The services keyspace, pure: key names and the two JSON values (a service's config, one server).
//   <prefix>/<service>/config        {"rule": "Host(`web.test`)", "priority": 0, ...}  durable
//   <prefix>/<service>/servers/<id>  {"url": "http://10.5.1.11:8080", "weight": 1}    host lease
// Everything here is read from etcd, so nothing is trusted: each check says what is wrong.
import { formatIp, parseIp4, parseIp6, parseDuration } from '../net/index.ts';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export interface HealthCheck {
  readonly path: string;
  readonly interval?: string;
  readonly timeout?: string;
  readonly scheme?: 'http' | 'https';
  readonly hostname?: string;
  readonly port?: number;
}

export interface Middleware {
  readonly type: string;
  readonly options: Readonly<Record<string, unknown>>;
}

export interface ServiceConfig {
  readonly rule: string;
  readonly priority: number;
  readonly passHostHeader: boolean;
  readonly healthCheck?: HealthCheck;
  readonly middlewares: readonly Middleware[];
  /** Unknown keys: ignored, reported. */
  readonly warnings: readonly string[];
}

export interface Server {
  /** Canonical: scheme://ip:port (IPv6 in brackets). */
  readonly url: string;
  readonly weight: number;
}

export type ServiceKey =
  | { readonly service: string; readonly kind: 'config' }
  | { readonly service: string; readonly kind: 'server'; readonly id: string };

export const serviceNamePattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const serverIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
const middlewareTypePattern = /^[a-zA-Z]+$/;
// C0, DEL and C1 controls; a rule or host name spans one line of the route file.
const controlChars = /[\u0000-\u001f\u007f-\u009f]/;
export const maxRuleBytes = 4096;
export const maxMiddlewares = 16;
export const maxWeight = 1_000_000;

const configKeys = ['rule', 'priority', 'healthCheck', 'middlewares', 'passHostHeader'];
const healthKeys = ['path', 'interval', 'timeout', 'scheme', 'hostname', 'port'];

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

export function serviceNameProblem(name: string): string | undefined {
  return serviceNamePattern.test(name) ? undefined : `service name "${name}" is not a DNS label (a-z, 0-9 and '-', at most 63, no '-' at either end)`;
}

export function serverIdProblem(id: string): string | undefined {
  return serverIdPattern.test(id) ? undefined : `server id "${id}" must match ${serverIdPattern.source}`;
}

/** What a key under `<prefix>/` names, or why it names nothing. */
export function parseServiceKey(key: string, prefix: string): Parsed<ServiceKey> {
  if (!key.startsWith(`${prefix}/`)) return fail(`not under ${prefix}/`);
  const parts = key.slice(prefix.length + 1).split('/');
  const [service = '', kind, id, ...extra] = parts;
  const nameProblem = serviceNameProblem(service);
  if (nameProblem !== undefined) return fail(nameProblem);
  if (kind === 'config' && parts.length === 2) return { ok: true, value: { service, kind: 'config' } };
  if (kind === 'servers' && id !== undefined && extra.length === 0) {
    const idProblem = serverIdProblem(id);
    return idProblem === undefined ? { ok: true, value: { service, kind: 'server', id } } : fail(idProblem);
  }
  return fail(`expected ${prefix}/${service}/config or ${prefix}/${service}/servers/<id>`);
}

function parseJsonObject(text: string, what: string): Parsed<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(`${what} is not JSON: ${(error as Error).message}`);
  }
  return isObject(value) ? { ok: true, value } : fail(`${what} must be a JSON object`);
}

function parseHealthCheck(value: unknown, warnings: string[]): Parsed<HealthCheck> {
  if (!isObject(value)) return fail('healthCheck must be an object');
  for (const key of Object.keys(value)) if (!healthKeys.includes(key)) warnings.push(`healthCheck.${key} is not a known key; ignored`);
  const { path, interval, timeout, scheme, hostname, port } = value;
  if (typeof path !== 'string' || !path.startsWith('/') || controlChars.test(path) || /\s/.test(path)) return fail('healthCheck.path must be a path starting with "/"');
  const out: { -readonly [K in keyof HealthCheck]: HealthCheck[K] } = { path };
  for (const [name, text] of [['interval', interval], ['timeout', timeout]] as const) {
    if (text === undefined) continue;
    if (typeof text !== 'string' || parseDuration(text) === undefined || (parseDuration(text) ?? 0) <= 0) return fail(`healthCheck.${name} must be a positive Go duration such as "2s"`);
    out[name] = text;
  }
  if (scheme !== undefined) {
    if (scheme !== 'http' && scheme !== 'https') return fail('healthCheck.scheme must be "http" or "https"');
    out.scheme = scheme;
  }
  if (hostname !== undefined) {
    if (typeof hostname !== 'string' || hostname === '' || controlChars.test(hostname) || /\s/.test(hostname)) return fail('healthCheck.hostname must be a host name');
    out.hostname = hostname;
  }
  if (port !== undefined) {
    if (!isInt(port, 1, 65535)) return fail('healthCheck.port must be an integer 1..65535');
    out.port = port;
  }
  return { ok: true, value: out };
}

function parseMiddlewares(value: unknown): Parsed<Middleware[]> {
  if (!Array.isArray(value)) return fail('middlewares must be an array');
  if (value.length > maxMiddlewares) return fail(`middlewares has ${value.length} entries; at most ${maxMiddlewares}`);
  const out: Middleware[] = [];
  for (const [i, entry] of value.entries()) {
    const keys = isObject(entry) ? Object.keys(entry) : [];
    const type = keys[0];
    if (!isObject(entry) || keys.length !== 1 || type === undefined) return fail(`middlewares[${i}] must be an object with one key, {"<type>": {options}}`);
    if (!middlewareTypePattern.test(type)) return fail(`middlewares[${i}]: type "${type}" must be letters only`);
    const options = entry[type];
    if (!isObject(options)) return fail(`middlewares[${i}].${type} must be an object of options`);
    out.push({ type, options });
  }
  return { ok: true, value: out };
}

/** A service's config value; unknown keys are warnings, never errors. */
export function parseServiceConfig(text: string): Parsed<ServiceConfig> {
  const parsed = parseJsonObject(text, 'config');
  if (!parsed.ok) return parsed;
  const body = parsed.value;
  const warnings = Object.keys(body).filter((k) => !configKeys.includes(k)).map((k) => `${k} is not a known key; ignored`);
  const { rule, priority = 0, healthCheck, middlewares = [], passHostHeader = true } = body;
  if (typeof rule !== 'string' || rule.trim() === '') return fail('rule must be a non-empty string, e.g. "Host(`web.example.test`)"');
  if (controlChars.test(rule) || !rule.isWellFormed()) return fail('rule must not contain control characters');
  if (Buffer.byteLength(rule) > maxRuleBytes) return fail(`rule is longer than ${maxRuleBytes} bytes`);
  if (!isInt(priority, 0, Number.MAX_SAFE_INTEGER)) return fail('priority must be an integer >= 0');
  if (typeof passHostHeader !== 'boolean') return fail('passHostHeader must be true or false');
  const health = healthCheck === undefined ? undefined : parseHealthCheck(healthCheck, warnings);
  if (health !== undefined && !health.ok) return health;
  const mws = parseMiddlewares(middlewares);
  if (!mws.ok) return mws;
  const value: ServiceConfig = { rule, priority, passHostHeader, middlewares: mws.value, warnings, ...(health === undefined ? {} : { healthCheck: health.value }) };
  return { ok: true, value };
}

/** A server URL: http(s), an IP literal host, a port (default 80/443), nothing else. */
export function parseServerUrl(text: string): Parsed<string> {
  const match = /^(https?):\/\/(\[[^\]/]*\]|[^/:?#@[\]]*)(?::(\d{1,5}))?\/?$/.exec(text);
  if (match === null) return fail(`url "${text}" must be http(s)://IP[:PORT] with no user, path, query or fragment`);
  const [, scheme = 'http', rawHost = '', rawPort] = match;
  const bracketed = rawHost.startsWith('[');
  const host = bracketed ? rawHost.slice(1, -1) : rawHost;
  const ip4 = bracketed ? undefined : parseIp4(host);
  const ip6 = bracketed && !host.includes('%') ? parseIp6(host) : undefined;
  if (ip4 === undefined && ip6 === undefined) return fail(`url "${text}": host must be an IPv4 address or [IPv6] address`);
  const port = rawPort === undefined ? (scheme === 'https' ? 443 : 80) : Number(rawPort);
  if (port < 1 || port > 65535) return fail(`url "${text}": port must be 1..65535`);
  const ip = ip4 !== undefined ? formatIp({ family: 4, ip: ip4 }) : `[${formatIp({ family: 6, ip: ip6 ?? 0n })}]`;
  return { ok: true, value: `${scheme}://${ip}:${port}` };
}

export function parseWeight(value: unknown): Parsed<number> {
  return isInt(value, 0, maxWeight) ? { ok: true, value } : fail(`weight must be an integer 0..${maxWeight}`);
}

/** One server's value. */
export function parseServer(text: string): Parsed<Server> {
  const parsed = parseJsonObject(text, 'server');
  if (!parsed.ok) return parsed;
  const { url, weight = 1 } = parsed.value;
  if (typeof url !== 'string') return fail('url must be a string such as "http://10.5.1.11:8080"');
  const canonical = parseServerUrl(url);
  if (!canonical.ok) return canonical;
  const w = parseWeight(weight);
  if (!w.ok) return w;
  return { ok: true, value: { url: canonical.value, weight: w.value } };
}

/** `<host>-<ip>-<port>`: host lowercased, outside [a-z0-9-] replaced by '-'; IPv6 ':' as '-'. */
export function defaultServerId(host: string, url: string): string {
  const parsed = parseServerUrl(url);
  if (!parsed.ok) throw new Error(parsed.reason);
  const match = /^https?:\/\/(\[[^\]]+\]|[^:]+):(\d+)$/.exec(parsed.value);
  const ip = (match?.[1] ?? '').replace(/^\[|\]$/g, '').replaceAll(':', '-');
  const label = host.toLowerCase().replaceAll(/[^a-z0-9-]/g, '-').replace(/^-+/, '') || 'host';
  return `${label}-${ip}-${match?.[2] ?? ''}`.slice(0, 253);
}
