// One attempt to forward a request to one upstream through its undici pool, streaming both ways:
// undici's back-pressure (onData returning false, resume on drain) and the lazy request body.
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { applyCustomHeaders, headerTokens, objectToMap, stripHopByHop, toFlat, toPairs } from './headers.ts';

// node:http by getBuiltinModule, never an ESM import (eslint.config.js: it costs Node's bundled undici).
const { STATUS_CODES } = process.getBuiltinModule('node:http');

export interface AttemptRequest {
  readonly dispatcher: Dispatcher;
  readonly origin: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string | string[]>;
  readonly body: Readable | null;
  readonly headersTimeoutMs: number;
  readonly responseHeaders: readonly Readonly<Record<string, string>>[];
  /** The client went away: the attempt is aborted (the upstream connection is not reused). */
  readonly clientGone: AbortSignal;
  /** Counts the body bytes relayed to the client (the access log's `bytes`). */
  readonly counter: { bytes: number };
}

export type AttemptOutcome =
  /** The upstream answered: headers went to the client, `done` settles when the body has.*/
  | { readonly kind: 'answered'; readonly status: number; readonly done: Promise<void> }
  /** No response headers came: nothing was written to the client. `connected` false: nothing reached the upstream. */
  | { readonly kind: 'failed'; readonly error: Error; readonly connected: boolean };

/** 504 when the upstream took too long to answer, 502 for everything else (refused, reset, bad response). */
export function statusForUpstreamError(error: Error): number {
  return (error as NodeJS.ErrnoException).code === 'UND_ERR_HEADERS_TIMEOUT' ? 504 : 502;
}

export function forwardOnce(request: AttemptRequest, res: ServerResponse): Promise<AttemptOutcome> {
  return new Promise((resolveAttempt) => {
    let connected = false;
    let abort: ((error: Error) => void) | undefined;
    let settleDone: (() => void) | undefined;
    const done = new Promise<void>((resolve) => (settleDone = resolve));
    let answered = false;
    const onClientGone = (): void => abort?.(new Error('client closed the connection'));
    request.clientGone.addEventListener('abort', onClientGone, { once: true });
    const finish = (): void => {
      request.clientGone.removeEventListener('abort', onClientGone);
      settleDone?.();
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(controller) {
        // Called as undici starts writing the request on a connection: from here the upstream may have seen it.
        abort = (error) => controller.abort(error);
        connected = true;
        if (request.clientGone.aborted) controller.abort(new Error('client closed the connection'));
      },
      onResponseStart(controller, statusCode, rawHeaders, statusMessage) {
        if (statusCode < 200) return; // 1xx (100 Continue, 103) stay between proxy and upstream
        const headers = objectToMap(rawHeaders);
        const trailers = headerTokens(headers, 'trailer');
        stripHopByHop(headers, 'response');
        for (const custom of request.responseHeaders) applyCustomHeaders(headers, custom);
        if (trailers.length > 0 && !headers.has('content-length')) headers.set('trailer', [trailers.join(', ')]);
        if (headers.has('date')) res.sendDate = false;
        try {
          res.writeHead(statusCode, statusMessage === undefined || statusMessage === '' ? (STATUS_CODES[statusCode] ?? '') : statusMessage, toFlat(headers));
        } catch (error) {
          // A header Node will not write (bad characters): the upstream's answer is unusable, 502.
          controller.abort(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        answered = true;
        res.on('drain', () => controller.resume());
        resolveAttempt({ kind: 'answered', status: statusCode, done });
      },
      onResponseData(controller, chunk) {
        request.counter.bytes += chunk.length;
        if (!res.write(chunk)) controller.pause();
      },
      onResponseEnd(_controller, trailers) {
        const map = objectToMap(trailers);
        if (map.size > 0) res.addTrailers(toPairs(map));
        res.end();
        finish();
      },
      onResponseError(_controller, error) {
        finish();
        if (answered) {
          // Mid-body: the client must see a broken response, not a short one that looks whole.
          res.destroy(error);
          return;
        }
        resolveAttempt({ kind: 'failed', error, connected });
      },
    };
    try {
      request.dispatcher.dispatch(
        { origin: request.origin, path: request.path, method: request.method, headers: request.headers, body: request.body, headersTimeout: request.headersTimeoutMs },
        handler,
      );
    } catch (error) {
      finish();
      resolveAttempt({ kind: 'failed', error: error instanceof Error ? error : new Error(String(error)), connected: false });
    }
  });
}
