import { describe, expect, it } from 'vitest';
import { defaults, type Config } from '../config/index.ts';
import { parseListenAddress, validateProxy } from './validate.ts';

const check = (proxy: Partial<Config['proxy']>): string[] => validateProxy({ proxy: { ...defaults().proxy, ...proxy } }).map((p) => `${p.path}: ${p.message}`);

describe('[proxy] validation', () => {
  it('accepts the defaults, enabled or not', () => {
    expect(check({})).toEqual([]);
    expect(check({ enabled: true })).toEqual([]);
  });

  it.each([
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['[::1]:8443', { host: '::1', port: 8443 }],
    [':80', { host: '', port: 80 }],
    ['0.0.0.0:0', { host: '0.0.0.0', port: 0 }],
    ['localhost:80', undefined],
    ['127.0.0.1', undefined],
    [':70000', undefined],
    ['[::1]', undefined],
  ] as const)('listen address %s', (text, expected) => {
    expect(parseListenAddress(text)).toEqual(expected);
  });

  it('reports every bad value with its key path', () => {
    expect(check({ listen: ['localhost:80', '127.0.0.1:80'], tls_listen: ['127.0.0.1:80'], trusted_ips: ['10.0.0.0/8', '192.168.1.7', 'ten'], route_file: 'routes.toml', headers_timeout: 70_000 })).toEqual([
      'proxy.listen: "localhost:80" is not an ADDRESS:PORT listen address with an IP address (e.g. 127.0.0.1:8080, [::1]:8080 or :8080)',
      'proxy.tls_listen: 127.0.0.1:80 is listed twice (in listen or tls_listen); each address serves one protocol',
      'proxy.trusted_ips: "192.168.1.7" is not a network in CIDR notation (one address: 192.168.1.7/32), e.g. 10.0.0.0/8',
      'proxy.trusted_ips: "ten" is not a network in CIDR notation, e.g. 10.0.0.0/8',
      'proxy.route_file: "routes.toml" must be an absolute path (the file is watched for changes by its directory)',
      'proxy.headers_timeout: 70000 ms is longer than proxy.read_timeout (60000 ms), which covers the headers too',
    ]);
  });

  it('workers from 0 to 64; an enabled proxy needs somewhere to listen', () => {
    expect(check({ workers: 2 })).toEqual([]);
    expect(check({ workers: 64 })).toEqual([]);
    expect(check({ workers: 65 })).toEqual(['proxy.workers: must be a whole number of extra threads from 0 to 64 (got 65)']);
    expect(check({ workers: 1.5 })).toEqual(['proxy.workers: must be a whole number of extra threads from 0 to 64 (got 1.5)']);
    expect(check({ enabled: true, listen: [] })).toEqual([expect.stringContaining('proxy.listen: the proxy is enabled but listens nowhere')]);
  });
});
