import { describe, expect, it } from 'vitest';
import type { MiddlewareSpec } from '../types.ts';
import { headerMap } from './headers.ts';
import { applyMiddlewares, redirectScheme, redirectStatus, retryDelayMs, type RequestDraft } from './middlewares.ts';

function draft(overrides: Partial<RequestDraft> = {}): RequestDraft {
  return { path: '/api/users', rawQuery: 'a=1', host: 'web.test', method: 'GET', headers: headerMap(['X-Forwarded-Proto', 'http']), tls: false, ...overrides };
}

describe('applyMiddlewares', () => {
  it('runs in router order: strip then add', () => {
    const d = draft();
    const chain: MiddlewareSpec[] = [{ kind: 'stripPrefix', prefixes: ['/api'] }, { kind: 'addPrefix', prefix: '/v2' }];
    expect(applyMiddlewares(chain, d).kind).toBe('forward');
    expect(d.path).toBe('/v2/users');
    expect(d.headers.get('x-forwarded-prefix')).toEqual(['/api']);
  });

  it('stripPrefix to nothing leaves "/", and a later redirect sees the stripped path', () => {
    const d = draft({ path: '/api' });
    const out = applyMiddlewares([{ kind: 'stripPrefix', prefixes: ['/api'] }, { kind: 'redirectScheme', scheme: 'https', permanent: false }], d);
    expect(out).toMatchObject({ kind: 'redirect', status: 302, location: 'https://web.test/?a=1' });
  });

  it('headers middleware may set the Host; response headers of outer middlewares win', () => {
    const d = draft();
    const out = applyMiddlewares(
      [
        { kind: 'headers', customRequestHeaders: { Host: 'inner.test' }, customResponseHeaders: { 'X-A': 'outer' } },
        { kind: 'headers', customRequestHeaders: {}, customResponseHeaders: { 'X-A': 'inner' } },
      ],
      d,
    );
    expect(d.host).toBe('inner.test');
    expect(d.headers.has('host')).toBe(false);
    expect(out.responseHeaders).toEqual([{ 'X-A': 'inner' }, { 'X-A': 'outer' }]);
  });

  it('the first retry middleware sets the policy', () => {
    const out = applyMiddlewares([{ kind: 'retry', attempts: 4, initialIntervalMs: 100 }, { kind: 'retry', attempts: 9, initialIntervalMs: 0 }], draft());
    expect(out).toMatchObject({ kind: 'forward', retry: { attempts: 4, initialIntervalMs: 100 } });
  });
});

describe('redirectScheme', () => {
  it('drops the request port, adds the configured one unless it is the scheme default', () => {
    expect(redirectScheme(draft({ host: 'web.test:8080' }), { scheme: 'https', permanent: true })?.location).toBe('https://web.test/api/users?a=1');
    expect(redirectScheme(draft(), { scheme: 'https', port: '443', permanent: true })?.location).toBe('https://web.test/api/users?a=1');
    expect(redirectScheme(draft(), { scheme: 'https', port: '8443', permanent: true })?.location).toBe('https://web.test:8443/api/users?a=1');
    expect(redirectScheme(draft({ host: '[::1]:80' }), { scheme: 'https', permanent: true })?.location).toBe('https://[::1]/api/users?a=1');
  });

  it('does nothing when the request already has the target scheme (X-Forwarded-Proto counts)', () => {
    expect(redirectScheme(draft({ headers: headerMap(['X-Forwarded-Proto', 'https']) }), { scheme: 'https', permanent: true })).toBeUndefined();
    expect(redirectScheme(draft({ tls: true, headers: headerMap([]) }), { scheme: 'https', permanent: true })).toBeUndefined();
  });

  it('status by method and permanence, as Traefik', () => {
    expect([redirectStatus('GET', true), redirectStatus('HEAD', true), redirectStatus('POST', true)]).toEqual([301, 308, 308]);
    expect([redirectStatus('GET', false), redirectStatus('POST', false)]).toEqual([302, 307]);
  });
});

describe('retryDelayMs', () => {
  it('grows by 1.5 per retry within +-50%, and is 0 without an initial interval', () => {
    expect(retryDelayMs(100, 1, () => 0.5)).toBe(100);
    expect(retryDelayMs(100, 3, () => 0.5)).toBe(225);
    expect(retryDelayMs(100, 1, () => 0)).toBe(50);
    expect(retryDelayMs(100, 1, () => 0.999)).toBe(150);
    expect(retryDelayMs(0, 5)).toBe(0);
  });
});
