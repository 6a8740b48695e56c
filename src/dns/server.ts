// UDP and TCP sockets around the query handler: a thin shell. TCP carries length-prefixed messages
// (RFC 1035 §4.2.2, RFC 7766: several per connection, pipelined; see tcp.ts), with connection
// limits in all and per client address, and deadlines checked by one sweep timer.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIP, type Server as TcpServer, type Socket } from 'node:net';
import { WeftError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { QueryHandler } from './handler.ts';
import type { DnsMetrics } from './metrics.ts';
import { RateLimitedLog } from './ratelog.ts';
import { defaultTcpLimits, TcpConnection, type TcpLimits } from './tcp.ts';
import { literalLookup } from './udp.ts';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** "127.0.0.1:53", "[::1]:5353", ":53" (all IPv4 addresses) → host and port. */
export function parseListen(text: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]*)):(\d{1,5})$/.exec(text);
  if (match === null) throw new WeftError('WEFT_E_DNS_LISTEN', `"${text}" is not an ADDRESS:PORT listen address`);
  return { host: match[1] ?? (match[2] === '' ? '0.0.0.0' : (match[2] ?? '0.0.0.0')), port: Number(match[3]) };
}

export interface DnsServerOptions {
  readonly listen: readonly ListenAddress[];
  readonly handler: QueryHandler;
  readonly metrics: DnsMetrics;
  readonly logger: Logger;
  /** Deadlines and back-pressure of each TCP connection. */
  readonly tcp?: Partial<TcpLimits>;
  readonly maxTcpConnections?: number;
  readonly maxTcpConnectionsPerClient?: number;
  /** Share the UDP ports with worker threads (SO_REUSEPORT). */
  readonly reusePort?: boolean;
  /** UDP only (worker threads): TCP stays with the main thread. */
  readonly udpOnly?: boolean;
}

export class DnsServer {
  readonly #o: DnsServerOptions;
  readonly #udp: UdpSocket[] = [];
  readonly #tcp: TcpServer[] = [];
  readonly #connections = new Map<Socket, TcpConnection>();
  readonly #perClient = new Map<string, number>();
  readonly #bound: ListenAddress[] = [];
  readonly #tcpLimits: TcpLimits;
  readonly #log: RateLimitedLog;
  #sweep: NodeJS.Timeout | undefined;

  constructor(options: DnsServerOptions) {
    this.#o = options;
    this.#tcpLimits = { ...defaultTcpLimits, ...options.tcp };
    this.#log = new RateLimitedLog(options.logger);
  }

  /** The addresses actually bound (port 0 in the config becomes the port the kernel chose). */
  get addresses(): readonly ListenAddress[] {
    return this.#bound;
  }

