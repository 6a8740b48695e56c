// What the matchers read of a request, derived once per request as Traefik derives it: the routing
// path (non-reserved %XX decoded, reserved ones kept), Go's url.ParseQuery, the peer's address.
import { parseIp, type Ip } from '../../net/index.ts';
import type { RequestFacts } from '../types.ts';

// Traefik keeps these encoded (upper-case hex only, exactly its table); every other %XX is decoded.
const reserved = new Set(['%3A', '%2F', '%3F', '%23', '%5B', '%5D', '%40', '%21', '%24', '%26', '%27', '%28', '%29', '%2A', '%2B', '%2C', '%3B', '%3D', '%25']);
const hex = /^[0-9A-Fa-f]{2}$/;

/** Bytes as a latin1 string: how paths are compared (Go compares bytes). */
export const utf8Bytes = (text: string): string => (/^[\x00-\x7f]*$/.test(text) ? text : Buffer.from(text, 'utf8').toString('latin1'));
const bytesToText = (bytes: string): string => (/^[\x00-\x7f]*$/.test(bytes) ? bytes : Buffer.from(bytes, 'latin1').toString('utf8'));

/**
 * Traefik's routing path as bytes (a latin1 string), or undefined for a broken %-escape (Traefik
 * answers 400 then; the server should too).
 */
export function routingPath(path: string): string | undefined {
  const raw = utf8Bytes(path);
  if (!raw.includes('%')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c !== '%') {
      out += c;
      continue;
    }
    const encoded = raw.slice(i, i + 3);
    if (encoded.length < 3 || !hex.test(encoded.slice(1))) return undefined;
    out += reserved.has(encoded) ? encoded : String.fromCharCode(Number.parseInt(encoded.slice(1), 16));
    i += 2;
  }
  return out;
}

/** Go's url.ParseQuery as Request.URL.Query() sees it (pairs with ';' or a bad escape dropped). */
export function parseQuery(rawQuery: string): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const pair of rawQuery.split('&')) {
    if (pair === '' || pair.includes(';')) continue;
    const eq = pair.indexOf('=');
    const key = queryUnescape(eq < 0 ? pair : pair.slice(0, eq));
    const value = queryUnescape(eq < 0 ? '' : pair.slice(eq + 1));
    if (key === undefined || value === undefined) continue;
    const list = values.get(key);
    if (list === undefined) values.set(key, [value]);
    else list.push(value);
  }
  return values;
}

function queryUnescape(text: string): string | undefined {
  if (!text.includes('%') && !text.includes('+')) return text;
  let bytes = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '+') bytes += ' ';
    else if (c !== '%') bytes += utf8Bytes(c);
    else {
      const digits = text.slice(i + 1, i + 3);
      if (!hex.test(digits)) return undefined;
      bytes += String.fromCharCode(Number.parseInt(digits, 16));
      i += 2;
    }
  }
  return bytesToText(bytes);
}

/** A request as the matchers see it; the costlier parts are computed on first use. */
export class MatchContext {
  readonly host: string;
  readonly method: string;
  /** Routing path bytes; undefined when its %-escapes are broken (then no path matcher matches). */
  readonly pathBytes: string | undefined;
  #pathText: string | undefined;
  #query: Map<string, string[]> | undefined;
  #clientIp: Ip | null | undefined;

  readonly facts: RequestFacts;

  constructor(facts: RequestFacts) {
    this.facts = facts;
    // types.ts promises a lower-cased host; lower-casing again costs little and keeps Host exact.
    this.host = facts.host.toLowerCase();
    this.method = facts.method;
    this.pathBytes = routingPath(facts.path);
  }

  /** The routing path as text, for regexps (Go matches UTF-8 text). */
  get pathText(): string | undefined {
    if (this.pathBytes === undefined) return undefined;
    this.#pathText ??= bytesToText(this.pathBytes);
    return this.#pathText;
  }

  get query(): Map<string, string[]> {
    this.#query ??= parseQuery(this.facts.rawQuery);
    return this.#query;
  }

  /** Every value of a header, one per header line when the server passes arrays. */
  headerValues(name: string): readonly string[] {
    // Go moves Host out of Request.Header, so Traefik's Header matchers never see it.
    if (name === 'host') return [];
    const value = this.facts.headers[name];
    return value === undefined ? [] : typeof value === 'string' ? [value] : value;
  }

  get clientIp(): Ip | undefined {
    if (this.#clientIp === undefined) {
      const text = this.facts.clientIP;
      const zone = text.indexOf('%');
      this.#clientIp = parseIp(zone < 0 ? text : text.slice(0, zone)) ?? null;
    }
    return this.#clientIp ?? undefined;
  }
}
