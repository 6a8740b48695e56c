import { describe, expect, it } from 'vitest';
import { isWeftError } from '../errors.ts';
import { loadConfig, loadConfigOrThrow } from './load.ts';
import { defaults } from './schema.ts';

describe('config defaults', () => {
  it.each([
    ['etcd.endpoints', ['http://127.0.0.1:2379']],
    ['etcd.dial_timeout', 5000],
    ['subnet.etcd_prefix', '/coreos.com/network'],
    ['subnet.subnet_file', '/run/flannel/subnet.env'],
    ['subnet.lease_ttl', 24 * 3600 * 1000],
    ['overlay.ip_masq_cleanup', false],
    ['overlay.iptables_forward_rules', true],
    ['admin.socket', '/run/weft/weft.sock'],
    ['admin.socket_mode', 0o600],
    ['dns.edns_buffer', 1232],
    ['log.level', 'info'],
  ])('%s defaults to %j', (path, expected) => {
    const [section, key] = path.split('.') as [string, string];
    expect((defaults() as unknown as Record<string, Record<string, unknown>>)[section]?.[key]).toEqual(expected);
  });
});

describe('config precedence: file < env < flags', () => {
  const text = '[etcd]\nendpoints = ["http://10.0.0.1:2379"]\ndial_timeout = "2s"\n[log]\nlevel = "warn"\n';

  it('takes values from the file', () => {
    const { config, problems } = loadConfig({ text });
    expect(problems).toEqual([]);
    expect(config.etcd.endpoints).toEqual(['http://10.0.0.1:2379']);
    expect(config.etcd.dial_timeout).toBe(2000);
  });

  it('lets the environment override the file', () => {
    const { config } = loadConfig({ text, env: { WEFT_ETCD_DIAL_TIMEOUT: '3s', WEFT_LOG_LEVEL: 'debug' } });
    expect(config.etcd.dial_timeout).toBe(3000);
    expect(config.log.level).toBe('debug');
  });

  it('lets flags override the environment, with flannel-style names and repeatable lists', () => {
    const { config, problems } = loadConfig({
      text,
      env: { WEFT_ETCD_DIAL_TIMEOUT: '3s' },
      flags: ['--etcd-dial-timeout=4s', '--etcd-endpoints', 'http://a:2379,http://b:2379', '--etcd-endpoints=http://c:2379', '--etcd-prefix', '/x/network', '--ip-masq', '--subnet-lease-ttl', '1h'],
    });
    expect(problems).toEqual([]);
    expect(config.etcd.dial_timeout).toBe(4000);
    expect(config.etcd.endpoints).toEqual(['http://a:2379', 'http://b:2379', 'http://c:2379']);
    expect(config.subnet.etcd_prefix).toBe('/x/network');
    expect(config.subnet.ip_masq).toBe(true);
    expect(config.subnet.lease_ttl).toBe(3_600_000);
  });

  it('accepts --no-SWITCH for booleans', () => {
    const { config } = loadConfig({ env: { WEFT_SUBNET_IP_MASQ: 'true' }, flags: ['--no-ip-masq'] });
    expect(config.subnet.ip_masq).toBe(false);
  });

  it("takes flanneld's --iptables-forward-rules=false (default true)", () => {
    expect(loadConfig({}).config.overlay.iptables_forward_rules).toBe(true);
    expect(loadConfig({ flags: ['--iptables-forward-rules=false'] }).config.overlay.iptables_forward_rules).toBe(false);
  });
});

describe('config problems', () => {
  it('reports every mistake of a file with its key path and line', () => {
    const text = [
      '[etcd]',
      'endpoints = ["ftp://x"]', // line 2: bad scheme
      'dial_timeout = "soon"', // line 3: not a duration
      '[dns]',
      'edns_buffer = 100', // line 5: below minimum
      'colour = "blue"', // line 6: unknown key
      '[nonsense]', // line 7: unknown section
    ].join('\n');
    const { problems } = loadConfig({ text });
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['etcd.endpoints', 2],
      ['etcd.dial_timeout', 3],
      ['dns.edns_buffer', 5],
      ['dns.colour', 6],
      ['nonsense', 7],
    ]);
    expect(problems[0]?.message).toContain('http://');
    expect(problems[2]?.message).toContain('out of range');
  });

  it('reports a TOML syntax error with its line', () => {
    const { problems } = loadConfig({ text: '[etcd]\nendpoints = [\n' });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it('reports bad environment values and unknown flags', () => {
    const { problems } = loadConfig({ env: { WEFT_ADMIN_SOCKET_MODE: '999' }, flags: ['--bogus', '--etcd-dial-timeout'] });
    expect(problems.map((p) => p.path)).toEqual(['WEFT_ADMIN_SOCKET_MODE', '--bogus', '--etcd-dial-timeout']);
  });

  it('throws one WEFT_E_CONFIG error listing all problems', () => {
    try {
      loadConfigOrThrow({ text: '[log]\nlevel = "loud"\n[etcd]\ndial_timeout = 5\n', file: 'weft.toml' });
      expect.unreachable();
    } catch (error) {
      expect(isWeftError(error, 'WEFT_E_CONFIG')).toBe(true);
      expect((error as Error).message).toContain('2 problems');
      expect((error as Error).message).toContain('weft.toml:2: log.level');
      expect((error as Error).message).toContain('weft.toml:4: etcd.dial_timeout');
    }
  });
});

describe('the example config in docs/', () => {
  it('parses through the real schema without a problem, and states the defaults', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(new URL('../../docs/weft.example.toml', import.meta.url), 'utf8');
    const { config, problems } = loadConfig({ text });
    expect(problems).toEqual([]);
    expect(config).toEqual(defaults());
  });
});
