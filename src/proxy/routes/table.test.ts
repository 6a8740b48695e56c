import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RequestFacts, RouteConfig, RouterSpec } from '../types.ts';
import { loadRouteFile } from './index.ts';
import { parseRouteFile } from './parse.ts';
import { compileRouteTable } from './table.ts';

const service = { kind: 'loadBalancer' as const, servers: [{ url: 'http://a:1', weight: 1 }], passHostHeader: true };
const router = (name: string, rule: string, over: Partial<RouterSpec> = {}): [string, RouterSpec] => [
  name,
  { name, rule, service: 's', priority: Buffer.byteLength(rule), middlewares: [], tls: false, ...over },
];
const config = (routers: [string, RouterSpec][], extra: Partial<RouteConfig> = {}): RouteConfig => ({
  routers: Object.fromEntries(routers),
  services: { s: service },
  middlewares: {},
  certificates: [],
  ...extra,
});
const request = (over: Partial<RequestFacts> = {}): RequestFacts => ({ host: 'web.test', method: 'GET', path: '/', rawQuery: '', headers: {}, clientIP: '10.0.0.1', ...over });

describe('router order (Traefik: priority descending, default priority = rule length)', () => {
  it('tries the longer rule first by default', () => {
    const { table } = compileRouteTable(config([router('short', 'PathPrefix(`/`)'), router('long', 'PathPrefix(`/api`)')]));
    expect(table?.routers.map((r) => r.name)).toEqual(['long', 'short']);
    expect(table?.route(request({ path: '/api/x' }), false)?.name).toBe('long');
    expect(table?.route(request({ path: '/web' }), false)?.name).toBe('short');
  });

  it('lets an explicit priority win and breaks ties by router name', () => {
    const { table } = compileRouteTable(config([router('b', 'PathPrefix(`/`)', { priority: 5 }), router('a', 'PathPrefix(`/`)', { priority: 5 }), router('c', 'PathPrefix(`/x`)', { priority: 1 }), router('d', 'Path(`/x`)', { priority: -1 })]));
    expect(table?.routers.map((r) => [r.name, r.priority])).toEqual([['a', 5], ['b', 5], ['c', 1], ['d', -1]]);
    expect(table?.route(request({ path: '/x' }), false)?.name).toBe('a');
  });

  it('answers nothing (404) when no router matches', () => {
    const { table } = compileRouteTable(config([router('web', 'Host(`web.test`)')]));
    expect(table?.route(request({ host: 'other.test' }), false)).toBeUndefined();
  });
});

describe('TLS routers serve TLS connections only, plain routers plain ones', () => {
  const { table } = compileRouteTable(config([router('secure', 'Host(`web.test`)', { tls: true }), router('plain', 'Host(`web.test`)')]));
  it.each([
    [true, 'secure'],
    [false, 'plain'],
  ])('tls=%j -> %s', (tls, name) => {
    expect(table?.route(request(), tls)?.name).toBe(name);
  });
});

