// The shipped services resource, rendered by the real confd engine with the daemon's functions over
// a keyspace fixture: compared with a golden route file, which `weft proxy check` must accept.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaults } from '../config/index.ts';
import { checkRouteFile, loadRouteFile } from '../proxy/index.ts';
import { parseResource, renderResource } from '../templates/index.ts';
import { proxyCheckBuiltin, servicesResourceText, servicesTemplatesExtras, shippedConfdir } from './services-proxy.ts';

const testdata = join(import.meta.dirname, 'testdata');
const golden = join(testdata, 'services-routes.toml');
const keyspace = new Map(Object.entries(JSON.parse(readFileSync(join(testdata, 'services-keyspace.json'), 'utf8')) as Record<string, string>));

function shippedResource(routeFile = '/run/weft/routes.toml') {
  const config = { ...defaults(), proxy: { ...defaults().proxy, route_file: routeFile } };
  const extras = servicesTemplatesExtras(config, { reload: async () => undefined });
  const builtin = extras.builtinResources?.[0];
  if (builtin === undefined) throw new Error('no builtin resource');
  const resource = parseResource(builtin.file, builtin.text, { templateDir: builtin.templateDir, globalPrefix: '', checkTimeout: 1000, reloadTimeout: 1000, lookupUser: () => undefined, lookupGroup: () => undefined });
  return { resource, extras };
}

describe('the shipped services resource', () => {
  it('renders the keyspace fixture to the golden route file', async () => {
    const { resource, extras } = shippedResource();
    const rendered = await renderResource(resource, keyspace, extras.extraFuncs === undefined ? {} : { extraFuncs: extras.extraFuncs });
    if (process.env.WEFT_UPDATE_GOLDEN === '1') writeFileSync(golden, rendered);
    expect(rendered).toBe(readFileSync(golden, 'utf8'));
  });

  it('renders a route file weft proxy check accepts, with the valid services only', () => {
    const report = checkRouteFile(golden);
    expect(report.err).toEqual([]);
    expect(report.code).toBe(0);
    const loaded = loadRouteFile(readFileSync(golden, 'utf8'));
    expect(Object.keys(loaded.config?.services ?? {}).sort()).toEqual(['api', 'empty', 'web']);
    const servers = (name: string): unknown => {
      const spec = loaded.config?.services[name];
      return spec?.kind === 'loadBalancer' ? spec.servers.map((s) => [s.url, s.weight]) : spec;
    };
    expect(servers('web')).toEqual([['http://10.5.2.11:8080', 1], ['http://10.5.3.11:8080', 2]]);
    expect(servers('api')).toEqual([['http://10.5.1.20:80', 0], ['https://[fd00::5]:8443', 1]]);
  });

  it('is what share/confd/conf.d/weft-services.toml documents, with the default config', () => {
    const shipped = readFileSync(join(shippedConfdir(), 'conf.d', 'weft-services.toml'), 'utf8');
    const body = shipped.slice(shipped.indexOf('[template]'));
    expect(servicesResourceText(defaults())).toBe(body);
  });

  it('keeps the last good config of a service whose config turns bad', async () => {
    const { resource, extras } = shippedResource();
    const options = extras.extraFuncs === undefined ? {} : { extraFuncs: extras.extraFuncs };
    const good = new Map([['/weft/services/shop/config', '{"rule": "Host(`shop.example.test`)"}'], ['/weft/services/shop/servers/a', '{"url": "http://10.5.9.9:80"}']]);
    const first = await renderResource(resource, good, options);
    const bad = new Map([...good, ['/weft/services/shop/config', '{"rule": "Host(`shop.example.test`"}']]);
    expect(await renderResource(resource, bad, options)).toBe(first);
    expect(first).toContain('[http.routers.shop]');
  });

  it('runs weft proxy check in-process with the command\'s output and exit status', async () => {
    const check = proxyCheckBuiltin.get('weft proxy check');
    expect((await check?.([golden]))?.code).toBe(0);
    const missing = await check?.(['/nonexistent/weft-routes.toml']);
    expect(missing?.code).toBe(1);
    expect(missing?.output).toContain('cannot read the route file');
    expect((await check?.([]))?.code).toBe(2);
  });
});
