import { describe, expect, it } from 'vitest';
import { defaultServerId, parseServer, parseServiceConfig, parseServiceKey } from './keyspace.ts';

const prefix = '/weft/services';

describe('service keys', () => {
  it.each([
    ['/weft/services/web/config', { ok: true, value: { service: 'web', kind: 'config' } }],
    ['/weft/services/web/servers/h1-10.5.1.2-80', { ok: true, value: { service: 'web', kind: 'server', id: 'h1-10.5.1.2-80' } }],
    ['/weft/services/a-b-9/servers/X_y', { ok: true, value: { service: 'a-b-9', kind: 'server', id: 'X_y' } }],
  ])('%s names a config or server', (key, expected) => {
    expect(parseServiceKey(key, prefix)).toEqual(expected);
  });

  it.each([
    ['/other/web/config', /not under/],
    ['/weft/services/Web/config', /not a DNS label/],
    ['/weft/services/-web/config', /not a DNS label/],
    [`/weft/services/${'a'.repeat(64)}/config`, /not a DNS label/],
    ['/weft/services/web_1/config', /not a DNS label/],
    ['/weft/services/web/config/extra', /expected/],
    ['/weft/services/web/servers', /expected/],
    ['/weft/services/web/servers/a/b', /expected/],
    ['/weft/services/web/servers/.hidden', /server id/],
    ['/weft/services/web/servers/', /server id/],
    ['/weft/services/web/status', /expected/],
  ])('%s is a problem', (key, reason) => {
    const parsed = parseServiceKey(key, prefix);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});

describe('service config values', () => {
  it('takes every field and fills the defaults', () => {
    const text = JSON.stringify({ rule: 'Host(`web.example.test`)', priority: 5, healthCheck: { path: '/healthz', interval: '2s', timeout: '1s', scheme: 'https', hostname: 'web', port: 8443 }, middlewares: [{ retry: { attempts: 3 } }], passHostHeader: false });
    expect(parseServiceConfig(text)).toEqual({
      ok: true,
      value: {
        rule: 'Host(`web.example.test`)', priority: 5, passHostHeader: false, warnings: [],
        healthCheck: { path: '/healthz', interval: '2s', timeout: '1s', scheme: 'https', hostname: 'web', port: 8443 },
        middlewares: [{ type: 'retry', options: { attempts: 3 } }],
      },
    });
    expect(parseServiceConfig('{"rule":"PathPrefix(`/`)"}')).toEqual({ ok: true, value: { rule: 'PathPrefix(`/`)', priority: 0, passHostHeader: true, middlewares: [], warnings: [] } });
  });

  it('reports unknown keys as warnings, not errors', () => {
    const parsed = parseServiceConfig('{"rule":"Host(`a`)","tls":true,"healthCheck":{"path":"/","method":"HEAD"}}');
    expect(parsed.ok && parsed.value.warnings).toEqual(['tls is not a known key; ignored', 'healthCheck.method is not a known key; ignored']);
  });

  it.each([
    ['not json', /not JSON/],
    ['[1]', /JSON object/],
    ['{}', /rule must be/],
    ['{"rule":"  "}', /rule must be/],
    ['{"rule":"Host(`a`)\\nX"}', /control/],
    [JSON.stringify({ rule: `Host(\`${'a'.repeat(4100)}\`)` }), /4096 bytes/],
    ['{"rule":"Host(`a`)","priority":-1}', /priority/],
    ['{"rule":"Host(`a`)","priority":1.5}', /priority/],
    ['{"rule":"Host(`a`)","priority":"1"}', /priority/],
    ['{"rule":"Host(`a`)","passHostHeader":"yes"}', /passHostHeader/],
    ['{"rule":"Host(`a`)","healthCheck":[]}', /healthCheck must be an object/],
    ['{"rule":"Host(`a`)","healthCheck":{"path":"healthz"}}', /healthCheck.path/],
    ['{"rule":"Host(`a`)","healthCheck":{"path":"/","interval":"2 s"}}', /healthCheck.interval/],
    ['{"rule":"Host(`a`)","healthCheck":{"path":"/","timeout":"0s"}}', /healthCheck.timeout/],
    ['{"rule":"Host(`a`)","healthCheck":{"path":"/","scheme":"ftp"}}', /healthCheck.scheme/],
    ['{"rule":"Host(`a`)","healthCheck":{"path":"/","port":70000}}', /healthCheck.port/],
    ['{"rule":"Host(`a`)","middlewares":{}}', /must be an array/],
    ['{"rule":"Host(`a`)","middlewares":[{"a":{},"b":{}}]}', /one key/],
    ['{"rule":"Host(`a`)","middlewares":[{"strip-prefix":{}}]}', /letters only/],
    ['{"rule":"Host(`a`)","middlewares":[{"retry":3}]}', /object of options/],
    [JSON.stringify({ rule: 'Host(`a`)', middlewares: Array.from({ length: 17 }, () => ({ retry: {} })) }), /at most 16/],
  ])('%s is refused', (text, reason) => {
    const parsed = parseServiceConfig(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});

describe('server values', () => {
  it.each([
    ['{"url":"http://10.5.1.11:8080","weight":3}', { url: 'http://10.5.1.11:8080', weight: 3 }],
    ['{"url":"http://10.5.1.11"}', { url: 'http://10.5.1.11:80', weight: 1 }],
    ['{"url":"https://10.5.1.11/"}', { url: 'https://10.5.1.11:443', weight: 1 }],
    ['{"url":"http://[FD00::0:1]:81","weight":0}', { url: 'http://[fd00::1]:81', weight: 0 }],
    ['{"url":"http://10.0.0.1:1","weight":1000000,"extra":1}', { url: 'http://10.0.0.1:1', weight: 1000000 }],
  ])('%s is a server', (text, value) => {
    expect(parseServer(text)).toEqual({ ok: true, value });
  });

  it.each([
    ['{"url":"http://web:80"}', /IPv4 address/],
    ['{"url":"http://fd00::1:80"}', /http\(s\)/],
    ['{"url":"ftp://10.0.0.1"}', /http\(s\)/],
    ['{"url":"http://10.0.0.1:80/api"}', /http\(s\)/],
    ['{"url":"http://u:p@10.0.0.1:80"}', /http\(s\)/],
    ['{"url":"http://10.0.0.1:80?x"}', /http\(s\)/],
    ['{"url":"http://10.0.0.1:80#x"}', /http\(s\)/],
    ['{"url":"http://10.0.0.1:0"}', /port/],
    ['{"url":"http://10.0.0.1:70000"}', /port/],
    ['{"url":"http://010.0.0.1"}', /IPv4/],
    ['{"url":"http://[fe80::1%eth0]:80"}', /IPv6/],
    ['{"url":"http://10.0.0.1","weight":-1}', /weight/],
    ['{"url":"http://10.0.0.1","weight":1000001}', /weight/],
    ['{"url":"http://10.0.0.1","weight":"1"}', /weight/],
    ['{"url":7}', /url must be a string/],
    ['"http://10.0.0.1"', /JSON object/],
  ])('%s is refused', (text, reason) => {
    const parsed = parseServer(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});

describe('default server ids', () => {
  it.each([
    ['node-1', 'http://10.5.1.11:8080', 'node-1-10.5.1.11-8080'],
    ['Node_1.Example.COM', 'http://10.5.1.11', 'node-1-example-com-10.5.1.11-80'],
    ['h', 'https://[fd00::1]', 'h-fd00--1-443'],
    ['_x', 'http://10.0.0.1:81', 'x-10.0.0.1-81'],
  ])('host %s, url %s -> %s', (host, url, id) => {
    expect(defaultServerId(host, url)).toBe(id);
    expect(parseServiceKey(`${prefix}/web/servers/${id}`, prefix).ok).toBe(true);
  });
});
