// `weft proxy` alone and the proxy area inside `weft daemon`, as an operator runs them: the route
// file loaded, changed, refused (previous table kept), readiness and `weft status`, SIGTERM.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adminRequest } from '../../src/admin/client.ts';
import { freePort } from '../harness/etcd.ts';
import { runWeft, WeftProcess } from '../harness/weft-process.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-proxy-cli-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function start(args: string[]): WeftProcess {
  const child = new WeftProcess(args);
  cleanups.push(() => child.kill('SIGKILL'));
  return child;
}


async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const begun = Date.now();
  while (!(await check())) {
    if (Date.now() - begun > timeoutMs) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const routes = (port: number): string =>
  ['[http.routers.web]', 'rule = "Host(`web.test`)"', 'service = "web"', '', '[http.services.web.loadBalancer]', '[[http.services.web.loadBalancer.servers]]', `url = "http://127.0.0.1:${port}"`, ''].join('\n');

const events = (p: WeftProcess, name: string): Record<string, unknown>[] => p.logEvents().filter((e) => e.event === name);

describe('weft proxy', () => {
  it('loads the route file (a relative --routes), reloads it, keeps it on a bad change, drains on SIGTERM', async () => {
    const dir = workDir();
    const file = join(dir, 'routes.toml');
    writeFileSync(file, routes(9));
    const port = await freePort();
    const proxy = start(['proxy', '--routes', relative(process.cwd(), file), '--listen', `127.0.0.1:${port}`, '--daemon-shutdown-timeout', '3s']);
    await until('listening', () => events(proxy, 'proxy_listening').length === 1);
    expect(events(proxy, 'proxy_listening')[0]).toMatchObject({ area: 'proxy', routeFile: file, loaded: true });
    expect(events(proxy, 'proxy_routes_loaded')).toHaveLength(1);

    writeFileSync(`${file}.new`, routes(10));
    renameSync(`${file}.new`, file);
    await until('the change loaded', () => events(proxy, 'proxy_routes_loaded').length === 2);

    writeFileSync(file, '[http.routers.web\n');
    await until('the bad change refused', () => events(proxy, 'proxy_reload_failed').length > 0);
    expect(events(proxy, 'proxy_reload_failed')[0]).toMatchObject({ code: 'WEFT_E_PROXY_RELOAD', file });
    expect(events(proxy, 'proxy_routes_loaded')).toHaveLength(2);

    proxy.kill('SIGTERM');
    const run = await proxy.exited;
    expect(run.code).toBe(0);
    expect(events(proxy, 'proxy_stopped')).toHaveLength(1);
  });

  it('refuses bad flags with their key paths, exit 2', async () => {
    const run = await runWeft(['proxy', '--routes', '/tmp/r.toml', '--listen', 'localhost:80', '--proxy-trusted-ips', 'ten']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('proxy.listen: "localhost:80" is not an ADDRESS:PORT');
    expect(run.stderr).toContain('proxy.trusted_ips: "ten"');
  });
});

describe('the proxy area in weft daemon', () => {
  it('is ready once the route file is loaded, and weft status shows its routers and services', async () => {
    const dir = workDir();
    const socket = join(dir, 'weft.sock');
    const file = join(dir, 'routes.toml');
    const port = await freePort();
    const daemon = start(['daemon', '--no-subnet-enabled', '--no-overlay-enabled', '--admin-socket', socket, '--daemon-state-dir', join(dir, 'state'), '--proxy-enabled', '--no-proxy-services', '--proxy-listen', `127.0.0.1:${port}`, '--proxy-route-file', file]);
    await until('the admin socket answers', async () => (await adminRequest(socket, 'GET', '/readyz').catch(() => undefined)) !== undefined);
    const waiting = await adminRequest(socket, 'GET', '/readyz?verbose');
    expect(waiting.status).toBe(503);
    expect(JSON.stringify(waiting.body)).toContain('does not exist yet');

    writeFileSync(file, routes(9));
    await until('ready', async () => (await adminRequest(socket, 'GET', '/readyz')).status === 200);
    const status = await runWeft(['status', '--socket', socket]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('+ proxy');
    expect(status.stdout).toContain(`route file ${file}`);
    const metrics = await adminRequest(socket, 'GET', '/metrics');
    expect(metrics.text).toMatch(/^weft_proxy_reloads_total 1$/m);

    daemon.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
  });
});
