// weft_proxy_* metrics, named after Traefik's (traefik_service_requests_total, ..._duration_seconds,
// traefik_open_connections, traefik_service_server_up, traefik_config_reloads_total). Label values
// come only from the route file (router, service, server URL) and from bounded sets (code, method):
// unknown methods count as "other", so a client cannot grow the label set.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export const knownMethods: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/** A method as a label value: one of the known ones, or "other". */
export function methodLabel(method: string): string {
  return knownMethods.has(method) ? method : 'other';
}

export interface ProxyMetrics {
  readonly registry: Registry;
  /** Requests by router, service, status code and method (router/service "" when no router matched). */
  readonly requests: Counter<'router' | 'service' | 'code' | 'method'>;
  readonly requestDuration: Histogram<'router' | 'service' | 'code' | 'method'>;
  /** Open client connections by protocol (http, https, websocket). */
  readonly openConnections: Gauge<'protocol'>;
  /** 1 while a server is in rotation, 0 while it is out (health check or passive failure). */
  readonly serverUp: Gauge<'service' | 'url'>;
  readonly retries: Counter<'service'>;
  readonly reloads: Counter;
  readonly reloadFailures: Counter;
  readonly lastReloadSuccess: Gauge;
  /** Requests refused before routing (bad request line or headers, limits), by status code. */
  readonly rejected: Counter<'code'>;
}

export function createProxyMetrics(): ProxyMetrics {
  const registry = new Registry();
  const registers = [registry];
  const labelNames = ['router', 'service', 'code', 'method'] as const;
  return {
    registry,
    requests: new Counter({ name: 'weft_proxy_requests_total', help: 'Requests answered, by router, service, status code and method.', labelNames, registers }),
    requestDuration: new Histogram({
      name: 'weft_proxy_request_duration_seconds',
      help: 'Time from the request line to the end of the response, by router, service, status code and method.',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    openConnections: new Gauge({ name: 'weft_proxy_open_connections', help: 'Client connections open now, by protocol.', labelNames: ['protocol'], registers }),
    serverUp: new Gauge({ name: 'weft_proxy_server_up', help: '1 while a server is in rotation, 0 while it is out.', labelNames: ['service', 'url'], registers }),
    retries: new Counter({ name: 'weft_proxy_retries_total', help: 'Requests sent again to another server by the retry middleware.', labelNames: ['service'], registers }),
    reloads: new Counter({ name: 'weft_proxy_reloads_total', help: 'Route file changes applied.', registers }),
    reloadFailures: new Counter({ name: 'weft_proxy_reload_failures_total', help: 'Route file changes refused (the previous table kept serving).', registers }),
    lastReloadSuccess: new Gauge({ name: 'weft_proxy_last_reload_success_timestamp_seconds', help: 'When the route table was last replaced.', registers }),
    rejected: new Counter({ name: 'weft_proxy_rejected_requests_total', help: 'Requests refused before routing (malformed or over a limit), by status code.', labelNames: ['code'], registers }),
  };
}
