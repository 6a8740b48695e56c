// The seams between the proxy's layers (after undici: layers depend downward only):
//   routes/    route file text -> RouteConfig (Traefik v3 file-provider format) -> RouteTable (pure)
//   upstreams/ RouteConfig -> pools, balancers, health (balancing pure; pools and checks are shells)
//   server/    sockets: HTTP/1.1, TLS (SNI), WebSocket; forwards what the table and upstreams decide
//   reload.ts  watches the file; parse -> compile -> swap, the previous table serving on any error
//   index.ts   the area: createProxyArea({ config, logger }), validateProxy(config)
// The proxy knows its route file, not etcd or templates: the file is the seam.

/** What a router's rule sees of a request (never the body). */
export interface RequestFacts {
  /** The Host header lower-cased, port removed (IPv6 literals keep their brackets off: `::1`). */
  readonly host: string;
  readonly method: string;
  /** The request-target's path as received (percent-encoding kept), without the query. */
  readonly path: string;
  /** The query string without `?` ('' when none). */
  readonly rawQuery: string;
  /** Node's IncomingHttpHeaders: lower-case names, repeated headers joined or as arrays. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The TCP peer's address (X-Forwarded-For never counts for ClientIP). */
  readonly clientIP: string;
}

export interface ServerSpec {
  /** `http://host:port` (an `https://` upstream is allowed; a path is not, as in Traefik). */
  readonly url: string;
  /** Traefik: default 1; 0 takes the server out of rotation. */
  readonly weight: number;
}

export interface HealthCheckSpec {
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly hostname?: string;
  readonly port?: number;
  readonly scheme?: 'http' | 'https';
  readonly method: string;
  /** Expected status; undefined means any 2xx or 3xx (Traefik). */
  readonly status?: number;
  readonly headers: Readonly<Record<string, string>>;
}

export type ServiceSpec =
  | { readonly kind: 'loadBalancer'; readonly servers: readonly ServerSpec[]; readonly passHostHeader: boolean; readonly healthCheck?: HealthCheckSpec }
  | { readonly kind: 'weighted'; readonly services: readonly { readonly name: string; readonly weight: number }[] };

export type MiddlewareSpec =
  | { readonly kind: 'stripPrefix'; readonly prefixes: readonly string[] }
  | { readonly kind: 'addPrefix'; readonly prefix: string }
  | { readonly kind: 'headers'; readonly customRequestHeaders: Readonly<Record<string, string>>; readonly customResponseHeaders: Readonly<Record<string, string>> }
  | { readonly kind: 'retry'; readonly attempts: number; readonly initialIntervalMs: number }
  | { readonly kind: 'redirectScheme'; readonly scheme: string; readonly port?: string; readonly permanent: boolean };

export interface RouterSpec {
  readonly name: string;
  readonly rule: string;
  readonly service: string;
  /** Traefik's default: the length of the rule string. */
  readonly priority: number;
  readonly middlewares: readonly string[];
  /** `[http.routers.X.tls]` present: the router serves only TLS connections. */
  readonly tls: boolean;
}

export interface CertificateSpec {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface RouteConfig {
  readonly routers: Readonly<Record<string, RouterSpec>>;
  readonly services: Readonly<Record<string, ServiceSpec>>;
  readonly middlewares: Readonly<Record<string, MiddlewareSpec>>;
  readonly certificates: readonly CertificateSpec[];
  readonly defaultCertificate?: CertificateSpec;
}

/** A problem in a route file: the key path (`http.routers.web.rule`), what is wrong, the line if known. */
export interface RouteProblem {
  readonly path: string;
  readonly message: string;
  readonly line?: number;
}

export interface ParseResult {
  /** Undefined when there is any error: an invalid file never replaces a good table. */
  readonly config?: RouteConfig;
  readonly errors: readonly RouteProblem[];
  /** Unknown keys and unsupported Traefik options: logged and shown in status, never fatal. */
  readonly warnings: readonly RouteProblem[];
}

export interface CompiledRouter {
  readonly name: string;
  readonly priority: number;
  readonly service: string;
  /** The router's middlewares, resolved in order. */
  readonly middlewares: readonly MiddlewareSpec[];
  readonly tls: boolean;
  matches(request: RequestFacts): boolean;
}

/** An immutable, compiled table: a reload builds a new one and swaps it in whole. */
export interface RouteTable {
  readonly config: RouteConfig;
  /** Routers in match order: priority descending, then as Traefik orders ties. */
  readonly routers: readonly CompiledRouter[];
  /** The first router that matches (a TLS router only on TLS connections, a plain one only on plain). */
  route(request: RequestFacts, tls: boolean): CompiledRouter | undefined;
}

/** One server a request may go to. */
export interface Upstream {
  readonly service: string;
  /** The server's URL as configured. */
  readonly url: string;
  /** `protocol//host:port`: the key of its connection pool. */
  readonly origin: string;
}

export interface UpstreamPicker {
  readonly passHostHeader: boolean;
  /** The next server by smooth weighted round robin among healthy ones, skipping `exclude` (retries). */
  pick(exclude?: ReadonlySet<string>): Upstream | undefined;
  /** True when the service has servers but every one is down (answer 503, not 502). */
  allDown(): boolean;
}

export interface ServerHealth {
  readonly service: string;
  readonly url: string;
  readonly up: boolean;
  readonly reason?: string;
  readonly since: string;
}
