// The proxy's sockets: HTTP and HTTPS listeners on Node's parser (configured strictly, never the
// lenient one), requests and WebSocket upgrades handed to the handlers, a drain on stop.
// With `proxy.workers`, the area runs one of these per thread (threads.ts), all bound with SO_REUSEPORT.
import type { Server as HttpServer, ServerOptions } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { hostname } from 'node:os';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../log.ts';
import { NetworkSet, parseCidr, parseIpPort, type Cidr } from '../../net/index.ts';
import type { ProxyMetrics } from '../metrics.ts';
import type { RouteTable } from '../types.ts';
import { indexCertificates, pickCertificate, type CertificateIndex, type ProxyCertificates } from './certificates.ts';
import type { ProxySettings, ServerContext } from './context.ts';
import { createRequestHandler } from './handler.ts';
import { statusForParserError, writeRawAndClose } from './responses.ts';
import type { Upstreams } from './upstreams-port.ts';
import { createUpgradeHandler, isWebSocketUpgrade, type Tunnels } from './websocket.ts';

// node:http by getBuiltinModule, never an ESM import (eslint.config.js: it costs Node's bundled undici).
const { createServer: createHttpServer } = process.getBuiltinModule('node:http');

export type { ProxyCertificates } from './certificates.ts';
export type { ProxySettings } from './context.ts';
export type { Upstreams } from './upstreams-port.ts';

export interface ProxyServerOptions {
  readonly settings: ProxySettings;
  /** The table of the moment; read once per request. Undefined before the first good route file: 404. */
  readonly table: () => RouteTable | undefined;
  readonly upstreams: Upstreams;
  readonly metrics: ProxyMetrics;
  readonly logger: Logger;
  /** The certificates of the current table; a new object after a reload rebuilds the contexts. */
  readonly certificates: () => ProxyCertificates;
  /** Bind with SO_REUSEPORT so several instances (worker threads) share each port; default: `settings.workers > 0`. */
  readonly reusePort?: boolean;
}

export interface ListenerAddress {
  readonly protocol: 'http' | 'https';
  readonly address: string;
  readonly port: number;
}

export interface ProxyServer {
  start(): Promise<void>;
  /** Stops accepting, lets requests in flight finish until the deadline, then closes everything (tunnels too). */
  stop(deadline: Date): Promise<void>;
  addresses(): ListenerAddress[];
}

interface Listener {
  readonly protocol: 'http' | 'https';
  readonly server: HttpServer;
  /** The same server when it speaks TLS (its default certificate follows reloads). */
  readonly secure?: HttpsServer;
  readonly host: string;
  readonly port: number;
  readonly sockets: Set<Socket>;
}

