// The three layers the area joins (routes -> upstreams -> server), in one place.
export { loadRouteFile, routeFileLimits } from './routes/index.ts';
export { createUpstreams, type Upstreams } from './upstreams/index.ts';
export { createProxyServer, type ProxyCertificates, type ProxyServer } from './server/index.ts';
