// The client's request body as a stream undici reads on demand: it starts pulling from the client
// only when undici writes the body, so "nothing sent upstream yet" is knowable (retries), a failed
// attempt never destroys the client's request, and max_body_bytes is enforced while streaming.
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

export class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`request body is over max_body_bytes (${limit})`);
    this.name = 'BodyTooLargeError';
  }
}

export interface LazyBody {
  readonly stream: Readable;
  /** True once any byte was asked for: the upstream may have seen part of the body. */
  started(): boolean;
  tooLarge(): boolean;
}

/** maxBytes 0: no limit (Traefik's default). */
export function lazyBody(req: IncomingMessage, maxBytes: number): LazyBody {
  let started = false;
  let tooLarge = false;
  let received = 0;
  const onData = (chunk: Buffer): void => {
    received += chunk.length;
    if (maxBytes > 0 && received > maxBytes) {
      tooLarge = true;
      detach();
      stream.destroy(new BodyTooLargeError(maxBytes));
      return;
    }
    if (!stream.push(chunk)) req.pause();
  };
  const onEnd = (): void => {
    stream.push(null);
  };
  const onError = (error: Error): void => {
    stream.destroy(error);
  };
  const onAborted = (): void => {
    stream.destroy(new Error('client closed the request before sending its whole body'));
  };
  const detach = (): void => {
    req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
  };
  const onClose = (): void => {
    if (!req.complete) onAborted();
  };
  const stream = new Readable({
    read() {
      if (!started) {
        started = true;
        req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
      }
      req.resume();
    },
    destroy(error, callback) {
      detach();
      callback(error);
    },
  });
  return { stream, started: () => started, tooLarge: () => tooLarge };
}

/** Whether a request carries a body at all (RFC 9112 6.3: Transfer-Encoding or a non-zero Content-Length). */
export function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}
