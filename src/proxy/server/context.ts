// What every part of the server layer shares: settings, the current table, upstreams, telemetry.
import type { Config } from '../../config/index.ts';
import type { Logger } from '../../log.ts';
import type { NetworkSet } from '../../net/index.ts';
import type { ProxyMetrics } from '../metrics.ts';
import type { RouteTable } from '../types.ts';
import type { Upstreams } from './upstreams-port.ts';

export type ProxySettings = Config['proxy'];

export interface ServerContext {
  readonly settings: ProxySettings;
  readonly table: () => RouteTable | undefined;
  readonly upstreams: Upstreams;
  readonly metrics: ProxyMetrics;
  readonly logger: Logger;
  readonly trusted: NetworkSet;
  /** X-Forwarded-Server, as Traefik sets it (the host name). */
  readonly serverName: string;
}

/** One request's record, filled in as it goes; logged and counted once when the response closes. */
export interface AccessRecord {
  readonly start: number;
  readonly client: string;
  readonly method: string;
  host: string;
  path: string;
  requestId: string;
  router: string;
  service: string;
  server: string;
  bytes: number;
}
