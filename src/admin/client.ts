// A tiny client for the admin API over its unix socket, for the CLI and weft-cni.
import { WeftError } from '../errors.ts';

// node:http by getBuiltinModule, never an ESM import (eslint.config.js: it costs Node's bundled undici).
const { request } = process.getBuiltinModule('node:http');

export interface AdminReply {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

export function adminRequest(socket: string, method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<AdminReply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      { socketPath: socket, method, path, timeout: timeoutMs, headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // plain-text endpoints (/healthz, /readyz, /metrics)
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) =>
      reject(new WeftError('WEFT_E_ADMIN_SOCKET', `cannot reach the weft daemon at ${socket}: ${error.message}; is 'weft daemon' running (systemctl status weft)?`, { cause: error })),
    );
    req.end(payload);
  });
}
