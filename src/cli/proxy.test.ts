import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from './main.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function check(text: string | undefined): Promise<{ status: number; out: string; err: string; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-proxy-check-'));
  dirs.push(dir);
  const file = join(dir, 'routes.toml');
  if (text !== undefined) writeFileSync(file, text);
  let out = '';
  let err = '';
  const status = await main(['proxy', 'check', file], { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), env: {} });
  return { status, out, err, file };
}

const good = '[http.routers.web]\nrule = "Host(`web.test`)"\nservice = "web"\n[http.services.web.loadBalancer]\nservers = [{ url = "http://10.0.0.2:80" }]\n';

describe('weft proxy check FILE', () => {
  it('passes a good file, exit 0', async () => {
    const { status, out, err, file } = await check(good);
    expect([status, err]).toEqual([0, '']);
    expect(out).toBe(`${file}: ok (1 router, 1 service)\n`);
  });

  it('prints warnings as FILE:LINE: path: warning: ... and still exits 0', async () => {
    const { status, err, file } = await check(`${good}[http.routers.web.tls]\n[tcp.routers.x]\nrule = "HostSNI(\`*\`)"\n`);
    expect(status).toBe(0);
    expect(err).toBe(`${file}:7: tcp: warning: not supported by weft, ignored: TCP routers and services\n`);
  });

  it('prints every error with line and key path, errors before warnings, exit 1', async () => {
    const { status, err, file } = await check('[http.routers.web]\nrule = "Host(`web.test`) && Nope(`x`)"\nservice = "gone"\ncolour = 1\n[http.services.s.loadBalancer]\nservers = [{ url = "ftp://x" }]\n');
    expect(status).toBe(1);
    expect(err.split('\n').filter((l) => l !== '')).toEqual([
      `${file}:2: http.routers.web.rule: unknown matcher Nope (known: Host, HostRegexp, Path, PathPrefix, PathRegexp, Method, Header, HeaderRegexp, Query, QueryRegexp, ClientIP) at column 21`,
      `${file}:6: http.services.s.loadBalancer.servers.0.url: scheme ftp is not supported (http or https)`,
      `${file}:4: http.routers.web.colour: warning: unknown key, ignored (known here: rule, service, priority, middlewares, tls, entryPoints, ruleSyntax)`,
    ]);
  });

  it('reports references that do not resolve (the table step), exit 1', async () => {
    const { status, err, file } = await check(good.replace('service = "web"', 'service = "api"'));
    expect(status).toBe(1);
    expect(err).toBe(`${file}:3: http.routers.web.service: service "api" does not exist (or is of a type weft does not support)\n`);
  });

  it('says so when the file cannot be read, exit 1; usage errors exit 2', async () => {
    const { status, err } = await check(undefined);
    expect(status).toBe(1);
    expect(err).toMatch(/^WEFT_E_PROXY_ROUTES: .*routes\.toml: cannot read the route file/);
    expect(await main(['proxy', 'check'], { out: () => undefined, err: () => undefined, env: {} })).toBe(2);
  });
});