export function createProxyServer(options: ProxyServerOptions): ProxyServer {
  const { settings, metrics, logger } = options;
  const reusePort = options.reusePort ?? settings.workers > 0;
  const trusted = new NetworkSet(settings.trusted_ips.map((text) => parseCidr(text)).filter((cidr): cidr is Cidr => cidr !== undefined));
  const context: ServerContext = { settings, table: options.table, upstreams: options.upstreams, metrics, logger, trusted, serverName: hostname() };
  // A connection is counted under one protocol at a time: http/https, then websocket once tunnelled.
  const protocolOf = new WeakMap<Duplex, string>();
  const countConnection = (socket: Duplex, protocol: string): void => {
    protocolOf.set(socket, protocol);
    metrics.openConnections.inc({ protocol });
    socket.once('close', () => metrics.openConnections.dec({ protocol: protocolOf.get(socket) ?? protocol }));
  };
  const tunnels: Tunnels = {
    open: new Set<Duplex>(),
    onTunnel(client, protocol) {
      tunnels.open.add(client);
      metrics.openConnections.dec({ protocol: protocolOf.get(client) ?? protocol });
      protocolOf.set(client, 'websocket');
      metrics.openConnections.inc({ protocol: 'websocket' });
      client.once('close', () => tunnels.open.delete(client));
    },
  };
  let certificateSet: ProxyCertificates | undefined;
  let certificateIndex: CertificateIndex = { byName: new Map() };
  const currentCertificates = (): CertificateIndex => {
    const set = options.certificates();
    if (set === certificateSet) return certificateIndex;
    certificateSet = set;
    try {
      certificateIndex = indexCertificates(set);
    } catch (error) {
      logger.error({ event: 'proxy_certificates_invalid', err: error }, 'a certificate of the route file cannot be used; the previous ones stay');
    }
    return certificateIndex;
  };
  const headersTimeout = Math.min(settings.headers_timeout, settings.read_timeout);
  const serverOptions: ServerOptions = {
    requireHostHeader: true,
    maxHeaderSize: settings.max_header_bytes,
    headersTimeout,
    requestTimeout: settings.read_timeout,
    keepAliveTimeout: settings.idle_timeout,
    // How often Node checks the timeouts above: often enough that a slow client is cut off on time.
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))),
    joinDuplicateHeaders: false,
    insecureHTTPParser: false,
    shouldUpgradeCallback: isWebSocketUpgrade,
  };
  const listeners: Listener[] = [];
  const build = (protocol: 'http' | 'https', text: string): Listener => {
    const address = parseIpPort(text, protocol === 'https' ? 443 : 80);
    if (address === undefined) throw new Error(`proxy: listen address "${text}" is not ADDRESS:PORT`);
    const tls = protocol === 'https';
    const secure = tls
      ? createHttpsServer({
          ...serverOptions,
          SNICallback: (name, callback) => {
            const context = pickCertificate(currentCertificates(), name);
            if (context === undefined) callback(new Error(`no certificate for ${name}`));
            else callback(null, context);
          },
        })
      : undefined;
    const server: HttpServer = secure ?? createHttpServer(serverOptions);
    const listener: Listener = { protocol, server, host: address.host, port: address.port, sockets: new Set(), ...(secure === undefined ? {} : { secure }) };
    server.maxConnections = settings.max_connections;
    const handler = createRequestHandler(context, tls);
    server.on('request', handler);
    server.on('checkContinue', (req, res) => handler(req, res, true));
    server.on('upgrade', createUpgradeHandler(context, tls, tunnels));
    server.on('connection', (socket: Socket) => {
      listener.sockets.add(socket);
      socket.once('close', () => listener.sockets.delete(socket));
      if (!tls) countConnection(socket, 'http');
    });
    // Clients without SNI get the server's own context: bring it up to date before the TLS socket is made.
    secure?.prependListener('connection', () => {
      const before = certificateSet;
      const index = currentCertificates();
      if (certificateSet !== before && index.fallbackOptions !== undefined) secure.setSecureContext(index.fallbackOptions);
    });
    if (tls) server.on('secureConnection', (socket: Socket) => countConnection(socket, 'https'));
    server.on('drop', () => metrics.rejected.inc({ code: 'max_connections' }));
    server.on('clientError', (error: NodeJS.ErrnoException & { reason?: string }, socket: Duplex) => {
      if (error.code === 'ECONNRESET' || !socket.writable) {
        socket.destroy();
        return;
      }
      const status = statusForParserError(error.code, error.reason);
      metrics.rejected.inc({ code: String(status) });
      logger.debug({ event: 'proxy_bad_request', code: error.code, status });
      writeRawAndClose(socket, status);
    });
    server.on('tlsClientError', (error: Error) => logger.debug({ event: 'proxy_tls_error', err: error }));
    return listener;
  };

  return {
    async start() {
      for (const text of settings.listen) listeners.push(build('http', text));
      for (const text of settings.tls_listen) listeners.push(build('https', text));
      for (const l of listeners) {
        await new Promise<void>((resolve, reject) => {
          l.server.once('error', reject);
          l.server.listen({ host: l.host, port: l.port, reusePort }, () => {
            l.server.off('error', reject);
            resolve();
          });
        });
        l.server.on('error', (error) => logger.error({ event: 'proxy_listener_error', err: error, protocol: l.protocol }));
      }
      const initial = currentCertificates().fallbackOptions;
      for (const l of listeners) if (initial !== undefined) l.secure?.setSecureContext(initial);
    },
    async stop(deadline) {
      const closed = listeners.map((l) => new Promise<void>((resolve) => l.server.close(() => resolve())));
      const open = (): number => listeners.reduce((n, l) => n + l.sockets.size, 0);
      while (open() > 0 && Date.now() < deadline.getTime()) {
        for (const l of listeners) l.server.closeIdleConnections();
        await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(50, deadline.getTime() - Date.now()))));
      }
      for (const client of tunnels.open) client.destroy();
      for (const l of listeners) {
        l.server.closeAllConnections();
        for (const socket of l.sockets) socket.destroy();
      }
      await Promise.all(closed);
      listeners.length = 0;
    },
    addresses() {
      return listeners.flatMap((l) => {
        const address = l.server.address();
        return address !== null && typeof address === 'object' ? [{ protocol: l.protocol, address: address.address, port: address.port }] : [];
      });
    },
  };
}
