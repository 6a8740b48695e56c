// The router's middlewares applied to one request (pure), in router order as Traefik chains them:
// each sees the request as the ones before it left it; redirectScheme may answer on the spot.
import type { MiddlewareSpec } from '../types.ts';
import { applyCustomHeaders, firstHeader, splitHostPort, type HeaderMap } from './headers.ts';

/** The request as the upstream will see it, changed in place by the middlewares. */
export interface RequestDraft {
  /** Path as received (percent-encoding kept). */
  path: string;
  /** Query without `?`. */
  rawQuery: string;
  /** The Host the client asked for (a headers middleware may replace it). */
  host: string;
  readonly method: string;
  readonly headers: HeaderMap;
  readonly tls: boolean;
}

export interface RetryPolicy {
  readonly attempts: number;
  readonly initialIntervalMs: number;
}

export type MiddlewareOutcome =
  | { readonly kind: 'redirect'; readonly status: number; readonly location: string; readonly responseHeaders: readonly Readonly<Record<string, string>>[] }
  | { readonly kind: 'forward'; readonly retry?: RetryPolicy; readonly responseHeaders: readonly Readonly<Record<string, string>>[] };

export function applyMiddlewares(middlewares: readonly MiddlewareSpec[], draft: RequestDraft): MiddlewareOutcome {
  // Outer middlewares see the response last, so their response headers win: applied in reverse.
  const responseHeaders: Readonly<Record<string, string>>[] = [];
  let retry: RetryPolicy | undefined;
  for (const m of middlewares) {
    switch (m.kind) {
      case 'stripPrefix':
        stripPrefix(draft, m.prefixes);
        break;
      case 'addPrefix':
        draft.path = ensureLeadingSlash(m.prefix + draft.path);
        break;
      case 'headers': {
        const host = Object.entries(m.customRequestHeaders).find(([name]) => name.toLowerCase() === 'host');
        applyCustomHeaders(draft.headers, m.customRequestHeaders);
        draft.headers.delete('host');
        if (host !== undefined && host[1] !== '') draft.host = host[1];
        responseHeaders.unshift(m.customResponseHeaders);
        break;
      }
      case 'retry':
        retry ??= { attempts: m.attempts, initialIntervalMs: m.initialIntervalMs };
        break;
      case 'redirectScheme': {
        const redirect = redirectScheme(draft, m);
        if (redirect !== undefined) return { kind: 'redirect', ...redirect, responseHeaders };
        break;
      }
    }
  }
  return retry === undefined ? { kind: 'forward', responseHeaders } : { kind: 'forward', retry, responseHeaders };
}

/** Traefik v3: the first prefix the path starts with is cut; X-Forwarded-Prefix names it. */
function stripPrefix(draft: RequestDraft, prefixes: readonly string[]): void {
  for (const prefix of prefixes) {
    if (!draft.path.startsWith(prefix)) continue;
    draft.path = ensureLeadingSlash(draft.path.slice(prefix.length));
    draft.headers.set('x-forwarded-prefix', [prefix.trim()]);
    return;
  }
}

function ensureLeadingSlash(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}

export function requestUri(draft: Pick<RequestDraft, 'path' | 'rawQuery'>): string {
  return draft.rawQuery === '' ? draft.path : `${draft.path}?${draft.rawQuery}`;
}

/** Traefik's redirectScheme: undefined when the request already has the target scheme and port. */
export function redirectScheme(
  draft: RequestDraft,
  spec: { readonly scheme: string; readonly port?: string; readonly permanent: boolean },
): { status: number; location: string } | undefined {
  const { host, port } = splitHostPort(draft.host);
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const proto = (firstHeader(draft.headers, 'x-forwarded-proto') ?? '').toLowerCase();
  let scheme = draft.tls ? 'https' : 'http';
  if (proto === 'http' || proto === 'ws') scheme = 'http';
  if (proto === 'https' || proto === 'wss') scheme = 'https';
  const uri = requestUri(draft);
  const oldURL = `${scheme}://${hostPart}${portSuffix(scheme, port)}${uri}`;
  const newURL = `${spec.scheme}://${hostPart}${portSuffix(spec.scheme, spec.port ?? '')}${uri}`;
  if (newURL === oldURL) return undefined;
  return { status: redirectStatus(draft.method, spec.permanent), location: newURL };
}

function portSuffix(scheme: string, port: string): string {
  if (port === '' || (scheme === 'http' && port === '80') || (scheme === 'https' && port === '443')) return '';
  return `:${port}`;
}

/** Traefik's moveHandler: GET gets 302/301, every other method 307/308 (the method must not change). */
export function redirectStatus(method: string, permanent: boolean): number {
  if (permanent) return method === 'GET' ? 301 : 308;
  return method === 'GET' ? 302 : 307;
}

/** Methods a retry may send again (RFC 9110 9.2.2), as the issue asks. */
export const idempotentMethods: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Traefik's retry backoff (cenkalti/backoff defaults): initial interval x 1.5^n, randomized by +-50%. */
export function retryDelayMs(initialIntervalMs: number, retryNumber: number, random: () => number = Math.random): number {
  if (initialIntervalMs <= 0) return 0;
  const base = initialIntervalMs * 1.5 ** Math.max(0, retryNumber - 1);
  return Math.round(base * (0.5 + random()));
}
