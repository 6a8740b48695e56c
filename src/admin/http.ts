// Small HTTP helpers of the admin API: listening with a coded error, probing a unix socket, reading
// a bounded JSON body, and answering JSON or text.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { WeftError } from '../errors.ts';

export const maxBodyBytes = 64 * 1024;

export function listen(server: Server, start: () => void, what: string, code: 'WEFT_E_ADMIN_SOCKET' | 'WEFT_E_ADMIN_LISTEN'): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new WeftError(code, `cannot open ${what}: ${error.message}`, { cause: error })));
    server.once('listening', () => resolve());
    start();
  });
}

export function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export class BodyTooLarge extends Error {}

/** The parsed JSON body, undefined for none, or an Error saying why it cannot be used. */
export async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  if (Number(request.headers['content-length'] ?? 0) > maxBodyBytes) return new BodyTooLarge(`body larger than ${maxBodyBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) return new BodyTooLarge(`body larger than ${maxBodyBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    return new Error(`body is not JSON: ${(error as Error).message}`);
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  response.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

export function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** The request's URL, or undefined when it cannot be parsed or its path is not valid %-encoded UTF-8. */
export function requestUrl(request: IncomingMessage): URL | undefined {
  try {
    const url = new URL(request.url ?? '/', 'http://weft');
    decodeURIComponent(url.pathname);
    return url;
  } catch {
    return undefined;
  }
}
