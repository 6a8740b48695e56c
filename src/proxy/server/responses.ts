// Short text answers the proxy gives itself, worded as Traefik (Go's net/http) words them.
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

// node:http by getBuiltinModule, never an ESM import (eslint.config.js: it costs Node's bundled undici).
const { STATUS_CODES } = process.getBuiltinModule('node:http');

/** The body of an error the proxy answers itself: Go's StatusText, with Traefik's own wordings. */
export function errorBody(status: number): string {
  if (status === 404) return '404 page not found\n';
  if (status === 503) return 'no available server\n';
  return STATUS_CODES[status] ?? String(status);
}

export function sendError(res: ServerResponse, status: number, extraHeaders: readonly string[] = []): number {
  const body = errorBody(status);
  const flat = ['content-type', 'text/plain; charset=utf-8', 'x-content-type-options', 'nosniff', 'content-length', String(Buffer.byteLength(body)), ...extraHeaders];
  res.writeHead(status, flat);
  res.end(body);
  return Buffer.byteLength(body);
}

/** An answer written straight to a socket (parser errors, refused upgrades), then the socket is closed. */
export function rawErrorResponse(status: number, reason?: string): string {
  const text = STATUS_CODES[status] ?? 'Error';
  const body = reason === undefined ? `${status} ${text}` : `${status} ${text}: ${reason}`;
  return `HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

export function writeRawAndClose(socket: Duplex, status: number, reason?: string): void {
  if (socket.writable) socket.end(rawErrorResponse(status, reason));
  else socket.destroy();
}

/** Node's parser error codes -> the status Go's net/http answers with (it never forwards these). */
export function statusForParserError(code: string | undefined, reason = ''): number {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return 431;
    case 'HPE_INVALID_TRANSFER_ENCODING':
      // Both framings at once is a smuggling attempt (400); an unknown coding is 501, as Go answers.
      return reason.includes('Content-Length') ? 400 : 501;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 408;
    default:
      return 400;
  }
}
