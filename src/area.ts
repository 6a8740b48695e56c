// The lifecycle every area implements (after Caddy's modules): constructing an area has no side
// effects; daemon.ts starts areas in order, asks them for readiness, and stops them in reverse.
import type { Registry } from 'prom-client';

export interface Area {
  readonly name: string;
  /** Acquire resources and begin work. Resolve once started (not necessarily ready). */
  start(signal: AbortSignal): Promise<void>;
  /** Release everything; must respect the deadline (the daemon exits at it regardless). */
  stop(deadline: Date): Promise<void>;
  /** True when the area does its job: /readyz is 200 only when every enabled area says so. */
  ready(): boolean;
  /** Why the area is not ready, for /readyz and `weft status`. */
  readonly notReadyReason?: () => string | undefined;
  /** A JSON-able picture of the area for /v1/status. */
  readonly status?: () => unknown;
  /** SIGHUP: re-read what can be re-read without a restart. */
  readonly reload?: () => Promise<void>;
  /** The area's own metrics, merged into /metrics by the admin API. */
  readonly metrics?: Registry | undefined;
  /** HTTP endpoints the area offers on the admin API (e.g. DNS registration for weft-cni). */
  readonly routes?: readonly ApiRoute[];
}

export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Parsed JSON body, or undefined when the request had none. */
  readonly body: unknown;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface ApiRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Exact path, or a prefix ending in '/' that matches everything below it. */
  readonly path: string;
  handle(request: ApiRequest): Promise<ApiResponse>;
}
