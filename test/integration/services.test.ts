// Services story against a real etcd: an operator adds a service (`weft service add`, a child
// process), a host registers servers through its real admin API on a unix socket (under its etcd
// lease), the watching area lists a malformed server and a malformed config as invalid while the
// good servers stay, `weft service ls` shows it all, and revoking the host lease takes its servers.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest, AdminServer } from '../../src/admin/index.ts';
import type { CommandIo } from '../../src/cli/command.ts';
import { serviceDeregister, serviceRegister } from '../../src/cli/service.ts';
import { defaults, type Config } from '../../src/config/index.ts';
import { etcdHandle, HostLease } from '../../src/etcd/index.ts';
import { parse } from '../../src/gotemplate/index.ts';
import { silentLogger } from '../../src/log.ts';
import { loadRouteFile } from '../../src/proxy/index.ts';
import { createServicesArea, serviceTemplateFuncs, type ServicesArea } from '../../src/services/index.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { testClient } from '../harness/etcd-client.ts';
import { runWeft } from '../harness/weft-process.ts';

const prefix = '/it/services';
let etcd: EtcdCluster;
let client: Etcd3;
let leaseClient: Etcd3;
let hostLease: HostLease;
let area: ServicesArea;
let admin: AdminServer;
let dir: string;
let socket: string;
let env: Record<string, string>;
/** What the local proxy reports in /v1/status (the test plays the proxy's part of the status). */
let proxyServices: unknown[] = [];

