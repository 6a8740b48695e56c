// The measuring loop of `npm run bench -- proxy-routes`, run as its own process (pinned by the
// bench to coresFor.subject): compiles the route tables once, prints the case list as one JSON line,
// then for every line read on stdin runs each case for BUDGET_MS and prints {case: ns per route()}.
// The process lives for the whole bench, so every round after the warm-up meets JIT-compiled code.
// usage: node scripts/bench/proxy/routes-loop.ts BUDGET_MS
import { createInterface } from 'node:readline';
import { compileRouteTable } from '../../../src/proxy/index.ts';
import type { RequestFacts, RouteConfig, RouterSpec, RouteTable } from '../../../src/proxy/types.ts';

const budgetMs = Number(process.argv[2] ?? 250);

function table(count: number, rule: (i: number) => string): RouteTable {
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

// Route files as weft's template renders them (Host && PathPrefix: host-indexed) and rules the index
// cannot help (PathPrefix only, HostRegexp), matching the last router or none (the worst cases).
const shapes: [string, string, (i: number) => string, (count: number) => RequestFacts][] = [
  ['host-last', 'Host && PathPrefix, last router', (i) => `Host(\`svc${i}.example.test\`) && PathPrefix(\`/\`)`, (n) => request(`svc${n - 1}.example.test`, '/index.html')],
  ['host-none', 'Host && PathPrefix, no match', (i) => `Host(\`svc${i}.example.test\`) && PathPrefix(\`/\`)`, () => request('unknown.example.test', '/index.html')],
  ['path-last', 'PathPrefix only, last router', (i) => `PathPrefix(\`/svc${i}/\`)`, (n) => request('web.example.test', `/svc${n - 1}/index.html`)],
  ['regexp-last', 'HostRegexp, last router', (i) => `HostRegexp(\`^svc${i}\\.example\\.test$\`)`, (n) => request(`svc${n - 1}.example.test`, '/')],
];

interface Case {
  readonly name: string;
  readonly label: string;
  readonly routes: RouteTable;
  readonly facts: RequestFacts;
}
const cases: Case[] = shapes.flatMap(([key, label, rule, facts]) =>
  [10, 1000].map((count) => ({ name: `${key}-${count}`, label: `${label}, ${count} routers`, routes: table(count, rule), facts: facts(count) })),
);

let matched = 0;
/** Runs route() in chunks until the budget is spent: ns per call (the first chunk calibrates, untimed). */
function nsPerRoute({ routes, facts }: Case): number {
  let chunk = 1;
  for (let start = performance.now(); performance.now() - start < 2 && chunk < 1 << 20; chunk *= 2) {
    for (let i = 0; i < chunk; i++) if (routes.route(facts, false) !== undefined) matched++;
  }
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    for (let i = 0; i < chunk; i++) if (routes.route(facts, false) !== undefined) matched++;
    calls += chunk;
    elapsed = performance.now() - start;
  }
  return (elapsed * 1e6) / calls;
}

process.stdout.write(`${JSON.stringify({ cases: cases.map(({ name, label }) => ({ name, label })) })}\n`);
// Each line on stdin asks for one round; its text does not matter.
createInterface({ input: process.stdin }).on('line', () => {
  const figures = Object.fromEntries(cases.map((c) => [c.name, nsPerRoute(c)]));
  process.stdout.write(`${JSON.stringify({ figures, matched })}\n`);
});
