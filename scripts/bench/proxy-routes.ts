// `npm run bench -- proxy-routes [matches]`: ns per route() for 10 and 1000 routers, for route files
// as weft's template renders them (Host && PathPrefix: host-indexed) and for rules the index cannot
// help (PathPrefix only, HostRegexp), matching the last router or none (the worst cases).
import { performance } from 'node:perf_hooks';
import { compileRouteTable } from '../../src/proxy/index.ts';
import type { RequestFacts, RouteConfig, RouterSpec } from '../../src/proxy/types.ts';

const matches = Number(process.argv[2] ?? 200_000);

function table(count: number, rule: (i: number) => string): ReturnType<typeof compileRouteTable>['table'] {
  const routers: Record<string, RouterSpec> = {};
  for (let i = 0; i < count; i++) {
    const text = rule(i);
    routers[`r${i}`] = { name: `r${i}`, rule: text, service: 's', priority: text.length, middlewares: [], tls: false };
  }
  const config: RouteConfig = { routers, services: { s: { kind: 'loadBalancer', servers: [{ url: 'http://10.0.0.1:80', weight: 1 }], passHostHeader: true } }, middlewares: {}, certificates: [] };
  const { table: compiled, errors } = compileRouteTable(config);
  if (compiled === undefined) throw new Error(JSON.stringify(errors.slice(0, 3)));
  return compiled;
}

const request = (host: string, path: string): RequestFacts => ({ host, method: 'GET', path, rawQuery: 'a=1', headers: { 'user-agent': 'bench' }, clientIP: '10.0.0.9' });

function nsPerMatch(routes: NonNullable<ReturnType<typeof table>>, facts: RequestFacts): number {
  for (let i = 0; i < 10_000; i++) routes.route(facts, false);
  const start = performance.now();
  for (let i = 0; i < matches; i++) routes.route(facts, false);
  return ((performance.now() - start) * 1e6) / matches;
}

const shapes: [string, (i: number) => string, (count: number) => RequestFacts][] = [
  ['Host && PathPrefix, last router', (i) => `Host(\`svc${i}.example.test\`) && PathPrefix(\`/\`)`, (n) => request(`svc${n - 1}.example.test`, '/index.html')],
  ['Host && PathPrefix, no match', (i) => `Host(\`svc${i}.example.test\`) && PathPrefix(\`/\`)`, () => request('unknown.example.test', '/index.html')],
  ['PathPrefix only, last router', (i) => `PathPrefix(\`/svc${i}/\`)`, (n) => request('web.example.test', `/svc${n - 1}/index.html`)],
  ['HostRegexp, last router', (i) => `HostRegexp(\`^svc${i}\\.example\\.test$\`)`, (n) => request(`svc${n - 1}.example.test`, '/')],
];

process.stdout.write(`proxy route matching: ${matches} matches per figure, node ${process.version}\n`);
for (const [name, rule, facts] of shapes) {
  for (const count of [10, 1000]) {
    const routes = table(count, rule);
    if (routes === undefined) continue;
    const iterations = name.startsWith('HostRegexp') && count === 1000 ? Math.max(1, Math.floor(matches / 100)) : matches;
    const saved = matches;
    const ns = iterations === saved ? nsPerMatch(routes, facts(count)) : nsPerFew(routes, facts(count), iterations);
    process.stdout.write(`${name.padEnd(34)} ${String(count).padStart(5)} routers  ${ns.toFixed(0).padStart(9)} ns/match\n`);
  }
}

function nsPerFew(routes: NonNullable<ReturnType<typeof table>>, facts: RequestFacts, n: number): number {
  routes.route(facts, false);
  const start = performance.now();
  for (let i = 0; i < n; i++) routes.route(facts, false);
  return ((performance.now() - start) * 1e6) / n;
}
