// confd 0.16's command line, confd.toml and CONFD_* variables (config.go), for the etcdv3 backend.
import { describe, expect, it } from 'vitest';
import { backendProblem, nodesFromSrv, srvRecordName } from './backend.ts';
import { parseConfdArgs, resolveConfdSettings, withSrvNodes } from './settings.ts';

const resolve = (args: string[], file?: string, env: Record<string, string> = {}) => resolveConfdSettings(parseConfdArgs(args), file, env);

describe('weft confd flags as confd 0.16 defines them', () => {
  it('takes every etcdv3 flag', () => {
    const { settings } = resolve([
      '-backend', 'etcdv3', '-node', '10.0.0.1:2379', '-prefix', '/p', '-confdir', '/c', '-interval', '5', '-watch', '-noop', '-sync-only',
      '-log-level', 'debug', '-keep-stage-file', '-basic-auth', '-username', 'u', '-password', 'pw', '-scheme', 'https',
      '-client-cert', '/c.pem', '-client-key', '/k.pem', '-client-ca-keys', '/ca.pem', '-secret-keyring', '/s.asc', '-prefix-join',
    ]);
    expect(settings).toMatchObject({
      nodes: ['https://10.0.0.1:2379'], prefix: '/p', confdir: '/c', interval: 5, watch: true, noop: true, syncOnly: true, logLevel: 'debug',
      keepStageFile: true, basicAuth: true, username: 'u', password: 'pw', scheme: 'https', clientCert: '/c.pem', clientKey: '/k.pem',
      clientCaKeys: '/ca.pem', secretKeyring: '/s.asc', prefixJoin: true,
    });
  });

  it.each([
    ['table', 'dynamodb'],
    ['file', 'file'],
    ['filter', 'file'],
    ['separator', 'redis'],
    ['auth-type', 'vault'],
    ['app-id', 'vault'],
    ['role-id', 'vault'],
    ['path', 'vault'],
  ])('refuses -%s, naming confd\'s %s backend', (flag, backend) => {
    expect(() => resolve([`-${flag}`, 'x'])).toThrow(`-${flag} is used only by confd's ${backend} backend; weft confd speaks etcdv3 only`);
  });

  it('takes -auth-token as confd does with etcdv3 (kept, never used: only its vault backend reads it)', () => {
    expect(resolve(['-auth-token', 's3cret']).settings.authToken).toBe('s3cret');
  });

  it('says what -backend etcd is and how to move the data to v3', () => {
    const message = backendProblem('etcd') ?? '';
    expect(message).toContain("etcd's v2 API");
    expect(message).toContain('keys written with the v2 API');
    expect(message).toContain('are not visible through v3');
    expect(message).toContain("'etcdctl migrate' (etcd before 3.5)");
    expect(message).toContain('-backend etcdv3');
    expect(resolve([]).settings.backend).toBe('etcdv3');
    expect(backendProblem('vault')).toContain("backend 'vault' is not supported by weft confd; only etcdv3 is");
    expect(backendProblem('etcdv3')).toBeUndefined();
  });

  it('dials nodes without a scheme over TLS exactly when confd builds a TLS config (CA, or certificate and key)', () => {
    expect(resolve([]).settings.nodes).toEqual(['http://127.0.0.1:2379']);
    expect(resolve(['-node', 'e:2379', '-client-cert', '/c', '-client-key', '/k']).settings.nodes).toEqual(['https://e:2379']);
    expect(resolve(['-node', 'e:2379', '-client-cert', '/c']).settings.nodes).toEqual(['http://e:2379']);
    expect(resolve(['-node', 'http://e:2379', '-client-ca-keys', '/ca']).settings.nodes).toEqual(['http://e:2379']);
  });
});

describe('etcd nodes from DNS SRV records', () => {
  it('builds _<backend>._tcp.<domain>. from -srv-domain, and -srv-record wins', () => {
    expect(srvRecordName('etcdv3', 'example.com', '')).toBe('_etcdv3._tcp.example.com.');
    expect(srvRecordName('etcdv3', 'example.com', '_etcd-client._tcp.example.com')).toBe('_etcd-client._tcp.example.com');
    const { settings } = resolve(['-srv-domain', 'example.com', '-node', 'ignored:2379']);
    expect(settings).toMatchObject({ srvRecord: '_etcdv3._tcp.example.com.', nodes: [] });
  });

  it('turns the records into host:port nodes (no -scheme, as confd\'s etcdv3), TLS by the client settings', () => {
    const records = [
      { Target: 'b.example.com.', Port: 2379, Priority: 10, Weight: 1 },
      { Target: 'a.example.com.', Port: 2379, Priority: 0, Weight: 5 },
      { Target: 'fd00::1', Port: 2379, Priority: 10, Weight: 9 },
    ];
    expect(nodesFromSrv(records)).toEqual(['a.example.com:2379', '[fd00::1]:2379', 'b.example.com:2379']);
    expect(withSrvNodes(resolve(['-srv-record', 'x', '-scheme', 'https']).settings, records).nodes).toEqual(['http://a.example.com:2379', 'http://[fd00::1]:2379', 'http://b.example.com:2379']);
    expect(withSrvNodes(resolve(['-srv-record', 'x', '-client-ca-keys', '/ca']).settings, records.slice(1, 2)).nodes).toEqual(['https://a.example.com:2379']);
  });
});

describe('confd.toml and the environment', () => {
  it('matches confd.toml keys as BurntSushi/toml does: tags and field names, case-insensitively', () => {
    const file = 'BACKEND = "etcdv3"\nNodes = ["10.0.0.9:2379"]\nOneTime = true\nkeepstagefile = true\nSync-Only = true\nClient_CAKeys = "/ca"\nsrv_domain = ""\nsecret_keyring = "/s.asc"\nLog-Level = "warn"\nauth_token = "vault-only"\ntable = "dynamo-only"\n';
    const { settings, ignoredKeys } = resolve([], file);
    expect(settings).toMatchObject({ onetime: true, keepStageFile: true, syncOnly: true, clientCaKeys: '/ca', secretKeyring: '/s.asc', logLevel: 'warn', nodes: ['https://10.0.0.9:2379'], authToken: 'vault-only' });
    expect(ignoredKeys).toEqual(['table']);
  });

  it('reads CONFD_CLIENT_CAKEYS, CONFD_CLIENT_CERT and CONFD_CLIENT_KEY only where neither a flag nor confd.toml set a value', () => {
    const env = { CONFD_CLIENT_CAKEYS: '/env/ca', CONFD_CLIENT_CERT: '/env/cert', CONFD_CLIENT_KEY: '/env/key', ETCDCTL_PEERS: 'http://v2:4001' };
    expect(resolve([], undefined, env).settings).toMatchObject({ clientCaKeys: '/env/ca', clientCert: '/env/cert', clientKey: '/env/key', nodes: ['https://127.0.0.1:2379'] });
    expect(resolve(['-client-cert', '/flag/cert'], 'client_key = "/file/key"', env).settings).toMatchObject({ clientCaKeys: '/env/ca', clientCert: '/flag/cert', clientKey: '/file/key' });
  });
});
