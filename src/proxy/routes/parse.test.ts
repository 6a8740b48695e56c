import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRouteFile, routeFileLimits } from './parse.ts';

const full = readFileSync(new URL('./testdata/full.toml', import.meta.url), 'utf8');

describe('parsing a route file (Traefik v3 file provider)', () => {
  it('reads every supported key of the full example, with Traefik defaults filled in', () => {
    const result = parseRouteFile(full);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    const config = result.config;
    expect(Object.keys(config?.routers ?? {})).toEqual(['web', 'web-secure', 'api', 'admin', 'to-https']);
    expect(config?.routers.web).toEqual({ name: 'web', rule: 'Host(`web.example.test`) && PathPrefix(`/`)', service: 'web', priority: 43, middlewares: ['strip-api', 'add-v1', 'headers', 'retry'], tls: false });
    expect(config?.routers['web-secure']).toEqual({ name: 'web-secure', rule: 'Host(`web.example.test`)', service: 'web', priority: 100, middlewares: [], tls: true });
    expect(config?.routers.api).toMatchObject({ service: 'canary', priority: 50, tls: false });
    expect(config?.routers['to-https']).toMatchObject({ priority: 1, middlewares: ['to-https'] });
    expect(config?.routers.admin?.priority).toBe(Buffer.byteLength(config?.routers.admin?.rule ?? ''));
    expect(config?.services).toEqual({
      web: {
        kind: 'loadBalancer',
        passHostHeader: false,
        servers: [
          { url: 'http://10.5.1.2:8080', weight: 1 },
          { url: 'http://10.5.2.3:8080', weight: 3 },
        ],
        healthCheck: { path: '/healthz', intervalMs: 10_000, timeoutMs: 3_000, hostname: 'web.example.test', port: 8081, scheme: 'http', method: 'HEAD', status: 204, headers: { 'X-Health': 'weft' } },
      },
      'web-v2': { kind: 'loadBalancer', passHostHeader: true, servers: [{ url: 'https://[fd00::2]:8443', weight: 1 }] },
      canary: { kind: 'weighted', services: [{ name: 'web', weight: 9 }, { name: 'web-v2', weight: 1 }] },
    });
    expect(config?.middlewares).toEqual({
      'strip-api': { kind: 'stripPrefix', prefixes: ['/api', '/v0'] },
      'add-v1': { kind: 'addPrefix', prefix: '/v1' },
      headers: { kind: 'headers', customRequestHeaders: { 'X-Script-Name': 'test', 'X-Remove-Me': '' }, customResponseHeaders: { 'X-Served-By': 'weft' } },
      retry: { kind: 'retry', attempts: 3, initialIntervalMs: 100 },
      'to-https': { kind: 'redirectScheme', scheme: 'https', port: '8443', permanent: true },
    });
    expect(config?.certificates).toEqual([
      { certFile: '/etc/weft/tls/web.crt', keyFile: '/etc/weft/tls/web.key' },
      { certFile: '/etc/weft/tls/api.crt', keyFile: '/etc/weft/tls/api.key' },
    ]);
    expect(config?.defaultCertificate).toEqual({ certFile: '/etc/weft/tls/default.crt', keyFile: '/etc/weft/tls/default.key' });
  });

  it('fills Traefik defaults: health interval 30s, timeout 5s, GET, path /, weight 1, passHostHeader true', () => {
    const result = parseRouteFile('[http.services.s.loadBalancer]\nservers = [{ url = "http://a:1" }]\nhealthCheck = {}\n');
    expect(result.config?.services.s).toEqual({
      kind: 'loadBalancer',
      passHostHeader: true,
      servers: [{ url: 'http://a:1', weight: 1 }],
      healthCheck: { path: '/', intervalMs: 30_000, timeoutMs: 5_000, method: 'GET', headers: {} },
    });
  });

  it.each([
    ['"10s"', 10_000],
    ['"1m30s"', 90_000],
    ['"250ms"', 250],
    ['15', 15_000],
    ['"15"', 15_000],
  ])('reads the duration %s as Traefik does', (text, ms) => {
    const result = parseRouteFile(`[http.services.s.loadBalancer.healthCheck]\ninterval = ${text}\n`);
    expect(result.config?.services.s).toMatchObject({ healthCheck: { intervalMs: ms } });
  });

  it('matches key names ignoring case, as Traefik does, and accepts name@file references', () => {
    const result = parseRouteFile('[http.routers.r]\nRule = "Path(`/`)"\nSERVICE = "s@file"\n[http.services.s.LoadBalancer]\n');
    expect(result.errors).toEqual([]);
    expect(result.config?.routers.r).toMatchObject({ service: 's', priority: 9 });
  });
});

