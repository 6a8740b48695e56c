import { describe, expect, it } from 'vitest';
import { checkRequest, clientAddress } from './request-check.ts';

const req = (url: string, rawHeaders: string[], method = 'GET') => {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) headers[(rawHeaders[i] ?? '').toLowerCase()] ??= rawHeaders[i + 1] ?? '';
  return { url, rawHeaders, method, headers };
};

describe('checkRequest', () => {
  it('splits an origin-form target and lower-cases the host', () => {
    expect(checkRequest(req('/a/b?x=1', ['Host', 'Web.Test:8080']))).toEqual({ ok: true, hostHeader: 'Web.Test:8080', host: 'web.test', path: '/a/b', rawQuery: 'x=1' });
  });

  it('takes the host of an absolute-form target over the Host header', () => {
    expect(checkRequest(req('http://a.test:81/p?q', ['Host', 'b.test']))).toMatchObject({ ok: true, hostHeader: 'a.test:81', path: '/p', rawQuery: 'q' });
    expect(checkRequest(req('http://a.test', ['Host', 'b.test']))).toMatchObject({ ok: true, path: '/' });
  });

  it('refuses what Go refuses', () => {
    expect(checkRequest(req('/', ['Host', 'a', 'host', 'b']))).toMatchObject({ ok: false, status: 400 });
    expect(checkRequest(req('/', ['Host', 'a b']))).toMatchObject({ ok: false, status: 400 });
    expect(checkRequest(req('/', ['Host', 'a', 'Transfer-Encoding', 'gzip, chunked']))).toMatchObject({ ok: false, status: 501 });
    expect(checkRequest(req('x', ['Host', 'a']))).toMatchObject({ ok: false, status: 400 });
    expect(checkRequest(req('http://u@a.test/', ['Host', 'a']))).toMatchObject({ ok: false, status: 400 });
    expect(checkRequest(req('*', ['Host', 'a'], 'OPTIONS'))).toMatchObject({ ok: true });
    // A broken %-escape in the path (not in the query), as Go's url.ParseRequestURI.
    for (const url of ['/%zz', '/a%', '/a%4', 'http://a.test/%g0']) expect(checkRequest(req(url, ['Host', 'a']))).toMatchObject({ ok: false, status: 400 });
    expect(checkRequest(req('/a%2Fb%c3%A9?q=%zz', ['Host', 'a']))).toMatchObject({ ok: true, path: '/a%2Fb%c3%A9', rawQuery: 'q=%zz' });
  });

  it('clientAddress unmaps IPv4 and drops zones', () => {
    expect([clientAddress('::ffff:10.0.0.1'), clientAddress('fe80::1%eth0'), clientAddress(undefined)]).toEqual(['10.0.0.1', 'fe80::1', '']);
  });
});
