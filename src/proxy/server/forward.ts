// One attempt to forward a request to one upstream through its undici pool, streaming both ways:
// undici's back-pressure (onData returning false, resume on drain) and the lazy request body.
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici-types';
import { applyCustomHeaders, headerTokens, rawToMap, stripHopByHop, toFlat, toPairs } from './headers.ts';

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
}

export type AttemptOutcome =
  /** The upstream answered; its status and how many body bytes reached the client. */
  | { readonly kind: 'answered'; readonly status: number; readonly bytes: () => number; readonly done: Promise<void> }
  /** No response headers came: nothing was written to the client. `connected` false: nothing reached the upstream. */
  | { readonly kind: 'failed'; readonly error: Error; readonly connected: boolean };

/** 504 when the upstream took too long to answer, 502 for everything else (refused, reset, bad response). */
export function statusForUpstreamError(error: Error): number {
  return (error as NodeJS.ErrnoException).code === 'UND_ERR_HEADERS_TIMEOUT' ? 504 : 502;
}

export function forwardOnce(request: AttemptRequest, res: ServerResponse): Promise<AttemptOutcome> {
  return new Promise((resolveAttempt) => {
    let connected = false;
    let abort: ((error?: Error) => void) | undefined;
    let bytes = 0;
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
      onConnect(abortRequest) {
        abort = abortRequest;
        connected = true;
        if (request.clientGone.aborted) abortRequest(new Error('client closed the connection'));
      },
      onHeaders(statusCode, rawHeaders, resume, statusText) {
        if (statusCode < 200) return true; // 1xx (100 Continue, 103) stay between proxy and upstream
        answered = true;
        const headers = rawToMap(rawHeaders);
        const trailers = headerTokens(headers, 'trailer');
        stripHopByHop(headers, 'response');
        for (const custom of request.responseHeaders) applyCustomHeaders(headers, custom);
        if (trailers.length > 0 && !headers.has('content-length')) headers.set('trailer', [trailers.join(', ')]);
        if (headers.has('date')) res.sendDate = false;
        res.on('drain', resume);
        res.writeHead(statusCode, statusText, toFlat(headers));
        resolveAttempt({ kind: 'answered', status: statusCode, bytes: () => bytes, done });
        return true;
      },
      onData(chunk) {
        bytes += chunk.length;
        return res.write(chunk);
      },
      onComplete(trailers) {
        if (trailers !== null && trailers.length > 0) res.addTrailers(toPairs(rawToMap(trailers)));
        res.end();
        finish();
      },
      onError(error) {
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