  /** Open TCP connections and the bytes they hold (status, tests). */
  tcpStatus(): { connections: number; bufferedBytes: number } {
    let bufferedBytes = 0;
    for (const connection of this.#connections.values()) bufferedBytes += connection.bufferedBytes;
    return { connections: this.#connections.size, bufferedBytes };
  }

  async start(): Promise<void> {
    try {
      for (const address of this.#o.listen) this.#bound.push(await this.#listen(address));
      const { idleMs, frameMs } = this.#tcpLimits;
      if (this.#o.udpOnly !== true) this.#sweep = setInterval(() => this.#expire(), Math.min(1000, Math.max(50, Math.min(idleMs, frameMs) / 4))).unref();
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#sweep);
    for (const socket of this.#udp.splice(0)) socket.close();
    for (const socket of this.#connections.keys()) socket.destroy();
    this.#connections.clear();
    await Promise.all(this.#tcp.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  }

  async #listen(address: ListenAddress): Promise<ListenAddress> {
    // UDP first, so port 0 picks a port that TCP then shares; retry if TCP finds it taken.
    for (let attempt = 0; ; attempt++) {
      const udp = await this.#bindUdp(address);
      const port = udp.address().port;
      if (this.#o.udpOnly === true) {
        this.#udp.push(udp);
        return { host: address.host, port };
      }
      try {
        this.#tcp.push(await this.#bindTcp({ host: address.host, port }));
        this.#udp.push(udp);
        return { host: address.host, port };
      } catch (error) {
        udp.close();
        if (address.port !== 0 || attempt >= 5) throw error;
      }
    }
  }

  #bindUdp(address: ListenAddress): Promise<UdpSocket> {
    return new Promise((resolve, reject) => {
      const family = isIP(address.host) === 6 ? 6 : 4;
      const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4', ipv6Only: family === 6, reusePort: this.#o.reusePort === true, lookup: literalLookup(family) });
      const fail = (error: Error): void => {
        socket.close();
        reject(new WeftError('WEFT_E_DNS_LISTEN', `cannot bind DNS UDP ${address.host}:${address.port}: ${error.message}; is another DNS server on it?`, { cause: error }));
      };
      socket.once('error', fail);
      socket.bind({ address: address.host, port: address.port, exclusive: this.#o.reusePort !== true }, () => {
        socket.off('error', fail);
        socket.on('error', (error) => {
          this.#o.metrics.dropped.inc({ reason: 'send' });
          this.#o.logger.warn({ event: 'dns_udp_error', err: error.message });
        });
        socket.on('message', (message, rinfo) => this.#onUdp(socket, message, rinfo.address, rinfo.port));
        resolve(socket);
      });
    });
  }

  #onUdp(socket: UdpSocket, message: Buffer, address: string, port: number): void {
    let result: ReturnType<QueryHandler['handle']>;
    try {
      result = this.#o.handler.handle(message, address, 'udp');
    } catch (error) {
      this.#failed(error);
      return;
    }
    if (result === undefined) return;
    if (!(result instanceof Promise)) {
      socket.send(result, port, address); // no callback on the hot path: failures surface as 'error'
      return;
    }
    result.then(
      (bytes) => bytes && socket.send(bytes, port, address, (error) => error && this.#o.metrics.dropped.inc({ reason: 'send' })),
      (error: unknown) => this.#failed(error),
    );
  }

  #failed(error: unknown): void {
    this.#o.metrics.dropped.inc({ reason: 'error' });
    this.#log.log('error', (error as Error).message, { event: 'dns_handler_failed', err: (error as Error).message }, 'DNS query handler failed');
  }

  #bindTcp(address: ListenAddress): Promise<TcpServer> {
    return new Promise((resolve, reject) => {
      const server = createServer((socket) => this.#onConnection(socket));
      server.maxConnections = this.#o.maxTcpConnections ?? 1000;
      const fail = (error: Error): void => {
        server.close();
        reject(new WeftError('WEFT_E_DNS_LISTEN', `cannot bind DNS TCP ${address.host}:${address.port}: ${error.message}; is another DNS server on it?`, { cause: error }));
      };
      server.once('error', fail);
      server.listen({ host: address.host, port: address.port, exclusive: true, ipv6Only: isIP(address.host) === 6 }, () => {
        server.off('error', fail);
        server.on('error', (error) => this.#o.logger.warn({ event: 'dns_tcp_error', err: error.message }));
        resolve(server);
      });
    });
  }

  #onConnection(socket: Socket): void {
    const client = socket.remoteAddress ?? '';
    const open = this.#perClient.get(client) ?? 0;
    socket.on('error', () => socket.destroy());
    if (open >= (this.#o.maxTcpConnectionsPerClient ?? 32)) {
      this.#o.metrics.dropped.inc({ reason: 'tcp_client_limit' });
      this.#log.log('warn', client, { event: 'dns_tcp_client_limit', client }, 'too many DNS TCP connections from one client; closing the newest (dns.tcp_max_connections_per_client)');
      socket.destroy();
      return;
    }
    this.#perClient.set(client, open + 1);
    const answer = (message: Buffer): ReturnType<QueryHandler['handle']> => {
      try {
        const result = this.#o.handler.handle(message, client, 'tcp');
        if (result instanceof Promise) void result.catch((error: unknown) => this.#failed(error));
        return result;
      } catch (error) {
        this.#failed(error);
        throw error;
      }
    };
    this.#connections.set(socket, new TcpConnection(socket, answer, this.#tcpLimits));
    socket.on('close', () => {
      this.#connections.delete(socket);
      const left = (this.#perClient.get(client) ?? 1) - 1;
      if (left > 0) this.#perClient.set(client, left);
      else this.#perClient.delete(client);
    });
  }

  #expire(): void {
    const now = Date.now();
    for (const [socket, connection] of this.#connections) {
      const reason = connection.expired(now);
      if (reason === undefined) continue;
      this.#o.metrics.dropped.inc({ reason: `tcp_${reason}_timeout` });
      socket.destroy();
    }
  }
}
