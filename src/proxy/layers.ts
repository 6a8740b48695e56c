// replaced on merge: stand-ins for the layers built on h/px-routes, h/px-upstreams and h/px-server,
// so the area, its CLI and its tests compile and run before the merge. After the merge this file
// holds only the three re-exports below (and the types the area names, from those layers):
//   export { parseRouteFile, compileRouteTable } from './routes/index.ts';
//   export { createUpstreams } from './upstreams/index.ts';
//   export { createProxyServer } from './server/index.ts';
// The stand-ins: the parser accepts any TOML and yields an empty config, the table routes nothing,
// the server answers 404 to every request on the configured listeners.
import { createServer, type Server } from 'node:http';
import { parse, TomlError } from 'smol-toml';
import type { Config } from '../config/index.ts';
import type { Logger } from '../log.ts';
import type { ProxyMetrics } from './metrics.ts';
import type { ParseResult, RouteConfig, RouteTable, ServerHealth, UpstreamPicker } from './types.ts';
import type { CertificateBundle } from './certificates.ts';

export function parseRouteFile(text: string): ParseResult {
  try {
    parse(text);
  } catch (error) {
    const line = error instanceof TomlError ? error.line : undefined;
    return { errors: [{ path: '', message: (error as Error).message.split('\n')[0] ?? 'invalid TOML', ...(line === undefined ? {} : { line }) }], warnings: [] };
  }
  return { config: { routers: {}, services: {}, middlewares: {}, certificates: [] }, errors: [], warnings: [] };
}

export function compileRouteTable(config: RouteConfig): RouteTable {
  return { config, routers: [], route: () => undefined };
}

export interface UpstreamsDeps {
  readonly settings: Config['proxy'];
  readonly metrics: ProxyMetrics;
  readonly logger: Logger;
}

export function createUpstreams(_deps: UpstreamsDeps) {
  return {
    update(_config: RouteConfig): void {},
    picker(_service: string): UpstreamPicker | undefined {
      return undefined;
    },
    reportFailure(_url: string): void {},
    reportSuccess(_url: string): void {},
    health(): readonly ServerHealth[] {
      return [];
    },
    async close(_deadline: Date): Promise<void> {},
  };
}

export type Upstreams = ReturnType<typeof createUpstreams>;

export interface ProxyServerDeps {
  readonly settings: Config['proxy'];
  readonly table: () => RouteTable | undefined;
  readonly upstreams: Upstreams;
  readonly metrics: ProxyMetrics;
  readonly logger: Logger;
  readonly certificates: () => CertificateBundle | undefined;
}

export function createProxyServer(deps: ProxyServerDeps) {
  const servers: Server[] = [];
  return {
    async start(): Promise<void> {
      for (const text of deps.settings.listen) {
        const at = text.lastIndexOf(':');
        const server = createServer((_request, response) => response.writeHead(404).end());
        servers.push(server);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject).listen(Number(text.slice(at + 1)), text.slice(0, at).replace(/^\[|\]$/g, '') || undefined, resolve);
        });
      }
    },
    async stop(_deadline: Date): Promise<void> {
      await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve).closeAllConnections())));
    },
    addresses(): readonly { address: string; port: number; tls: boolean }[] {
      return servers.flatMap((server) => {
        const bound = server.address();
        return bound === null || typeof bound === 'string' ? [] : [{ address: bound.address, port: bound.port, tls: false }];
      });
    },
  };
}

export type ProxyServer = ReturnType<typeof createProxyServer>;
