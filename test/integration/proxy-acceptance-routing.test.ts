// Issue 12's acceptance, end to end through the real CLI: every router matcher of a Traefik route
// file, the rule operators and priorities (each request must land on the backend named for it, curl
// as the client), and the proxy's own error answers 404, 502, 503 and 504.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl, curlLands, freePort, router, send, service, startBackend, startWeftProxy, until, type Backend, type RunningProxy } from './proxy-acceptance-fixture.ts';

const names = ['host', 'hostre', 'path', 'prefix', 'pathre', 'method', 'header', 'headerre', 'query', 'queryre', 'client', 'client2', 'logic', 'explicit', 'explicitlow', 'short', 'long', 'slow', 'sick'] as const;
type Name = (typeof names)[number];
const backends = {} as Record<Name, Backend>;
let proxy: RunningProxy;
let deadPort: number;

const rules: readonly (readonly [Name, string, number?])[] = [
  ['host', 'Host(`Web.Example.Test`)'],
  ['hostre', 'HostRegexp(`^[a-z]+\\.re\\.test$`)'],
  ['path', 'Host(`p.test`) && Path(`/exact`)'],
  ['prefix', 'Host(`p.test`) && PathPrefix(`/pre`)'],
  ['pathre', 'Host(`p.test`) && PathRegexp(`^/items/[0-9]+$`)'],
  ['method', 'Host(`m.test`) && Method(`POST`)'],
  ['header', 'Host(`h.test`) && Header(`X-Env`, `prod`)'],
  ['headerre', 'Host(`h.test`) && HeaderRegexp(`X-Ver`, `^v[0-9]+$`)'],
  ['query', 'Host(`q.test`) && Query(`mode`, `fast`)'],
  ['queryre', 'Host(`q.test`) && QueryRegexp(`id`, `^[0-9]+$`)'],
  ['client', 'Host(`c.test`) && ClientIP(`127.0.0.1/32`)'],
  ['client2', 'Host(`c.test`) && ClientIP(`127.0.0.2`)'],
  ['logic', 'Host(`l.test`) && (Path(`/a`) || Path(`/b`)) && !Header(`X-Block`, `1`)'],
  // Explicit priorities beat the rule length: the shorter rule wins with priority 50.
  ['explicit', 'Host(`pr.test`)', 50],
  ['explicitlow', 'Host(`pr.test`) && PathPrefix(`/api`)', 10],
  // Default priority is the rule's length: the longer rule is tried first.
  ['short', 'Host(`dl.test`)'],
  ['long', 'Host(`dl.test`) && PathPrefix(`/api`)'],
  ['slow', 'Host(`e504.test`)'],
  ['sick', 'Host(`e503.test`)'],
];

beforeAll(async () => {
  for (const name of names) backends[name] = await startBackend(name);
  backends.sick.health = 500;
  backends.slow.delayMs = 5000;
  deadPort = await freePort();
  const file = [
    ...rules.map(([name, rule, priority]) => router(name, rule, name, priority === undefined ? [] : [`priority = ${priority}`])),
    ...names.filter((n) => n !== 'sick').map((name) => service(name, [backends[name].url])),
    service('sick', [backends.sick.url], ['[http.services.sick.loadBalancer.healthCheck]', 'path = "/healthz"', 'interval = "500ms"', 'timeout = "400ms"']),
    router('refused', 'Host(`e502.test`)', 'refused'),
    service('refused', [`http://127.0.0.1:${deadPort}`]),
  ].join('\n');
  proxy = await startWeftProxy(file, ['--proxy-response-header-timeout', '500ms']);
});

afterAll(async () => {
  await proxy?.stop();
  await Promise.all(Object.values(backends).map((b) => b.kill()));
});

async function expectLands(cases: readonly (readonly [host: string, path: string, expected: string, extra?: readonly string[]])[]): Promise<void> {
  const got: string[] = [];
  for (const [host, path, , extra] of cases) got.push(await curlLands(proxy.port, host, path, extra));
  expect(got.map((g, i) => `${cases[i]?.[0]}${cases[i]?.[1]} ${(cases[i]?.[3] ?? []).join(' ')} -> ${g}`)).toEqual(cases.map(([host, path, expected, extra]) => `${host}${path} ${(extra ?? []).join(' ')} -> ${expected}`));
}

