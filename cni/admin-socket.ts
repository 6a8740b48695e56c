// HTTP/1.1 to the daemon's admin socket over node:net, with the reply shape of the shared admin
// client (src/admin/client.ts). Why not that client: node:http costs 30-80 ms to load, most of a
// CNI ADD's own budget; node:net is loaded anyway (child_process uses it). One request per
// connection (Connection: close), a deadline, a bounded reply, chunked bodies decoded.
import { connect } from 'node:net';
import type { AdminReply } from '../src/admin/client.ts';

const maxReply = 1024 * 1024;

/** Joins a chunked body's chunks (RFC 9112 §7.1); undefined when it is malformed. */
export function decodeChunked(raw: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = parseInt(raw.subarray(at, eol).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isInteger(size) || size < 0) return undefined;
    if (size === 0) return Buffer.concat(parts);
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** Parses a whole HTTP/1.1 response (read until the server closed). */
export function parseReply(raw: Buffer): AdminReply {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error('incomplete HTTP reply');
  const head = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1] ?? NaN);
  if (!Number.isInteger(status)) throw new Error(`not an HTTP reply: ${(head[0] ?? '').slice(0, 80)}`);
  const headers = new Map(head.slice(1).map((h) => [h.slice(0, h.indexOf(':')).trim().toLowerCase(), h.slice(h.indexOf(':') + 1).trim()]));
  let body = raw.subarray(end + 4);
  if (headers.get('transfer-encoding')?.toLowerCase().includes('chunked') === true) body = decodeChunked(body) ?? Buffer.alloc(0);
  else if (headers.has('content-length')) body = body.subarray(0, Number(headers.get('content-length')));
  const text = body.toString('utf8');
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // plain-text endpoints (/readyz)
  }
  return { status, body: parsed, text };
}

export function adminCall(socket: string, method: string, path: string, body: unknown, timeoutMs: number): Promise<AdminReply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? '' : JSON.stringify(body);
    const conn = connect(socket);
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => conn.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    conn.on('connect', () => {
      const type = body === undefined ? '' : 'content-type: application/json\r\n';
      // write, not end: the server drops a half-closed connection before an async route answers.
      conn.write(`${method} ${path} HTTP/1.1\r\nhost: weft\r\nconnection: close\r\n${type}content-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`);
    });
    conn.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxReply) conn.destroy(new Error(`reply larger than ${maxReply} bytes`));
      else chunks.push(chunk);
    });
    conn.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    conn.on('close', (hadError) => {
      clearTimeout(timer);
      if (hadError) return;
      try {
        resolve(parseReply(Buffer.concat(chunks)));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}
