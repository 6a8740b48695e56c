import { describe, expect, it } from 'vitest';
import { errors } from 'undici';
import { connectionFailureCode } from './failures.ts';

const coded = (code: string): Error => Object.assign(new Error(code), { code });

describe('passive failures', () => {
  it.each([
    { name: 'refused', error: coded('ECONNREFUSED'), code: 'ECONNREFUSED' },
    { name: 'reset', error: coded('ECONNRESET'), code: 'ECONNRESET' },
    { name: 'connect timeout', error: new errors.ConnectTimeoutError(), code: 'UND_ERR_CONNECT_TIMEOUT' },
    { name: 'closed before a response', error: new errors.SocketError('other side closed'), code: 'UND_ERR_SOCKET' },
    { name: 'happy eyeballs', error: new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')]), code: 'ECONNREFUSED' },
    { name: 'wrapped', error: new Error('fetch failed', { cause: coded('EHOSTUNREACH') }), code: 'EHOSTUNREACH' },
    { name: 'headers timeout', error: new errors.HeadersTimeoutError(), code: undefined },
    { name: 'aborted by the client', error: new errors.RequestAbortedError(), code: undefined },
    { name: 'not an error', error: 'ECONNREFUSED', code: undefined },
  ])('$name counts as $code', ({ error, code }) => {
    expect(connectionFailureCode(error)).toBe(code);
  });

  it('stops at a cause loop', () => {
    const error: Error & { cause?: unknown } = new Error('loop');
    error.cause = error;
    expect(connectionFailureCode(error)).toBeUndefined();
  });
});