function capture(): CommandIo & { text: () => string } {
  let text = '';
  return { out: (t) => (text += `${t}\n`), err: (t) => (text += `${t}\n`), env: {}, text: () => text };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const begun = Date.now();
  while (!(await check())) {
    if (Date.now() - begun > timeoutMs) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const etcdFlags = (): string[] => ['--etcd-endpoints', etcd.endpoint, '--services-prefix', prefix];

beforeAll(async () => {
  etcd = await startEtcd();
  client = testClient(etcd.endpoints);
  leaseClient = testClient(etcd.endpoints);
  hostLease = new HostLease(leaseClient, { ttl: 10_000 });
  await hostLease.start();
  dir = mkdtempSync(join(tmpdir(), 'weft-services-'));
  socket = join(dir, 'weft.sock');
  writeFileSync(join(dir, 'weft.toml'), '');
  env = { WEFT_CONFIG: join(dir, 'weft.toml') };
  const base = defaults();
  const config: Pick<Config, 'services' | 'proxy'> = { services: { ...base.services, prefix, register_allow: ['192.168.77.0/24'] }, proxy: base.proxy };
  area = createServicesArea({ config, etcd: etcdHandle(leaseClient, hostLease), logger: silentLogger, clusterNetworks: () => ['10.5.0.0/16', 'fd00::/64'], watch: true });
  await area.start();
  await until('services area ready', () => area.ready());
  admin = new AdminServer(
    { socket, socketMode: 0o600, listen: '' },
    { readiness: () => ({ ready: area.ready(), areas: {} }), status: () => ({ areas: { services: { status: area.status() }, proxy: { status: { services: proxyServices } } } }), registries: () => [area.metrics], routes: () => area.routes },
  );
  await admin.start();
});

afterAll(async () => {
  await admin?.stop();
  await area?.stop();
  await hostLease?.stop({ revoke: true });
  leaseClient?.close();
  client?.close();
  await etcd?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('services through etcd and the admin API', () => {
  it('weft service add writes the config; a second add replaces it', async () => {
    const added = await runWeft(['service', 'add', 'web', '--rule', 'Host(`web.example.test`)', '--health-path', '/healthz', '--health-interval', '2s', '--middleware', '{"retry":{"attempts":3}}', ...etcdFlags()], env);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^added \/it\/services\/web\/config: /);
    const updated = await runWeft(['service', 'add', 'web', '--rule', 'Host(`web.example.test`)', '--priority', '5', '--health-path', '/healthz', '--health-interval', '2s', '--middleware', '{"retry":{"attempts":3}}', ...etcdFlags()], env);
    expect(updated.code).toBe(0);
    expect(updated.stdout).toMatch(/^updated /);
    const stored = await client.get(`${prefix}/web/config`);
    expect(JSON.parse(stored ?? 'null')).toEqual({ rule: 'Host(`web.example.test`)', priority: 5, healthCheck: { path: '/healthz', interval: '2s' }, middlewares: [{ retry: { attempts: 3 } }] });
    const kv = await client.get(`${prefix}/web/config`).exec();
    expect(kv.kvs[0]?.lease).toBe('0');
    const bad = await runWeft(['service', 'add', 'web', '--rule', 'Host(`x`)', '--middleware', '{"a":{},"b":{}}', ...etcdFlags()], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/WEFT_E_SERVICE_VALUE: middlewares\[0\]/);
  });

  it('registers servers under the host lease through the admin socket, and refuses an outside address', async () => {
    const one = capture();
    expect(await serviceRegister.run(['web', 'http://10.5.1.11:8080', '--weight', '2', '--socket', socket], one)).toBe(0);
    const id = one.text().match(/servers\/(\S+) /)?.[1] ?? '';
    expect(id).toMatch(/-10\.5\.1\.11-8080$/);
    expect(await serviceRegister.run(['web', 'http://[fd00::12]', '--id', 'b', '--socket', socket], capture())).toBe(0);
    expect(await serviceRegister.run(['web', 'http://192.168.77.3:80', '--id', 'c', '--socket', socket], capture())).toBe(0);
    const kvs = (await client.getAll().prefix(`${prefix}/web/servers/`).exec()).kvs;
    expect(kvs.map((kv) => [kv.key.toString(), kv.value.toString(), kv.lease])).toEqual([
      [`${prefix}/web/servers/${id}`, '{"url":"http://10.5.1.11:8080","weight":2}', hostLease.id()],
      [`${prefix}/web/servers/b`, '{"url":"http://[fd00::12]:80","weight":1}', hostLease.id()],
      [`${prefix}/web/servers/c`, '{"url":"http://192.168.77.3:80","weight":1}', hostLease.id()],
    ].sort((a, b) => ((a[0] ?? '') < (b[0] ?? '') ? -1 : 1)));

    const refused = capture();
    expect(await serviceRegister.run(['web', 'http://8.8.8.8:80', '--socket', socket], refused)).toBe(1);
    expect(refused.text()).toMatch(/^WEFT_E_SERVICE_REGISTER_DENIED: .*outside 192\.168\.77\.0\/24, 10\.5\.0\.0\/16, fd00::\/64.*services\.register_allow/);
    const raw = await adminRequest(socket, 'POST', '/v1/services/web/servers', { url: 'http://8.8.8.8:80' });
    expect(raw.status).toBe(403);
    const invalid = await adminRequest(socket, 'POST', '/v1/services/web/servers', { url: 'http://web.example:80' });
    expect(invalid.status).toBe(400);
    expect((await client.getAll().prefix(`${prefix}/web/servers/`).keys()).length).toBe(3);
    const metrics = await adminRequest(socket, 'GET', '/metrics');
    expect(metrics.text).toMatch(/weft_services_registrations_total\{result="refused"\} 2/);
  });

  it('the watch lists a malformed server and a malformed config as invalid; the other servers stay', async () => {
    await client.put(`${prefix}/web/servers/broken`).value('{"url":"http://web:80"}');
    await client.put(`${prefix}/api/config`).value('{"rule":');
    await client.put(`${prefix}/api/servers/one`).value('{"url":"http://10.5.2.1:9000"}');
    await client.put(`${prefix}/Bad_Name/config`).value('{"rule":"Host(`x`)"}');
    await until('model updated', () => area.model.invalid.length === 3 && area.model.services.length === 2);
    const [api, web] = area.model.services;
    expect(api).toMatchObject({ name: 'api', servers: [{ id: 'one', url: 'http://10.5.2.1:9000', weight: 1 }] });
    expect(api?.config).toBeUndefined();
    expect(web?.config?.priority).toBe(5);
    expect(web?.servers.map((s) => s.id)).toHaveLength(3);
    expect(area.model.invalid.map((i) => i.key)).toEqual([`${prefix}/Bad_Name/config`, `${prefix}/api/config`, `${prefix}/web/servers/broken`]);
    expect(area.status()).toMatchObject({ prefix, watching: true, services: 2, servers: 4, invalidCount: 3, registrations: 3 });

    const listed = await adminRequest(socket, 'GET', '/v1/services');
    expect(listed.status).toBe(200);
    const body = listed.body as { registrations: unknown[]; services: { name: string }[]; invalid: { key: string; reason: string }[] };
    expect(body.registrations).toHaveLength(3);
    expect(body.services.map((s) => s.name)).toEqual(['api', 'web']);
    expect(body.invalid.find((i) => i.key.endsWith('/broken'))?.reason).toMatch(/IPv4/);
    const metrics = await adminRequest(socket, 'GET', '/metrics');
    expect(metrics.text).toMatch(/weft_services_invalid_values 3/);
    expect(metrics.text).toMatch(/weft_services_servers 4/);
  });

  it('weft service ls prints services, servers with the local proxy\'s health, and the invalid keys', async () => {
    proxyServices = [{ name: 'web', kind: 'loadBalancer', servers: [{ url: 'http://10.5.1.11:8080', weight: 2, up: true }, { url: 'http://[fd00::12]:80', weight: 1, up: false, reason: 'connection refused' }] }];
    const text = await runWeft(['service', 'ls', '--socket', socket, ...etcdFlags()], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^api {2}\(no valid config: not routed\)\n {2}one {2}http:\/\/10\.5\.2\.1:9000 {2}weight 1 {2}unknown\n/);
    expect(text.stdout).toContain('web  Host(`web.example.test`)  priority 5\n');
    expect(text.stdout).toMatch(/-10\.5\.1\.11-8080 {2}http:\/\/10\.5\.1\.11:8080 {2}weight 2 {2}up\n/);
    expect(text.stdout).toContain('  b  http://[fd00::12]:80  weight 1  down (connection refused)\n');
    expect(text.stdout).toContain(`invalid (skipped):\n  ${prefix}/Bad_Name/config: `);
    const json = await runWeft(['service', 'ls', '--json', '--socket', join(dir, 'nobody.sock'), ...etcdFlags()], env);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { services: { name: string; servers: { health: string }[] }[]; invalid: unknown[] };
    expect(parsed.services.flatMap((s) => s.servers.map((server) => server.health))).toEqual(['unknown', 'unknown', 'unknown', 'unknown']);
    expect(parsed.invalid).toHaveLength(3);
  });

  it('deregisters one server; revoking the host lease takes the rest', async () => {
    const removed = capture();
    expect(await serviceDeregister.run(['web', 'b', '--socket', socket], removed)).toBe(0);
    expect(removed.text()).toBe(`removed ${prefix}/web/servers/b\n`);
    expect(await client.get(`${prefix}/web/servers/b`)).toBeNull();
    const again = capture();
    expect(await serviceDeregister.run(['web', 'b', '--socket', socket], again)).toBe(1);
    expect(again.text()).toMatch(/^WEFT_E_SERVICE_NOT_FOUND: /);

    await hostLease.stop({ revoke: true });
    const left = await client.getAll().prefix(`${prefix}/web/servers/`).keys();
    expect(left).toEqual([`${prefix}/web/servers/broken`]);
    await until('watch saw the lease go', () => area.model.services.find((s) => s.name === 'web')?.servers.length === 0);
    expect(await client.get(`${prefix}/web/config`)).not.toBeNull();
  });

  it('weft service rm deletes the config and servers of a service; nothing there is exit 1', async () => {
    const rm = await runWeft(['service', 'rm', 'api', ...etcdFlags()], env);
    expect(rm.code).toBe(0);
    expect(rm.stdout).toBe(`removed ${prefix}/api/config\nremoved ${prefix}/api/servers/one\n`);
    expect(await client.getAll().prefix(`${prefix}/api/`).keys()).toEqual([]);
    const missing = await runWeft(['service', 'rm', 'api', ...etcdFlags()], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^WEFT_E_SERVICE_NOT_FOUND: nothing under \/it\/services\/api\//);
  });
});

describe('the mirror bound', () => {
  it('skips keys beyond the bound, counts them in the status, and keeps the ones it holds', async () => {
    const small = '/it/bounded';
    for (const id of ['a', 'b', 'c']) await client.put(`${small}/db/servers/${id}`).value('{"url":"http://10.5.3.1:80"}');
    const base = defaults();
    const bounded = createServicesArea({ config: { services: { ...base.services, prefix: small }, proxy: base.proxy }, etcd: etcdHandle(client), logger: silentLogger, clusterNetworks: () => [], watch: true, maxKeys: 2 });
    try {
      await bounded.start();
      await until('bounded area ready', () => bounded.ready());
      expect(bounded.status()).toMatchObject({ servers: 2, skippedOverLimit: 1 });
      await client.put(`${small}/db/servers/d`).value('{"url":"http://10.5.3.2:80"}');
      await until('the fourth key counted', () => (bounded.status() as { skippedOverLimit?: number }).skippedOverLimit === 2);
      expect(bounded.model.services[0]?.servers.map((s) => s.id)).toEqual(['a', 'b']);
    } finally {
      await bounded.stop();
    }
  });
});

describe('serviceConfig with the proxy\'s real route-file checker', () => {
  const funcs = serviceTemplateFuncs({ checkService: (toml) => loadRouteFile(toml).errors.map((e) => `${e.path}: ${e.message}`) });
  const t = parse('t', '{{with serviceConfig .k .v}}{{.rule}} {{len .middlewares}}{{else}}nil{{end}}', { funcs });

  it.each([
    ['a supported middleware and health check', '{"rule":"Host(`a`)","middlewares":[{"retry":{"attempts":3}}],"healthCheck":{"path":"/h","interval":"2s","port":8080}}', 'Host(`a`) 1'],
    ['an unknown middleware type', '{"rule":"Host(`a`)","middlewares":[{"nosuch":{}}]}', 'nil'],
    ['bad middleware options', '{"rule":"Host(`a`)","middlewares":[{"retry":{"attempts":"x"}}]}', 'nil'],
    ['a rule that does not parse', '{"rule":"Host(`a`"}', 'nil'],
  ])('%s', (_what, value, expected) => {
    expect(t.execute({ k: `/fresh/${expected}/${value.length}`, v: value })).toBe(expected);
  });
});
