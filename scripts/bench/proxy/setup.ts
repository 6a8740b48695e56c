// The proxy benchmark's configs and arithmetic: what each proxy is told (equivalent setups: one
// worker, keep-alive to the client and to the backend, no access log) and how wrk's report is read.
import { createServer } from 'node:net';

/** One wrk run against one proxy. */
export interface WrkFigures {
  readonly rps: number;
  readonly p99Ms: number;
  readonly requests: number;
  /** Socket errors (connect, read, write, timeout) wrk counted. */
  readonly errors: number;
  readonly non2xx: number;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// daemon off: nginx stays our child, so it is stopped by the PID we hold.
const nginxCommon = (pid: string): string => `daemon off;
worker_processes 1;
pid ${pid};
error_log stderr warn;
events { worker_connections 4096; }
`;

/** The backend: one nginx worker serving `root/index.html` (1 KiB) with keep-alive. */
export function nginxBackendConfig(port: number, root: string): string {
  return `${nginxCommon('backend.pid')}http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / { index index.html; }
  }
}
`;
}

/** nginx as the reverse proxy: an upstream keep-alive pool, HTTP/1.1 to the backend. */
export function nginxProxyConfig(port: number, backend: number): string {
  return `${nginxCommon('nginx.pid')}http {
  access_log off;
  keepalive_requests 1000000;
  upstream backend {
    server 127.0.0.1:${backend};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Real-IP $remote_addr;
    }
  }
}
`;
}

/** HAProxy: one thread, HTTP mode, keep-alive both ways, connections to the backend reused. */
export function haproxyConfig(port: number, backend: number): string {
  return `global
  nbthread 1
  maxconn 4000
defaults
  mode http
  option http-keep-alive
  option forwardfor
  http-reuse always
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend bench
  bind 127.0.0.1:${port}
  default_backend web
backend web
  server s1 127.0.0.1:${backend}
`;
}

/** weft's route file: the same Host routed to the same backend. */
export function weftRoutes(host: string, backend: number): string {
  return `[http.routers.web]
rule = "Host(\`${host}\`)"
service = "web"

[http.services.web.loadBalancer]
[[http.services.web.loadBalancer.servers]]
url = "http://127.0.0.1:${backend}"
`;
}

function millis(value: string, unit: string): number {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n;
}

/** wrk's --latency report: requests per second, p99, requests, socket errors, non-2xx/3xx answers. */
export function parseWrk(output: string): WrkFigures {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(output);
  if (rps === null || p99 === null) throw new Error(`wrk output without Requests/sec or a 99% line:\n${output}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const errors = socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0);
  return {
    rps: Number(rps[1]),
    p99Ms: millis(p99[1] ?? '', p99[2] ?? 'ms'),
    requests: Number(/(\d+) requests in/.exec(output)?.[1] ?? 0),
    errors,
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
  };
}

/** The goal the issue sets (src/proxy/README.md, "Speed"): medians of the per-round ratios to nginx. */
export function proxyGoals(ratios: readonly { pair: string; metric: string; median: number }[]): { text: string; met: boolean }[] {
  const of = (metric: string): number | undefined => ratios.find((r) => r.pair === 'weft/nginx' && r.metric === metric)?.median;
  const rps = of('rps');
  const p99 = of('p99Ms');
  const goals: { text: string; met: boolean }[] = [];
  if (rps !== undefined) goals.push({ text: `weft >= 0.6x nginx rps (${rps.toFixed(2)}x)`, met: rps >= 0.6 });
  if (p99 !== undefined) goals.push({ text: `weft p99 <= 2x nginx (${p99.toFixed(2)}x)`, met: p99 <= 2 });
  return goals;
}

/** The first line a peer binary prints for its version flag, from stdout or stderr (`nginx -v` uses stderr). */
export function versionLine(stdout: string, stderr: string): string {
  return (stdout.trim() || stderr.trim()).split('\n')[0]?.trim() ?? '';
}
