// Header rewriting between client and upstream (pure), after Traefik's forwardedheaders middleware
// and Go's httputil.ReverseProxy: hop-by-hop headers go, X-Forwarded-* are trusted only from
// trusted_ips, X-Forwarded-For grows by the client's address.
import { randomUUID } from 'node:crypto';

/** Lower-case name -> values in arrival order (repeated headers kept apart). */
export type HeaderMap = Map<string, string[]>;

/** RFC 9110 7.6.1 and Go's hopHeaders; Proxy-* as a whole (Go: Proxy-Connection/-Authenticate/-Authorization). */
const hopByHop: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** Traefik's XHeadersSet: the headers a client outside trusted_ips may not set. */
const managedXHeaders: ReadonlySet<string> = new Set([
  'x-forwarded-proto', 'x-forwarded-scheme', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-server',
  'x-forwarded-uri', 'x-forwarded-method', 'x-forwarded-prefix', 'x-forwarded-tls-client-cert', 'x-forwarded-tls-client-cert-info',
  'x-scheme', 'x-real-ip',
]);

export function headerMap(rawHeaders: readonly string[]): HeaderMap {
  const map: HeaderMap = new Map();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) addHeader(map, rawHeaders[i] ?? '', rawHeaders[i + 1] ?? '');
  return map;
}

export function addHeader(map: HeaderMap, name: string, value: string): void {
  const key = name.toLowerCase();
  const values = map.get(key);
  if (values === undefined) map.set(key, [value]);
  else values.push(value);
}

export function firstHeader(map: HeaderMap, name: string): string | undefined {
  return map.get(name)?.[0];
}

/** Traefik also treats X_Forwarded_For (underscores) as managed: some servers read it as the dashed one. */
export function isManagedXHeader(name: string): boolean {
  return managedXHeaders.has(name) || (name.includes('_') && managedXHeaders.has(name.replaceAll('_', '-')));
}

/** The comma-separated tokens of every value of a header, lower-cased. */
export function headerTokens(map: HeaderMap, name: string): string[] {
  const tokens: string[] = [];
  for (const value of map.get(name) ?? []) {
    for (const part of value.split(',')) {
      const token = part.trim().toLowerCase();
      if (token !== '') tokens.push(token);
    }
  }
  return tokens;
}

/** Drops hop-by-hop headers and those the Connection header names (managed X headers excepted on requests, as Traefik). */
export function stripHopByHop(map: HeaderMap, side: 'request' | 'response'): void {
  for (const token of headerTokens(map, 'connection')) {
    if (side === 'request' && isManagedXHeader(token)) continue;
    map.delete(token);
  }
  for (const name of [...map.keys()]) {
    if (hopByHop.has(name) || name.startsWith('proxy-')) map.delete(name);
  }
}

export interface ForwardedFacts {
  /** The TCP peer's address, IPv6 zone removed. */
  readonly clientIP: string;
  /** The peer is in trusted_ips: its X-Forwarded-* headers are kept. */
  readonly trusted: boolean;
  readonly tls: boolean;
  readonly websocket: boolean;
  /** The Host the client asked for, as sent (port kept). */
  readonly host: string;
  /** X-Forwarded-Server, Traefik's os.Hostname(). */
  readonly serverName: string;
}

/** Sets X-Forwarded-* and X-Real-Ip as Traefik does (values already present from trusted peers kept). */
export function setForwardedHeaders(map: HeaderMap, facts: ForwardedFacts): void {
  if (!facts.trusted) for (const name of [...map.keys()]) if (isManagedXHeader(name)) map.delete(name);
  const setIfEmpty = (name: string, value: string): void => {
    if ((firstHeader(map, name) ?? '') === '') map.set(name, [value]);
  };
  setIfEmpty('x-real-ip', facts.clientIP);
  const secure = facts.tls ? 's' : '';
  setIfEmpty('x-forwarded-proto', facts.websocket ? `ws${secure}` : `http${secure}`);
  setIfEmpty('x-forwarded-port', forwardedPort(facts.host, firstHeader(map, 'x-forwarded-proto') ?? '', facts.tls));
  if (facts.host !== '') setIfEmpty('x-forwarded-host', facts.host);
  const prior = map.get('x-forwarded-for') ?? [];
  map.set('x-forwarded-for', [[...prior, facts.clientIP].join(', ')]);
  map.set('x-forwarded-server', [facts.serverName]);
}

function forwardedPort(host: string, proto: string, tls: boolean): string {
  const port = splitHostPort(host).port;
  if (port !== '') return port;
  return proto === 'https' || proto === 'wss' || tls ? '443' : '80';
}

/** `host[:port]` or `[v6][:port]` -> parts; the host lower-cased without brackets. */
export function splitHostPort(hostHeader: string): { host: string; port: string } {
  if (hostHeader.startsWith('[')) {
    const end = hostHeader.indexOf(']');
    if (end < 0) return { host: hostHeader.toLowerCase(), port: '' };
    const rest = hostHeader.slice(end + 1);
    return { host: hostHeader.slice(1, end).toLowerCase(), port: rest.startsWith(':') ? rest.slice(1) : '' };
  }
  const colon = hostHeader.lastIndexOf(':');
  if (colon < 0 || hostHeader.indexOf(':') !== colon) return { host: hostHeader.toLowerCase(), port: '' };
  return { host: hostHeader.slice(0, colon).toLowerCase(), port: hostHeader.slice(colon + 1) };
}

/** Go's httpguts.ValidHostHeader: only the bytes a host, an IP literal and a port may hold. */
export function validHostHeader(host: string): boolean {
  return /^[A-Za-z0-9!$%&'()*+,\-.:;=[\]_~]*$/.test(host);
}

/** A client's X-Request-Id is kept when it is short and printable; otherwise a new one is made. */
export function requestIdFrom(map: HeaderMap): string {
  const given = firstHeader(map, 'x-request-id');
  if (given !== undefined && given.length > 0 && given.length <= 200 && /^[\x21-\x7e]+$/.test(given)) return given;
  return randomUUID();
}

/** Traefik's headers middleware: an empty value removes the header, anything else replaces it. */
export function applyCustomHeaders(map: HeaderMap, custom: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(custom)) {
    if (value === '') map.delete(name.toLowerCase());
    else map.set(name.toLowerCase(), [value]);
  }
}

/** For undici: repeated headers as arrays (sent as separate lines). */
export function toUndiciHeaders(map: HeaderMap): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, values] of map) out[name] = values.length === 1 ? (values[0] ?? '') : values;
  return out;
}

/** undici's parsed headers (lower-case names, repeated ones as arrays) -> a map. */
export function objectToMap(headers: Readonly<Record<string, string | string[] | undefined>> | null | undefined): HeaderMap {
  const map: HeaderMap = new Map();
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) addHeader(map, name, v);
  }
  return map;
}

/** A map -> Node's flat `[name, value, name, value]` form for writeHead and addTrailers. */
export function toFlat(map: HeaderMap): string[] {
  const flat: string[] = [];
  for (const [name, values] of map) for (const value of values) flat.push(name, value);
  return flat;
}

/** A map -> `[name, value]` pairs, for addTrailers. */
export function toPairs(map: HeaderMap): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [name, values] of map) for (const value of values) pairs.push([name, value]);
  return pairs;
}
