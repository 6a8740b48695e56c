// What Node's parser lets through but Go's net/http (Traefik) refuses, checked before routing (pure).
import type { IncomingMessage } from 'node:http';
import { splitHostPort, validHostHeader } from './headers.ts';

const brokenEscape = /%(?![0-9a-fA-F]{2})/;

export type RequestCheck =
  | { readonly ok: true; readonly hostHeader: string; readonly host: string; readonly path: string; readonly rawQuery: string }
  | { readonly ok: false; readonly status: number; readonly reason: string };

export function checkRequest(req: Pick<IncomingMessage, 'rawHeaders' | 'url' | 'method' | 'headers'>): RequestCheck {
  let hostCount = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]?.toLowerCase() === 'host') hostCount++;
  if (hostCount > 1) return { ok: false, status: 400, reason: 'too many Host headers' };
  const te = req.headers['transfer-encoding'];
  // Go accepts exactly one coding, chunked; anything else is 501 (llhttp would pass "gzip, chunked").
  if (te !== undefined && te.trim().toLowerCase() !== 'chunked') return { ok: false, status: 501, reason: 'Unsupported transfer encoding' };
  const target = req.url ?? '';
  let hostHeader = req.headers.host ?? '';
  let pathAndQuery = target;
  const absolute = /^https?:\/\/([^/?#]*)(.*)$/i.exec(target);
  if (absolute !== null) {
    // Go (and so Traefik) takes the host of an absolute-form target over the Host header (RFC 9112 3.2.2).
    hostHeader = absolute[1] ?? '';
    pathAndQuery = absolute[2] === undefined || absolute[2] === '' ? '/' : (absolute[2] ?? '/');
    if (!pathAndQuery.startsWith('/') && !pathAndQuery.startsWith('?')) return { ok: false, status: 400, reason: 'malformed request target' };
    if (pathAndQuery.startsWith('?')) pathAndQuery = `/${pathAndQuery}`;
  } else if (!target.startsWith('/') && !(target === '*' && req.method === 'OPTIONS')) {
    return { ok: false, status: 400, reason: 'malformed request target' };
  }
  if (!validHostHeader(hostHeader)) return { ok: false, status: 400, reason: 'malformed Host header' };
  const hash = pathAndQuery.indexOf('#');
  if (hash >= 0) pathAndQuery = pathAndQuery.slice(0, hash);
  const question = pathAndQuery.indexOf('?');
  const path = question < 0 ? pathAndQuery : pathAndQuery.slice(0, question);
  // Go's url.ParseRequestURI refuses a path with a broken %-escape (the query is not checked): 400.
  if (brokenEscape.test(path)) return { ok: false, status: 400, reason: 'invalid URL escape in the path' };
  const rawQuery = question < 0 ? '' : pathAndQuery.slice(question + 1);
  return { ok: true, hostHeader, host: splitHostPort(hostHeader).host, path, rawQuery };
}

/** The TCP peer as an address string: IPv6 zone dropped, IPv4-mapped IPv6 shown as IPv4. */
export function clientAddress(remoteAddress: string | undefined): string {
  const address = (remoteAddress ?? '').split('%')[0] ?? '';
  return address.toLowerCase().startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
