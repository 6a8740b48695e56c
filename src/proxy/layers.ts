// replaced on merge: stand-ins for the layers built on h/px-routes, h/px-upstreams and h/px-server,
// with their names and shapes, so the area, its CLI and its tests compile and run before the merge.
// After the merge this file holds only:
//   export { loadRouteFile, routeFileLimits } from './routes/index.ts';
//   export { createUpstreams, type Upstreams } from './upstreams/index.ts';
//   export { createProxyServer, type ProxyCertificates, type ProxyServer } from './server/index.ts';
// The stand-ins: any TOML is an empty config, the table routes nothing, the server answers 404.
import { createServer, type Server } from 'node:http';
import type { SecureContextOptions } from 'node:tls';
import { parse, TomlError } from 'smol-toml';
import type { Config } from '../config/index.ts';
import type { Logger } from '../log.ts';
import type { ProxyMetrics } from './metrics.ts';
import type { RouteConfig, RouteProblem, RouteTable, ServerHealth, UpstreamPicker } from './types.ts';

export const routeFileLimits = { bytes: 10 * 1024 * 1024 };

export function loadRouteFile(text: string): { table?: RouteTable; config?: RouteConfig; errors: readonly RouteProblem[]; warnings: readonly RouteProblem[] } {
  try {
    parse(text);
  } catch (error) {
    const line = error instanceof TomlError ? error.line : undefined;
    return { errors: [{ path: '(file)', message: (error as Error).message.split('\n')[0] ?? 'invalid TOML', ...(line === undefined ? {} : { line }) }], warnings: [] };
  }
  const config: RouteConfig = { routers: {}, services: {}, middlewares: {}, certificates: [] };
  return { table: { config, routers: [], route: () => undefined }, config, errors: [], warnings: [] };
}

export interface Upstreams {
  update(config: RouteConfig): void;
  picker(service: string): UpstreamPicker | undefined;
  health(): ServerHealth[];
  close(deadline: Date): Promise<void>;
}

export function createUpstreams(_deps: { settings: Config['proxy']; metrics: ProxyMetrics; logger: Logger }): Upstreams {
  return { update: () => undefined, picker: () => undefined, health: () => [], close: async () => undefined };
}

export interface ProxyCertificates {
  readonly default?: SecureContextOptions;
  readonly bySni: readonly SecureContextOptions[];
}

export interface ProxyServer {
  start(): Promise<void>;
  stop(deadline: Date): Promise<void>;
  addresses(): { protocol: 'http' | 'https'; address: string; port: number }[];
}

export function createProxyServer(options: {
  settings: Config['proxy'];
  table: () => RouteTable | undefined;
  upstreams: Upstreams;
  metrics: ProxyMetrics;
  logger: Logger;
  certificates: () => ProxyCertificates;
}): ProxyServer {
  const servers: Server[] = [];
  return {
    async start() {
      for (const text of options.settings.listen) {
        const at = text.lastIndexOf(':');
        const server = createServer((_request, response) => response.writeHead(404).end());
        servers.push(server);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject).listen(Number(text.slice(at + 1)), text.slice(0, at).replace(/^\[|\]$/g, '') || undefined, resolve);
        });
      }
    },
    async stop() {
      await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve).closeAllConnections())));
    },
    addresses() {
      return servers.flatMap((server) => {
        const bound = server.address();
        return bound === null || typeof bound === 'string' ? [] : [{ protocol: 'http' as const, address: bound.address, port: bound.port }];
      });
    },
  };
}