describe('references', () => {
  it.each([
    [config([router('r', 'Path(`/`)', { service: 'nope' })]), 'http.routers.r.service', 'service "nope" does not exist'],
    [config([router('r', 'Path(`/`)', { middlewares: ['gone'] })]), 'http.routers.r.middlewares.0', 'middleware "gone" does not exist'],
    [config([router('r', 'Path(`/`)', { service: 'w' })], { services: { s: service, w: { kind: 'weighted', services: [{ name: 'x', weight: 1 }] } } }), 'http.services.w.weighted.services.0.name', 'service "x" does not exist'],
    [
      config([router('r', 'Path(`/`)', { service: 'w1' })], {
        services: { w1: { kind: 'weighted', services: [{ name: 'w2', weight: 1 }] }, w2: { kind: 'weighted', services: [{ name: 'w1', weight: 1 }] } },
      }),
      'http.services.w2.weighted.services.0.name',
      'cycle: w1 -> w2 -> w1',
    ],
    [config([router('r', 'Path(`/`)', { service: 'constructor' })]), 'http.routers.r.service', 'service "constructor" does not exist'],
  ])('refuses a missing or cyclic reference (%#)', (input, path, message) => {
    const result = compileRouteTable(input);
    expect(result.table).toBeUndefined();
    expect(result.errors.map((e) => ({ path: e.path, matches: e.message.includes(message) }))).toContainEqual({ path, matches: true });
  });

  it('resolves middlewares in the order the router names them', () => {
    const { table } = compileRouteTable(
      config([router('r', 'Path(`/`)', { middlewares: ['b', 'a'] })], { middlewares: { a: { kind: 'addPrefix', prefix: '/a' }, b: { kind: 'stripPrefix', prefixes: ['/b'] } } }),
    );
    expect(table?.routers[0]?.middlewares).toEqual([{ kind: 'stripPrefix', prefixes: ['/b'] }, { kind: 'addPrefix', prefix: '/a' }]);
  });

  it('gives table errors the line of their key when it has the file text', () => {
    const text = '[http.routers.r]\nrule = "Path(`/`)"\nservice = "s"\nmiddlewares = ["gone"]\n[http.services.s.loadBalancer]\n';
    expect(loadRouteFile(text).errors.map((e) => [e.path, e.line, e.message.includes('"gone" does not exist')])).toEqual([['http.routers.r.middlewares.0', 4, true]]);
  });

  it('reports missing references beside value errors, but not names left out for an error of their own', () => {
    const text = [
      '[http.routers.bad]', 'rule = "Hots(`a.test`)"', 'service = "s"',
      '[http.routers.r]', 'rule = "Path(`/`)"', 'service = "gone"', 'middlewares = ["broken", "absent"]',
      '[http.routers.q]', 'rule = "Path(`/q`)"', 'service = "invalid"',
      '[http.middlewares.broken.addPrefix]', 'prefix = 3',
      '[http.services.invalid.loadBalancer]', 'passHostHeader = "yes"',
      '[http.services.s.loadBalancer]', '',
    ].join('\n');
    expect(loadRouteFile(text).errors.map((e) => [e.line, e.path])).toEqual([
      [2, 'http.routers.bad.rule'],
      [14, 'http.services.invalid.loadBalancer.passHostHeader'],
      [12, 'http.middlewares.broken.addPrefix.prefix'],
      [6, 'http.routers.r.service'],
      [7, 'http.routers.r.middlewares.1'],
    ]);
  });
});

describe('the host index answers exactly as trying every router in order', () => {
  const hosts = ['a.test', 'b.test', 'c.test', 'A.TEST', 'a.test.', 'x.b.test', ''];
  const rules = ['Host(`a.test`)', 'Host(`b.test`) && Path(`/x`)', 'Host(`a.test`) || Host(`c.test`)', 'Host(`*.b.test`)', 'PathPrefix(`/x`)', '!Host(`a.test`)', 'Host(`A.test.`) && Method(`POST`)', 'HostRegexp(`^c`)'];
  const routers = rules.map((rule, i) => router(`r${i}`, rule, { priority: (i * 7) % 5 }));
  const { table } = compileRouteTable(config(routers));
  const cases = hosts.flatMap((host) => ['/', '/x'].flatMap((path) => ['GET', 'POST'].map((method) => request({ host: host.toLowerCase(), path, method }))));
  it.each(cases)('%j', (facts) => {
    const linear = table?.routers.find((r) => r.matches(facts));
    expect(table?.route(facts, false)?.name).toBe(linear?.name);
  });
});

describe('the full example', () => {
  const text = readFileSync(new URL('./testdata/full.toml', import.meta.url), 'utf8');
  const parsed = parseRouteFile(text);
  const { table, errors } = compileRouteTable(parsed.config as RouteConfig);
  it.each([
    [request({ host: 'web.example.test', path: '/' }), false, 'web'],
    [request({ host: 'web.example.test', path: '/' }), true, 'web-secure'],
    [request({ host: 'x.api.example.test', path: '/v3/users' }), false, 'api'],
    [request({ host: 'api.example.test', path: '/v1', method: 'DELETE' }), false, 'to-https'],
    [request({ host: 'other.test', path: '/admin', rawQuery: 'debug&token=abc&v=2', headers: { 'x-admin': 'yes', 'user-agent': 'curl/8' }, clientIP: '10.9.8.7' }), false, 'admin'],
    [request({ host: 'other.test', path: '/admin', rawQuery: 'debug&token=abc&v=2', headers: { 'x-admin': 'yes', 'user-agent': 'curl/8' }, clientIP: '192.0.2.1' }), false, 'to-https'],
  ])('%j (tls %j) -> %s', (facts, tls, name) => {
    expect(errors).toEqual([]);
    expect(table?.route(facts, tls)?.name).toBe(name);
  });
});
