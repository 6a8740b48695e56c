import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandIo } from './command.ts';
import { formatServices, serviceAdd, serviceConfigFromFlags, serviceDeregister, serviceLs, serviceRegister, serviceRm } from './service.ts';

const dir = mkdtempSync(join(tmpdir(), 'weft-service-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// An empty config file, and an etcd nobody listens on: these tests must stop before any connection.
writeFileSync(join(dir, 'weft.toml'), '');
const env = { WEFT_CONFIG: join(dir, 'weft.toml') };

function capture(): CommandIo & { text: () => string } {
  let text = '';
  return { out: (t) => (text += `${t}\n`), err: (t) => (text += `${t}\n`), env: {}, text: () => text };
}

describe('weft service add: the config from the flags', () => {
  it('builds the JSON value with every flag', () => {
    const built = serviceConfigFromFlags(['--rule', 'Host(`a`)', '--priority', '3', '--health-path', '/h', '--health-interval', '2s', '--health-timeout=1s', '--pass-host-header=false', '--middleware', '{"retry":{"attempts":3}}', '--middleware={"compress":{}}', '--etcd-endpoints', 'http://127.0.0.1:1']);
    expect(built).toEqual({
      text: JSON.stringify({ rule: 'Host(`a`)', priority: 3, healthCheck: { path: '/h', interval: '2s', timeout: '1s' }, middlewares: [{ retry: { attempts: 3 } }, { compress: {} }], passHostHeader: false }),
      rest: ['--etcd-endpoints', 'http://127.0.0.1:1'],
    });
  });

  it.each([
    [[], 'WEFT_E_USAGE', /--rule is required/],
    [['--rule', 'Host(`a`)', '--priority', 'high'], 'WEFT_E_USAGE', /--priority/],
    [['--rule', 'Host(`a`)', '--pass-host-header=maybe'], 'WEFT_E_USAGE', /--pass-host-header/],
    [['--rule', 'Host(`a`)', '--health-interval', '2s'], 'WEFT_E_USAGE', /need --health-path/],
    [['--rule', 'Host(`a`)', '--middleware', '{retry}'], 'WEFT_E_USAGE', /--middleware needs JSON/],
    [['--rule', ''], 'WEFT_E_SERVICE_VALUE', /rule must be/],
    [['--rule', 'Host(`a`)', '--health-path', 'h'], 'WEFT_E_SERVICE_VALUE', /healthCheck.path/],
    [['--rule', 'Host(`a`)', '--middleware', '[1]'], 'WEFT_E_SERVICE_VALUE', /middlewares\[0\]/],
  ])('%j is refused with %s', (args, code, message) => {
    const built = serviceConfigFromFlags(args);
    expect(built).toMatchObject({ code });
    expect('problem' in built && built.problem).toMatch(message);
  });
});

describe('argument errors exit 2 before touching etcd or the daemon', () => {
  const etcd = ['--etcd-endpoints', 'http://127.0.0.1:1'];
  it.each([
    ['add without a name', serviceAdd, ['--rule', 'Host(`a`)', ...etcd], /WEFT_E_USAGE: one service NAME/],
    ['add with two names', serviceAdd, ['a', 'b', '--rule', 'Host(`a`)', ...etcd], /WEFT_E_USAGE/],
    ['add with a bad name', serviceAdd, ['Web_1', '--rule', 'Host(`a`)', ...etcd], /WEFT_E_SERVICE_VALUE: service name "Web_1"/],
    ['add without --rule', serviceAdd, ['web', ...etcd], /WEFT_E_USAGE: --rule is required/],
    ['add with a bad rule', serviceAdd, ['web', '--rule', 'Host(`a`)\u0007', ...etcd], /WEFT_E_SERVICE_VALUE: rule must not contain control/],
    ['add with an unknown flag', serviceAdd, ['web', '--rule', 'Host(`a`)', '--nope', 'x', ...etcd], /--nope: unknown flag/],
    ['rm without a name', serviceRm, [...etcd], /WEFT_E_USAGE/],
    ['rm with a bad name', serviceRm, ['-bad'], /WEFT_E_USAGE/],
    ['rm with a bad name', serviceRm, ['a.b', ...etcd], /WEFT_E_SERVICE_VALUE/],
    ['ls with an argument', serviceLs, ['web', ...etcd], /WEFT_E_USAGE/],
    ['register without a URL', serviceRegister, ['web', '--socket', join(dir, 'none.sock')], /WEFT_E_USAGE: a service NAME and a server URL/],
    ['register with a bad weight', serviceRegister, ['web', 'http://10.0.0.1', '--weight', '-1', '--socket', join(dir, 'none.sock')], /WEFT_E_USAGE: --weight/],
    ['deregister without an id', serviceDeregister, ['web', '--socket', join(dir, 'none.sock')], /WEFT_E_USAGE: a service NAME and a server ID/],
  ])('%s', async (_what, command, args, message) => {
    const io = { ...capture(), env };
    const out = capture();
    expect(await command.run(args, { ...io, out: out.out, err: out.err })).toBe(2);
    expect(out.text()).toMatch(message);
  });

  it('register and deregister exit 1 with WEFT_E_ADMIN_SOCKET when no daemon listens', async () => {
    for (const [command, args] of [[serviceRegister, ['web', 'http://10.0.0.1']], [serviceDeregister, ['web', 'x']]] as const) {
      const io = capture();
      expect(await command.run([...args, '--socket', join(dir, 'none.sock')], { ...io, env })).toBe(1);
      expect(io.text()).toMatch(/^WEFT_E_ADMIN_SOCKET: cannot reach the weft daemon/);
    }
  });

  it('add exits 1 with WEFT_E_ETCD_UNAVAILABLE when etcd does not answer', { timeout: 20_000 }, async () => {
    const io = capture();
    expect(await serviceAdd.run(['web', '--rule', 'Host(`a`)', ...etcd, '--etcd-dial-timeout', '300ms'], { ...io, env })).toBe(1);
    expect(io.text()).toMatch(/^WEFT_E_ETCD_UNAVAILABLE: /);
  });
});

describe('weft service ls lines', () => {
  it('prints each service, its servers with health, and unrouted services', () => {
    const services = [
      { name: 'api', servers: [{ id: 'x', url: 'http://10.0.0.2:80', weight: 1, key: '/p/api/servers/x' }] },
      { name: 'web', config: { rule: 'Host(`w`)', priority: 2, passHostHeader: true, middlewares: [], warnings: [] }, servers: [{ id: 'a', url: 'http://10.0.0.1:80', weight: 3, key: '/p/web/servers/a' }] },
    ];
    expect(formatServices(services, (service, url) => (service === 'web' ? `up ${url}` : 'unknown'))).toEqual([
      'api  (no valid config: not routed)',
      '  x  http://10.0.0.2:80  weight 1  unknown',
      'web  Host(`w`)  priority 2',
      '  a  http://10.0.0.1:80  weight 3  up http://10.0.0.1:80',
    ]);
  });
});
