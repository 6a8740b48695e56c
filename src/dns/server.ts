// UDP and TCP sockets around the query handler: a thin shell. TCP carries length-prefixed messages
// (RFC 1035 §4.2.2, RFC 7766: several per connection, pipelined); idle connections are closed.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIP, type Server as TcpServer, type Socket } from 'node:net';
import { WeftError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { QueryHandler } from './handler.ts';
import type { DnsMetrics } from './metrics.ts';

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
  /** Close a TCP connection after this long without a query (ms). */
  readonly tcpIdle?: number;
  readonly maxTcpConnections?: number;
  /** Share the UDP ports with worker threads (SO_REUSEPORT). */
  readonly reusePort?: boolean;
  /** UDP only (worker threads): TCP stays with the main thread. */
  readonly udpOnly?: boolean;
}

const defaultTcpIdle = 10_000;

export class DnsServer {
  readonly #o: DnsServerOptions;
  readonly #udp: UdpSocket[] = [];
  readonly #tcp: TcpServer[] = [];
  readonly #connections = new Set<Socket>();
  readonly #bound: ListenAddress[] = [];

  constructor(options: DnsServerOptions) {
    this.#o = options;
  }

  /** The addresses actually bound (port 0 in the config becomes the port the kernel chose). */
  get addresses(): readonly ListenAddress[] {
    return this.#bound;
  }

  async start(): Promise<void> {
    try {
      for (const address of this.#o.listen) this.#bound.push(await this.#listen(address));
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    for (const socket of this.#udp.splice(0)) socket.close();
    for (const connection of this.#connections) connection.destroy();
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
      const socket = createSocket({ type: isIP(address.host) === 6 ? 'udp6' : 'udp4', ipv6Only: isIP(address.host) === 6, reusePort: this.#o.reusePort === true });
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
      this.#o.metrics.dropped.inc({ reason: 'error' });
      this.#o.logger.error({ event: 'dns_handler_failed', err: (error as Error).message });
      return;
    }
    if (result === undefined) return;
    if (!(result instanceof Promise)) {
      socket.send(result, port, address); // no callback on the hot path: failures surface as 'error'
      return;
    }
    result.then(
      (bytes) => bytes && socket.send(bytes, port, address, (error) => error && this.#o.metrics.dropped.inc({ reason: 'send' })),
      (error: unknown) => {
        this.#o.metrics.dropped.inc({ reason: 'error' });
        this.#o.logger.error({ event: 'dns_handler_failed', err: (error as Error).message });
      },
    );
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
    this.#connections.add(socket);
    socket.setTimeout(this.#o.tcpIdle ?? defaultTcpIdle, () => socket.destroy());
    socket.on('close', () => this.#connections.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    const client = socket.remoteAddress ?? '';
    socket.on('data', (chunk) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const size = buffered.readUInt16BE(0);
        if (buffered.length < size + 2) break;
        const message = Buffer.from(buffered.subarray(2, size + 2));
        buffered = buffered.subarray(size + 2);
        void this.#answerTcp(socket, message, client);
      }
    });
  }

  async #answerTcp(socket: Socket, message: Buffer, client: string): Promise<void> {
    try {
      const bytes = await this.#o.handler.handle(message, client, 'tcp');
      if (bytes === undefined || socket.destroyed) return;
      const length = Buffer.alloc(2);
      length.writeUInt16BE(bytes.length);
      socket.write(Buffer.concat([length, bytes]));
    } catch (error) {
      this.#o.metrics.dropped.inc({ reason: 'error' });
      this.#o.logger.error({ event: 'dns_handler_failed', err: (error as Error).message });
    }
  }
}