describe('unknown keys and unsupported options are warnings with paths and lines', () => {
  const text = [
    '[http.routers.r]', //                           1
    'rule = "Path(`/`)"', //                         2
    'service = "s"', //                              3
    'entryPoints = ["websecure"]', //                4
    'colour = "blue"', //                            5
    '[http.services.s.loadBalancer]', //             6
    'sticky.cookie.name = "x"', //                   7
    'strategy = "p2c"', //                           8
    '[[http.services.s.loadBalancer.servers]]', //   9
    'url = "http://a:80/base"', //                   10
    '[http.middlewares.auth.basicAuth]', //          11
    'users = ["u:p"]', //                            12
    '[tcp.routers.t]', //                            13
    'rule = "HostSNI(`*`)"', //                      14
  ].join('\n');

  it('parses the file and lists each warning', () => {
    const result = parseRouteFile(text);
    expect(result.errors).toEqual([]);
    expect(result.config?.middlewares).toEqual({});
    expect(result.warnings.map((w) => [w.path, w.line])).toEqual(
      expect.arrayContaining([
        ['http.routers.r.entryPoints', 4],
        ['http.routers.r.colour', 5],
        ['http.services.s.loadBalancer.sticky', 7],
        ['http.services.s.loadBalancer.strategy', 8],
        ['http.services.s.loadBalancer.servers.0.url', 10],
        ['http.middlewares.auth.basicAuth', 11],
        ['tcp', 13],
      ]),
    );
    expect(result.warnings).toHaveLength(7);
  });
});

