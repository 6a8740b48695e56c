// The proxy area's one entry point: createProxyArea({ config, logger }) and validateProxy(config).
// The proxy knows its route file, not etcd or templates: the file is the seam.
export { createProxyArea, compileRoutes, ProxyArea, type ProxyAreaOptions } from './area.ts';
export { checkRouteFile, type RouteFileReport } from './check.ts';
export { parseListenAddress, validateProxy, type ListenAddress } from './validate.ts';
export { createProxyMetrics, type ProxyMetrics } from './metrics.ts';
export type { RouteConfig, RouteTable, ServerHealth } from './types.ts';
// The route layer is pure and also used by `weft proxy check`.
export * from './routes/index.ts';
