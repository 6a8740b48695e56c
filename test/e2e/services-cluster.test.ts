// Issue 13's flow, from a container start to a served request: three hosts run weft; containers
// attached by weft-cni on hosts 2 and 3 run an HTTP server answering its own name and register it
// as a server of service `web` through their host's admin socket; host 1 runs the proxy, whose
// route file the daemon renders from the services keyspace. Host 3's daemon is killed (-9): once
// its host lease expires its server leaves the route file and gets no more requests, with no
// request failing meanwhile; a new server on host 2 gets traffic; bad values change nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest } from '../../src/admin/client.ts';
import { eventually, smallestConflist, startCniCluster, type CniCluster } from '../cni/cluster.ts';
import { cniAttachment, describeRun, podArgs } from '../cni/driver.ts';
import type { CniContainer } from '../cni/containers.ts';

const here = import.meta.dirname;
const nameServer = join(here, '..', 'services', 'name-server.ts');
const loadScript = join(here, '..', 'services', 'load.ts');
const hostName = 'web.example.test';
const leaseTtlSeconds = 3;

let cni: CniCluster;
let routeFile = '';
const servers = new Map<string, { container: CniContainer; ip: string; port: number; process: ChildProcess }>();

type Result = [number, number, number, string];

function host(n: number) {
  const h = cni.cluster.hosts[n - 1];
  if (h === undefined) throw new Error(`no host ${n}`);
  return h;
}

async function weft(n: number, args: readonly string[]) {
  const r = await cni.cluster.weft(host(n).host, args);
  expect(r.code, `weft ${args.join(' ')} on host ${n}: ${r.stdout}${r.stderr}`).toBe(0);
  return r;
}

/** A container on host `n` attached by weft-cni, running a name server on `port`. */
async function startServer(n: number, name: string, port: number, container?: CniContainer): Promise<string> {
  let c = container;
  let ip = [...servers.values()].find((s) => s.container === container)?.ip ?? '';
  if (c === undefined) {
    c = await cni.containers.create(n);
    const conflist = cni.hosts[n - 1]!.conflist('10-weft.conflist', smallestConflist);
    const add = await cniAttachment('add', c, conflist, cni.hosts[n - 1]!.driverOptions({ args: podArgs(name, c.containerID) }));
    expect(add.ok, describeRun(`ADD ${name}`, add)).toBe(true);
    ip = ((add.json?.ips ?? []) as { address: string }[])[0]?.address.split('/')[0] ?? '';
  }
  const child = cni.bed.spawn(c.name, process.execPath, [nameServer, name, String(port)]);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`name server ${name} exited ${code}`)));
  });
  servers.set(name, { container: c, ip, port, process: child });
  return `http://${ip}:${port}`;
}

/** Runs the load generator in host 1's namespace against its proxy. */
async function load(args: readonly string[]): Promise<Result[]> {
  const r = await cni.bed.exec(host(1).host.ns, process.execPath, [loadScript, 'http://127.0.0.1:8080/', hostName, ...args], 120_000);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { results: Result[] }).results;
}

const answeredBy = (results: readonly Result[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const [, , status, body] of results) if (status === 200) out[body] = (out[body] ?? 0) + 1;
  return out;
};
const failed = (results: readonly Result[]): Result[] => results.filter(([, , status]) => status !== 200);
const routes = (): string => readFileSync(routeFile, 'utf8');

beforeAll(async () => {
  cni = await startCniCluster(3, ['--etcd-host-lease-ttl', `${leaseTtlSeconds}s`], (n, dir) => {
    if (n !== 1) return [];
    routeFile = join(dir, 'h1-routes.toml');
    return ['--proxy-enabled', '--proxy-listen', '0.0.0.0:8080', '--proxy-route-file', routeFile, '--proxy-dial-timeout', '1s'];
  });
});

afterAll(async () => {
  if (cni === undefined) return;
  for (const s of servers.values()) s.process.kill('SIGKILL');
  const left = await cni.teardown();
  expect(left).toEqual({ namespaces: [], links: [] });
});

