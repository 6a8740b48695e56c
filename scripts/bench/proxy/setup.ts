// The proxy benchmark's configs and arithmetic: what each proxy is told (equivalent setups: one
// worker, keep-alive to the client and to the backend, no access log) and how wrk's report is read.
import { createServer } from 'node:net';

export interface Round {
  readonly proxy: string;
  readonly round: number;
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
export function parseWrk(output: string): Omit<Round, 'proxy' | 'round'> {
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

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? NaN : sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

export interface Summary {
  readonly medians: Record<string, { rps: number; p99Ms: number }>;
  /** weft/nginx and weft/haproxy: ratio of medians, and round by round. */
  readonly ratios: Record<string, { rps: number; p99: number; rpsPerRound: number[]; p99PerRound: number[] }>;
}

export function summarize(results: readonly Round[], proxies: readonly string[]): Summary {
  const of = (proxy: string): Round[] => results.filter((r) => r.proxy === proxy).sort((a, b) => a.round - b.round);
  const medians = Object.fromEntries(proxies.map((p) => [p, { rps: median(of(p).map((r) => r.rps)), p99Ms: median(of(p).map((r) => r.p99Ms)) }]));
  const ratios: Summary['ratios'] = {};
  for (const other of ['nginx', 'haproxy', 'node']) {
    const mine = medians.weft;
    const theirs = medians[other];
    if (mine === undefined || theirs === undefined) continue;
    const pairs = of('weft').map((w) => [w, of(other).find((o) => o.round === w.round)] as const);
    ratios[`weft/${other}`] = {
      rps: mine.rps / theirs.rps,
      p99: mine.p99Ms / theirs.p99Ms,
      rpsPerRound: pairs.flatMap(([w, o]) => (o === undefined ? [] : [w.rps / o.rps])),
      p99PerRound: pairs.flatMap(([w, o]) => (o === undefined ? [] : [w.p99Ms / o.p99Ms])),
    };
  }
  return { medians, ratios };
}
