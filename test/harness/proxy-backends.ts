// Upstream servers for proxy tests, on loopback: HTTP servers that answer 200 with their index and
// count what they served, and a minimal WebSocket echo server (RFC 6455 handshake, text frames),
// so the proxy is tested against real sockets without another dependency.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';

export interface Backends {
  readonly ports: readonly number[];
  /** Requests each server answered. */
  readonly hits: number[];
  close(): Promise<void>;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

async function closeAll(servers: readonly Server[]): Promise<void> {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve).closeAllConnections())));
}

export async function startBackends(count: number): Promise<Backends> {
  const hits = Array.from({ length: count }, () => 0);
  const servers = hits.map((_, i) =>
    createServer((request, response) => {
      hits[i] = (hits[i] ?? 0) + 1;
      request.resume();
      response.writeHead(200, { 'content-type': 'text/plain' }).end(`backend ${i}\n`);
    }),
  );
  const ports = await Promise.all(servers.map(listen));
  return { ports, hits, close: () => closeAll(servers) };
}

/** One server-to-client text frame (unmasked, as a server sends it). */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length > 125) throw new Error('echo frames are short');
  return Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
}

/** Echoes every masked client text frame back; answers close with close. Frames up to 125 bytes. */
function echo(socket: Socket): void {
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 6) {
      const opcode = (pending[0] ?? 0) & 0x0f;
      const length = (pending[1] ?? 0) & 0x7f;
      if (length > 125) return void socket.destroy();
      if (pending.length < 6 + length) return;
      const mask = pending.subarray(2, 6);
      const payload = Buffer.from(pending.subarray(6, 6 + length).map((byte, i) => byte ^ (mask[i % 4] ?? 0)));
      pending = pending.subarray(6 + length);
      if (opcode === 0x8) return void socket.end(Buffer.from([0x88, 0]));
      if (opcode === 0x9) socket.write(Buffer.concat([Buffer.from([0x8a, payload.length]), payload]));
      else if (opcode === 0x1) socket.write(textFrame(payload.toString()));
    }
  });
  socket.on('error', () => socket.destroy());
}

export async function startWebSocketEcho(): Promise<{ port: number; upgrades: () => number; close(): Promise<void> }> {
  let upgrades = 0;
  const sockets = new Set<Socket>();
  const server = createServer((_request, response) => response.writeHead(426).end());
  server.on('upgrade', (request, socket: Socket) => {
    const key = request.headers['sec-websocket-key'];
    if (typeof key !== 'string' || request.headers.upgrade?.toLowerCase() !== 'websocket') return void socket.destroy();
    upgrades++;
    sockets.add(socket.once('close', () => sockets.delete(socket)));
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    echo(socket);
  });
  const port = await listen(server);
  return {
    port,
    upgrades: () => upgrades,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await closeAll([server]);
    },
  };
}
