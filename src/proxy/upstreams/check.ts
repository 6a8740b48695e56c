// The HTTP health check as Traefik's checkHealthHTTP: the path resolved against the server URL,
// scheme and port overridden when set, `hostname` as the Host header, the configured headers;
// healthy when the status equals `status`, or is 2xx/3xx when no status is set.
import { request, type Dispatcher } from 'undici';
import type { HealthCheckSpec } from '../types.ts';
import type { HealthChecker } from './health.ts';

/** The URL a check of `serverUrl` asks. */
export function checkUrl(serverUrl: string, spec: HealthCheckSpec): URL {
  // As Traefik: the path may not name another host.
  if (URL.canParse(spec.path) || spec.path.startsWith('//')) throw new Error(`health check path "${spec.path}" must be relative, e.g. /health`);
  const target = new URL(spec.path, serverUrl);
  if (spec.scheme !== undefined) target.protocol = `${spec.scheme}:`;
  if (spec.port !== undefined) target.port = String(spec.port);
  return target;
}

export function healthyStatus(statusCode: number, spec: HealthCheckSpec): boolean {
  return spec.status !== undefined ? statusCode === spec.status : statusCode >= 200 && statusCode < 400;
}

/** A checker sending its requests through `dispatcher` (its own Agent, apart from the traffic pools). */
export function createHttpChecker(dispatcher: Dispatcher): HealthChecker {
  return async (serverUrl, spec, signal) => {
    const headers: Record<string, string> = { ...spec.headers };
    if (spec.hostname !== undefined && spec.hostname !== '') headers.host = spec.hostname;
    const response = await request(checkUrl(serverUrl, spec), {
      dispatcher,
      method: spec.method,
      headers,
      signal,
      headersTimeout: spec.timeoutMs,
      bodyTimeout: spec.timeoutMs,
    });
    // Read (a bounded amount of) the body so the connection can be reused.
    await response.body.dump({ limit: 65_536, signal });
    if (!healthyStatus(response.statusCode, spec)) {
      const expected = spec.status !== undefined ? `${spec.status}` : '2xx or 3xx';
      throw new Error(`health check answered ${response.statusCode}, expected ${expected}`);
    }
  };
}
