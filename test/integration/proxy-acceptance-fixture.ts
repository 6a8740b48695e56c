// Shared parts of the proxy acceptance tests (issue 12): a real `weft proxy` process on a route file
// in a temp dir, named loopback backends that answer their name and what they received (and can be
// killed and restarted on the same port), curl through execFile, and polling helpers.
import { execFile } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../scripts/bench/proxy/setup.ts';
import { WeftProcess } from '../harness/weft-process.ts';

export { freePort };
export const execFileAsync = promisify(execFile);

/** What a backend answers: its name and the request as it arrived. */
export interface Seen {
  readonly name: string;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

export interface Backend {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  /** Requests answered, health checks (`/healthz`) apart. */
  hits: number;
  healthChecks: number;
  /** Status of `/healthz` (200 unless a test says otherwise). */
  health: number;
  /** Milliseconds to wait before answering (for upstream timeouts). */
  delayMs: number;
  /** Extra response headers. */
  responseHeaders: Record<string, string>;
  kill(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  await new Promise((resolve) => server.close(resolve).closeAllConnections());
}

export async function startBackend(name: string, port = 0): Promise<Backend> {
  let server: Server | undefined;
  const timers = new Set<NodeJS.Timeout>();
  const backend: Backend = {
    name,
    port,
    url: '',
    hits: 0,
    healthChecks: 0,
    health: 200,
    delayMs: 0,
    responseHeaders: {},
    kill: async () => {
      for (const timer of timers) clearTimeout(timer);
      if (server !== undefined) await closeServer(server);
    },
    restart: async () => {
      server = createServer((req, res) => {
        req.resume();
        if (req.url === '/healthz') {
          backend.healthChecks++;
          return void res.writeHead(backend.health).end();
        }
        backend.hits++;
        const seen: Seen = { name, method: req.method ?? '', url: req.url ?? '', headers: req.headers };
        const answer = (): void => void res.writeHead(200, { 'content-type': 'application/json', ...backend.responseHeaders }).end(JSON.stringify(seen));
        if (backend.delayMs === 0) return answer();
        const timer = setTimeout(() => (timers.delete(timer), answer()), backend.delayMs);
        timers.add(timer);
      });
      await new Promise<void>((resolve) => server?.listen(backend.port, '127.0.0.1', resolve));
      Object.assign(backend, { port: (server.address() as { port: number }).port });
      Object.assign(backend, { url: `http://127.0.0.1:${backend.port}` });
    },
  };
  await backend.restart();
  return backend;
}

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<number> {
  const begun = Date.now();
  while (!(await check())) {
    if (Date.now() - begun > timeoutMs) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - begun;
}

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The backend's JSON, when a backend answered. */
  readonly seen?: Seen | undefined;
}

/** One request through the proxy with node:http (a Host header of our choosing); status 0: no answer. */
export function send(port: number, host: string, path = '/', options: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', localAddress: options.localAddress, headers: { host, ...options.headers }, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        let seen: Seen | undefined;
        if (res.headers['content-type'] === 'application/json' && body !== '') seen = JSON.parse(body) as Seen;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, seen });
      });
    });
    req.on('timeout', () => req.destroy()).on('error', () => resolve({ status: 0, headers: {}, body: '' }));
    req.end(options.body);
  });
}

/** `curl ARGS`: stdout, and curl's exit code (0 on success). */
export async function curl(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync('curl', ['-sS', '--max-time', '10', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The name of the backend that answered a curl request, or `404` / the status otherwise. */
export async function curlLands(port: number, host: string, path: string, extra: readonly string[] = []): Promise<string> {
  const run = await curl(['-H', `Host: ${host}`, '-w', '\n%{http_code}', ...extra, `http://127.0.0.1:${port}${path}`]);
  if (run.code !== 0) return `curl exit ${run.code}: ${run.stderr}`;
  const lines = run.stdout.split('\n');
  const status = lines.pop() ?? '';
  if (status !== '200') return status;
  return (JSON.parse(lines.join('\n')) as Seen).name;
}

export interface RunningProxy {
  readonly proxy: WeftProcess;
  readonly port: number;
  readonly file: string;
  readonly dir: string;
  /** Replaces the route file by rename (as confd does) and waits for the proxy to load it. */
  rewrite(text: string): Promise<void>;
  events(name: string): Record<string, unknown>[];
  stop(): Promise<void>;
}

/** Runs `weft proxy --routes FILE --listen 127.0.0.1:PORT EXTRA...` and waits until it has loaded the file. */
export async function startWeftProxy(routes: string, extra: readonly string[] = []): Promise<RunningProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-proxy-accept-'));
  const file = join(dir, 'routes.toml');
  writeFileSync(file, routes);
  const port = await freePort();
  const proxy = new WeftProcess(['proxy', '--routes', file, '--listen', `127.0.0.1:${port}`, '--daemon-shutdown-timeout', '2s', ...extra]);
  const events = (name: string): Record<string, unknown>[] => proxy.logEvents().filter((e) => e.event === name);
  let exited = false;
  void proxy.exited.then(() => (exited = true));
  try {
    await until('weft proxy listening with its route file', () => {
      if (exited) throw new Error(`weft proxy exited: ${proxy.stderr}`);
      return events('proxy_listening').length === 1 && events('proxy_routes_loaded').length === 1;
    }, 30_000);
  } catch (error) {
    proxy.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    proxy,
    port,
    file,
    dir,
    events,
    async rewrite(text) {
      const loaded = events('proxy_routes_loaded').length;
      writeFileSync(`${file}.tmp`, text);
      renameSync(`${file}.tmp`, file);
      await until('the rewritten route file loaded', () => events('proxy_routes_loaded').length > loaded);
    },
    async stop() {
      if (!exited) {
        proxy.kill('SIGTERM');
        const timer = setTimeout(() => proxy.kill('SIGKILL'), 5000);
        await proxy.exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A `[http.services.NAME.loadBalancer]` with these servers (URL and optional weight). */
export function service(name: string, servers: readonly (string | { url: string; weight: number })[], more: readonly string[] = []): string {
  return [
    `[http.services.${name}.loadBalancer]`,
    ...more,
    ...servers.flatMap((s) => [`[[http.services.${name}.loadBalancer.servers]]`, typeof s === 'string' ? `url = "${s}"` : `url = "${s.url}"\nweight = ${s.weight}`]),
    '',
  ].join('\n');
}

/** A `[http.routers.NAME]`; `rule` is written with TOML literal quotes so backticks stay as they are. */
export function router(name: string, rule: string, serviceName: string, more: readonly string[] = []): string {
  return [`[http.routers.${name}]`, `rule = '${rule}'`, `service = "${serviceName}"`, ...more, ''].join('\n');
}
