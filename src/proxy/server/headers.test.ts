import { describe, expect, it } from 'vitest';
import { applyCustomHeaders, headerMap, isManagedXHeader, requestIdFrom, setForwardedHeaders, splitHostPort, stripHopByHop, validHostHeader } from './headers.ts';

const facts = { clientIP: '10.0.0.9', trusted: false, tls: false, websocket: false, host: 'web.test', serverName: 'proxy-1' };

describe('setForwardedHeaders', () => {
  it('replaces what an untrusted client sent, underscore spellings included', () => {
    const map = headerMap(['X-Forwarded-For', '6.6.6.6', 'X-Real-Ip', '6.6.6.6', 'X_Forwarded_Proto', 'https', 'X-Forwarded-Prefix', '/evil']);
    setForwardedHeaders(map, facts);
    expect(Object.fromEntries(map)).toEqual({
      'x-real-ip': ['10.0.0.9'], 'x-forwarded-proto': ['http'], 'x-forwarded-port': ['80'], 'x-forwarded-host': ['web.test'],
      'x-forwarded-for': ['10.0.0.9'], 'x-forwarded-server': ['proxy-1'],
    });
  });

  it('keeps a trusted peer\'s values and appends to X-Forwarded-For (repeated headers joined)', () => {
    const map = headerMap(['X-Forwarded-For', '1.1.1.1', 'X-Forwarded-For', '2.2.2.2', 'X-Forwarded-Proto', 'https']);
    setForwardedHeaders(map, { ...facts, trusted: true });
    expect(map.get('x-forwarded-for')).toEqual(['1.1.1.1, 2.2.2.2, 10.0.0.9']);
    expect(map.get('x-forwarded-proto')).toEqual(['https']);
    expect(map.get('x-forwarded-port')).toEqual(['443']);
  });

  it('names WebSocket schemes ws/wss and takes the port from the Host', () => {
    const map = headerMap([]);
    setForwardedHeaders(map, { ...facts, websocket: true, tls: true, host: 'web.test:8443' });
    expect([map.get('x-forwarded-proto'), map.get('x-forwarded-port')]).toEqual([['wss'], ['8443']]);
  });
});

describe('stripHopByHop', () => {
  it('drops hop-by-hop headers and those Connection names, but not managed X headers on requests', () => {
    const map = headerMap(['Connection', 'keep-alive, X-Secret, X-Forwarded-For', 'X-Secret', '1', 'Keep-Alive', 't', 'Proxy-Authorization', 'p', 'Proxy-Foo', 'f', 'TE', 'trailers', 'Trailer', 'x', 'Transfer-Encoding', 'chunked', 'Upgrade', 'h2c', 'X-Forwarded-For', '1.1.1.1', 'Accept', '*/*']);
    stripHopByHop(map, 'request');
    expect([...map.keys()]).toEqual(['x-forwarded-for', 'accept']);
    const response = headerMap(['Connection', 'x-forwarded-for', 'X-Forwarded-For', '1']);
    stripHopByHop(response, 'response');
    expect(response.size).toBe(0);
  });
});

describe('small helpers', () => {
  it('isManagedXHeader', () => {
    expect(['x-real-ip', 'x_forwarded_for', 'x-forwarded-prefix'].map(isManagedXHeader)).toEqual([true, true, true]);
    expect(isManagedXHeader('x-forwarded-foo')).toBe(false);
  });

  it('splitHostPort', () => {
    expect(splitHostPort('Web.Test:8080')).toEqual({ host: 'web.test', port: '8080' });
    expect(splitHostPort('[::1]:80')).toEqual({ host: '::1', port: '80' });
    expect(splitHostPort('[::1]')).toEqual({ host: '::1', port: '' });
    expect(splitHostPort('web.test')).toEqual({ host: 'web.test', port: '' });
  });

  it('validHostHeader follows Go\'s httpguts', () => {
    expect(['web.test', 'web.test:80', '[::1]:8080', '10.0.0.1', ''].every(validHostHeader)).toBe(true);
    expect(['a b', 'a/b', 'a\tb', 'a"b', 'a@b', 'ä.test'].some(validHostHeader)).toBe(false);
  });

  it('requestIdFrom keeps a sane id and replaces anything else', () => {
    expect(requestIdFrom(headerMap(['X-Request-Id', 'abc-1']))).toBe('abc-1');
    expect(requestIdFrom(headerMap(['X-Request-Id', 'a b']))).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdFrom(headerMap(['X-Request-Id', 'x'.repeat(201)]))).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdFrom(headerMap([]))).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('applyCustomHeaders: empty removes, anything else replaces every value', () => {
    const map = headerMap(['A', '1', 'A', '2', 'B', 'x']);
    applyCustomHeaders(map, { a: 'new', B: '' });
    expect(Object.fromEntries(map)).toEqual({ a: ['new'] });
  });
});