describe('invalid values are errors with paths and lines', () => {
  it.each([
    ['[http.routers.r]\nservice = "s"\nrule = "Host(`a`"', 'http.routers.r.rule', 3, "expected ',' or ')'"],
    ['[http.routers.r]\nservice = "s"', 'http.routers.r', 1, 'no rule'],
    ['[http.routers.r]\nrule = "Path(`/`)"', 'http.routers.r', 1, 'no service'],
    ['[http.routers.r]\nrule = "Path(`/`)"\nservice = "s@docker"', 'http.routers.r.service', 3, 'names provider docker'],
    ['[http.routers.r]\nrule = "Path(`/`)"\nservice = "s"\npriority = "high"', 'http.routers.r.priority', 4, 'expected an integer'],
    ['[http.routers.r]\nrule = "Path(`/`)"\nservice = "s"\ntls = true', 'http.routers.r.tls', 4, 'expected a table'],
    ['[http.routers."a@b"]\nrule = "Path(`/`)"\nservice = "s"', 'http.routers.a@b', 1, 'invalid name'],
    ['[http.services.s.loadBalancer]\nservers = [{ url = "ftp://a" }]', 'http.services.s.loadBalancer.servers.0.url', 2, 'scheme ftp'],
    ['[http.services.s.loadBalancer]\n[[http.services.s.loadBalancer.servers]]\nurl = "http://a:1"\n[[http.services.s.loadBalancer.servers]]\nurl = "http://a:x"', 'http.services.s.loadBalancer.servers.1.url', 5, 'not a URL'],
    ['[http.services.s.loadBalancer]\nservers = [{ url = "http://:80" }]', 'http.services.s.loadBalancer.servers.0.url', 2, 'not a URL'],
    ['[http.services.s.loadBalancer]\nservers = [{ url = "http://u:p@a:80" }]', 'http.services.s.loadBalancer.servers.0.url', 2, 'credentials'],
    ['[http.services.s.loadBalancer]\nservers = [{ url = "http://a", weight = -1 }]', 'http.services.s.loadBalancer.servers.0.weight', 2, 'out of range'],
    ['[http.services.s.loadBalancer]\nservers = [{ url = "http://a", weight = 1.5 }]', 'http.services.s.loadBalancer.servers.0.weight', 2, 'expected an integer'],
    ['[http.services.s.loadBalancer]\nservers = [{ weight = 1 }]', 'http.services.s.loadBalancer.servers.0', 2, 'needs a url'],
    ['[http.services.s.loadBalancer]\npassHostHeader = "yes"', 'http.services.s.loadBalancer.passHostHeader', 2, 'expected true or false'],
    ['[http.services.s.loadBalancer.healthCheck]\ninterval = "10 s"', 'http.services.s.loadBalancer.healthCheck.interval', 2, 'expected a duration'],
    ['[http.services.s.loadBalancer.healthCheck]\npath = "http://elsewhere/"', 'http.services.s.loadBalancer.healthCheck.path', 2, 'relative URL'],
    ['[http.services.s.loadBalancer.healthCheck]\nport = 70000', 'http.services.s.loadBalancer.healthCheck.port', 2, 'out of range'],
    ['[http.services.s.loadBalancer.healthCheck]\nscheme = "ftp"', 'http.services.s.loadBalancer.healthCheck.scheme', 2, 'http'],
    ['[http.services.s.loadBalancer.healthCheck.headers]\n"Bad Name" = "x"', 'http.services.s.loadBalancer.healthCheck.headers.Bad Name', 2, 'header name'],
    ['[http.services.s]\nloadBalancer = {}\nweighted = {}', 'http.services.s', 1, 'exactly one'],
    ['[http.services.s.weighted]\nservices = [{ weight = 1 }]', 'http.services.s.weighted.services.0', 2, 'needs a name'],
    ['[http.middlewares.m.retry]\nattempts = 0', 'http.middlewares.m.retry.attempts', 2, 'out of range'],
    ['[http.middlewares.m.retry]\nattempts = 2\ninitialInterval = "-1s"', 'http.middlewares.m.retry.initialInterval', 3, 'negative'],
    ['[http.middlewares.m.addPrefix]\nprefix = ""', 'http.middlewares.m.addPrefix.prefix', 2, 'must not be empty'],
    ['[http.middlewares.m.redirectScheme]\nport = "443"', 'http.middlewares.m.redirectScheme', 1, 'needs a scheme'],
    ['[http.middlewares.m.redirectScheme]\nscheme = "https"\nport = "https"', 'http.middlewares.m.redirectScheme.port', 3, 'port number'],
    ['[http.middlewares.m.headers.customRequestHeaders]\nX-A = "a\\r\\nX-B: b"', 'http.middlewares.m.headers.customRequestHeaders.X-A', 2, 'CR, LF'],
    ['[http.middlewares.m]\nstripPrefix = { prefixes = ["/a"] }\naddPrefix = { prefix = "/b" }', 'http.middlewares.m', 1, 'exactly one type'],
    ['[[tls.certificates]]\ncertFile = "/a.crt"', 'tls.certificates.0', 1, 'needs keyFile'],
    ['[http.routers.r]\nrule = "Path(`/`)"\nrule = "Path(`/b`)"', '(file)', 3, 'not valid TOML'],
  ])('%j -> %s (line %i)', (text, path, line, message) => {
    const result = parseRouteFile(text);
    expect(result.config).toBeUndefined();
    expect(result.errors.map((e) => ({ path: e.path, line: e.line, matches: e.message.includes(message) }))).toContainEqual({ path, line, matches: true });
  });

  it('reports every error of a file, not only the first', () => {
    const result = parseRouteFile('[http.routers.a]\nrule = "X(`a`)"\nservice = "s"\n[http.routers.b]\nrule = "Path(`/`)"\n');
    expect(result.errors.map((e) => e.path)).toEqual(['http.routers.a.rule', 'http.routers.b']);
  });

  it('caps the problems it lists, and many warnings alone do not refuse a file', () => {
    const routers = Array.from({ length: 1500 }, (_, i) => `[http.routers.r${i}]\nrule = "Path(\`/\`)"\nservice = "s"\nx = 1`).join('\n');
    const result = parseRouteFile(`${routers}\n[http.services.s.loadBalancer]\n`);
    expect(result.errors).toEqual([]);
    expect(result.config).toBeDefined();
    expect(result.warnings).toHaveLength(1001);
    expect(result.warnings[1000]).toEqual({ path: '(file)', message: '500 more warnings not shown (at most 1000 problems are)' });
  });

  it('bounds the file size and the number of routers', () => {
    expect(parseRouteFile(`#${'x'.repeat(routeFileLimits.bytes)}`).errors[0]?.message).toMatch(/larger than/);
    const many = Array.from({ length: routeFileLimits.routers + 1 }, (_, i) => `[http.routers.r${i}]\nrule = "Path(\`/\`)"\nservice = "s"`).join('\n');
    expect(parseRouteFile(many).errors).toEqual([{ path: 'http.routers', line: 1, message: `more than ${routeFileLimits.routers} entries` }]);
  });
});