describe('router matchers through the route file (curl)', () => {
  it('Host: case-insensitive, port ignored; HostRegexp', async () => {
    await expectLands([
      ['web.example.test', '/', 'host'],
      ['WEB.example.TEST', '/x', 'host'],
      ['web.example.test:8443', '/', 'host'],
      ['other.example.test', '/', '404'],
      ['abc.re.test', '/', 'hostre'],
      ['ABC.re.test:81', '/', 'hostre'],
      ['a1.re.test', '/', '404'],
    ]);
  });

  it('Path, PathPrefix, PathRegexp', async () => {
    await expectLands([
      ['p.test', '/exact', 'path'],
      ['p.test', '/exact/more', '404'],
      ['p.test', '/pre', 'prefix'],
      ['p.test', '/prefix/x', 'prefix'],
      ['p.test', '/items/42', 'pathre'],
      ['p.test', '/items/42x', '404'],
      ['p.test', '/other', '404'],
    ]);
  });

  it('Method, Header, HeaderRegexp', async () => {
    await expectLands([
      ['m.test', '/', 'method', ['-X', 'POST']],
      ['m.test', '/', '404'],
      ['h.test', '/', 'header', ['-H', 'X-Env: prod']],
      ['h.test', '/', '404', ['-H', 'X-Env: staging']],
      ['h.test', '/', 'headerre', ['-H', 'X-Ver: v12']],
      ['h.test', '/', '404', ['-H', 'X-Ver: 12']],
      ['h.test', '/', '404'],
    ]);
  });

  it('Query, QueryRegexp', async () => {
    await expectLands([
      ['q.test', '/?mode=fast', 'query'],
      ['q.test', '/?x=1&mode=fast', 'query'],
      ['q.test', '/?mode=slow', '404'],
      ['q.test', '/?id=123', 'queryre'],
      ['q.test', '/?id=12a', '404'],
      ['q.test', '/', '404'],
    ]);
  });

  it('ClientIP against the TCP peer (127.0.0.1 and 127.0.0.2 as sources)', async () => {
    await expectLands([
      ['c.test', '/', 'client'],
      ['c.test', '/', 'client2', ['--interface', '127.0.0.2']],
      // X-Forwarded-For from an untrusted peer does not change the client IP.
      ['c.test', '/', 'client', ['-H', 'X-Forwarded-For: 127.0.0.2']],
      ['c.test', '/', '404', ['--interface', '127.0.0.3']],
    ]);
  });

  it('&&, ||, ! and parentheses', async () => {
    await expectLands([
      ['l.test', '/a', 'logic'],
      ['l.test', '/b', 'logic'],
      ['l.test', '/a', '404', ['-H', 'X-Block: 1']],
      ['l.test', '/b', 'logic', ['-H', 'X-Block: 2']],
      ['l.test', '/c', '404'],
    ]);
  });

  it('priority: explicit values first, else the longer rule', async () => {
    await expectLands([
      ['pr.test', '/api/x', 'explicit'],
      ['pr.test', '/', 'explicit'],
      ['dl.test', '/api/x', 'long'],
      ['dl.test', '/x', 'short'],
    ]);
    expect(backends.explicitlow.hits).toBe(0);
  });
});

describe("the proxy's own error answers", () => {
  it('404 when no router matches', async () => {
    const answer = await send(proxy.port, 'nobody.test', '/');
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 404, body: '404 page not found\n' });
  });

  it('400 for a broken %-escape in the path, as Go: never forwarded, even on a Host-only router', async () => {
    const hits = backends.host.hits;
    const run = await curl(['-o', '/dev/null', '-w', '%{http_code}', '-H', 'Host: web.example.test', `http://127.0.0.1:${proxy.port}/a%zz`]);
    expect(run.stdout).toBe('400');
    expect(await curlLands(proxy.port, 'web.example.test', '/a%2Fb?q=%zz')).toBe('host');
    expect(backends.host.hits).toBe(hits + 1);
  });

  it("OPTIONS * is answered by the proxy (200, no body), as by Go's server, never forwarded", async () => {
    const hits = backends.host.hits;
    const run = await curl(['-i', '-X', 'OPTIONS', '--request-target', '*', '-H', 'Host: web.example.test', `http://127.0.0.1:${proxy.port}`]);
    expect(run.stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(run.stdout).toMatch(/^content-length: 0\r$/im);
    expect(backends.host.hits).toBe(hits);
  });

  it('502 when no upstream answers (connection refused)', async () => {
    const answer = await send(proxy.port, 'e502.test', '/');
    expect(answer.status).toBe(502);
  });

  it('503 when every server of the service is down by its health check', async () => {
    // The failing check takes the only server out; from then on the proxy answers 503 itself.
    await until('the sick server out of rotation', async () => (await send(proxy.port, 'e503.test', '/')).status === 503);
    const hits = backends.sick.hits;
    for (let i = 0; i < 5; i++) expect((await send(proxy.port, 'e503.test', '/')).status).toBe(503);
    expect(backends.sick.hits).toBe(hits);
    expect(proxy.events('upstream_down').some((e) => e.url === backends.sick.url)).toBe(true);
  });

  it('504 when the upstream sends no headers within --proxy-response-header-timeout', async () => {
    const begun = Date.now();
    const answer = await send(proxy.port, 'e504.test', '/');
    expect(answer.status).toBe(504);
    // The timeout (500 ms), not the backend's 5 s answer, ended it.
    expect(Date.now() - begun).toBeLessThan(4500);
    expect(backends.slow.hits).toBe(1);
  });
});