describe('services from etcd to the proxy, in a 3-host cluster', () => {
  it('routes 200 requests for web.example.test to the servers registered on hosts 2 and 3', async () => {
    await weft(1, ['service', 'add', 'web', '--rule', `Host(\`${hostName}\`)`, '--health-path', '/healthz', '--health-interval', '500ms', '--health-timeout', '400ms', '--middleware', '{"retry":{"attempts":3}}', '--etcd-endpoints', cni.cluster.etcd.endpoint]);
    const h2 = await startServer(2, 'web-h2', 8080);
    const h3 = await startServer(3, 'web-h3', 8080);
    await weft(2, ['service', 'register', 'web', h2, '--socket', host(2).socket]);
    await weft(3, ['service', 'register', 'web', h3, '--socket', host(3).socket]);
    await eventually('both servers in the route file', async () => routes(), (text) => text.includes(h2) && text.includes(h3));
    const results = await load(['--count', '200']);
    expect(failed(results)).toEqual([]);
    const by = answeredBy(results);
    expect(Object.keys(by).sort()).toEqual(['web-h2', 'web-h3']);
    expect(by['web-h2']! + by['web-h3']!).toBe(200);
    expect(Math.min(by['web-h2']!, by['web-h3']!), JSON.stringify(by)).toBeGreaterThanOrEqual(60);
  });

  it('drops host 3\'s server once its killed daemon\'s lease expires, failing no request', async () => {
    const h3 = servers.get('web-h3')!;
    const h3Url = `http://${h3.ip}:${h3.port}`;
    expect(routes()).toContain(h3Url);
    const loader = cni.bed.exec(host(1).host.ns, process.execPath, [loadScript, 'http://127.0.0.1:8080/', hostName, '--seconds', String(leaseTtlSeconds * 3)], 120_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const killedAt = Date.now();
    host(3).daemon?.kill('SIGKILL');
    await eventually('host 3\'s server gone from the route file', async () => routes(), (text) => !text.includes(h3Url), 30_000);
    const removedAt = Date.now();
    const run = await loader;
    expect(run.code, run.stderr).toBe(0);
    const results = (JSON.parse(run.stdout) as { results: Result[] }).results;
    expect(failed(results)).toEqual([]);
    // Gone after the lease TTL, not before (the server kept answering until then).
    expect(removedAt - killedAt).toBeGreaterThanOrEqual(leaseTtlSeconds * 1000 - 500);
    expect(answeredBy(results.filter(([start]) => start < killedAt))['web-h3'] ?? 0).toBeGreaterThan(0);
    // The route file is replaced before the proxy reloads (same event-loop turn on host 1): allow 200 ms.
    const after = results.filter(([start]) => start > removedAt + 200);
    expect(after.length).toBeGreaterThan(20);
    expect(answeredBy(after)).toEqual({ 'web-h2': after.length });
    const status = await adminRequest(host(1).socket, 'GET', '/v1/status');
    const proxy = (status.body as { areas: { proxy: { status: { services: { name: string; servers: { url: string }[] }[] } } } }).areas.proxy.status;
    expect(proxy.services.find((s) => s.name === 'web')?.servers.map((s) => s.url)).toEqual([`http://${servers.get('web-h2')!.ip}:8080`]);
  });

  it('sends traffic to a new server registered on host 2', async () => {
    const h2 = servers.get('web-h2')!;
    const url = await startServer(2, 'web-h2-b', 8081, h2.container);
    await weft(2, ['service', 'register', 'web', url, '--socket', host(2).socket]);
    await eventually('the new server in the route file', async () => routes(), (text) => text.includes(url));
    const results = await load(['--count', '100']);
    expect(failed(results)).toEqual([]);
    expect(answeredBy(results)['web-h2-b'] ?? 0).toBeGreaterThanOrEqual(20);
  });

  it('keeps the service and its servers through a malformed server and a malformed config, and lists both', async () => {
    const before = routes();
    await cni.etcdctl(['put', '/weft/services/web/servers/weft-garbage', '{"url": "http://10.5.9.9:80", "weight": ']);
    await cni.etcdctl(['put', '/weft/services/web/config', '{"rule": 42}']);
    const status = await eventually('both bad keys in host 1\'s status', async () => JSON.stringify((await adminRequest(host(1).socket, 'GET', '/v1/status')).body), (text) => text.includes('/weft/services/web/servers/weft-garbage') && text.includes('/weft/services/web/config'));
    expect(status).toContain('invalid');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(routes()).toBe(before);
    const results = await load(['--count', '60']);
    expect(failed(results)).toEqual([]);
    expect(Object.keys(answeredBy(results)).sort()).toEqual(['web-h2', 'web-h2-b']);
  });
});
