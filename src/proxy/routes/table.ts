// RouteConfig -> RouteTable: references resolved, rules compiled, routers in Traefik's order
// (priority descending; ties, which Traefik leaves to map order, by name). Routers whose rule
// needs a literal Host are indexed by host, so a request only tries those of its host plus the rest.
import type { CompiledRouter, MiddlewareSpec, RequestFacts, RouteConfig, RouteProblem, RouteTable } from '../types.ts';
import { indexLines, lineOf, type LineIndex } from './locate.ts';
import { compileRule, hostKey, MatchContext, RuleError, type Matcher } from './rule.ts';

interface Entry {
  readonly router: CompiledRouter;
  readonly match: Matcher;
  readonly hosts: ReadonlySet<string> | undefined;
}

/** Routers of one kind (TLS or plain) in match order, with the host index. */
class Lane {
  readonly #entries: readonly Entry[];
  readonly #byHost = new Map<string, number[]>();
  readonly #anyHost: number[] = [];

  constructor(entries: readonly Entry[]) {
    this.#entries = entries;
    entries.forEach((entry, i) => {
      if (entry.hosts === undefined) this.#anyHost.push(i);
      else
        for (const host of entry.hosts) {
          const list = this.#byHost.get(host);
          if (list === undefined) this.#byHost.set(host, [i]);
          else list.push(i);
        }
    });
  }

  route(request: MatchContext): CompiledRouter | undefined {
    const hosted = this.#byHost.get(hostKey(request.host)) ?? [];
    const any = this.#anyHost;
    // Both lists ascend in match order: walk them together.
    for (let h = 0, a = 0; h < hosted.length || a < any.length; ) {
      const next = a >= any.length || (h < hosted.length && (hosted[h] as number) < (any[a] as number)) ? (hosted[h++] as number) : (any[a++] as number);
      const entry = this.#entries[next] as Entry;
      if (entry.match(request)) return entry.router;
    }
    return undefined;
  }
}

const routerPath = (name: string, key?: string): string[] => ['http', 'routers', name, ...(key === undefined ? [] : [key])];

/** Names the file declares but that were left out for an error of their own (not "missing"). */
export interface InvalidNames {
  readonly services: ReadonlySet<string>;
  readonly middlewares: ReadonlySet<string>;
}

const none: InvalidNames = { services: new Set(), middlewares: new Set() };

/**
 * Compiles a parsed route file into a table, or returns every error (unknown service or
 * middleware, weighted-service cycles, rules that do not compile). With the file's text the
 * errors carry lines. `invalid` names (of a partly valid file) fail their references silently.
 */
export function compileRouteTable(config: RouteConfig, text?: string, invalid: InvalidNames = none): { table?: RouteTable; errors: RouteProblem[] } {
  const lines: LineIndex | undefined = text === undefined ? undefined : indexLines(text);
  const errors: RouteProblem[] = [];
  const fail = (segments: readonly (string | number)[], message: string): void => {
    const line = lines === undefined ? undefined : lineOf(lines, segments);
    errors.push({ path: segments.join('.'), message, ...(line === undefined ? {} : { line }) });
  };
  const has = <T>(record: Readonly<Record<string, T>>, name: string): boolean => Object.hasOwn(record, name);
  checkWeighted(config, has, fail, invalid.services);
  const entries: Entry[] = [];
  for (const name of Object.keys(config.routers).sort()) {
    const spec = config.routers[name];
    if (spec === undefined) continue;
    let ok = true;
    if (!has(config.services, spec.service)) {
      if (!invalid.services.has(spec.service)) fail(routerPath(name, 'service'), `service "${spec.service}" does not exist (or is of a type weft does not support)`);
      ok = false;
    }
    const middlewares: MiddlewareSpec[] = [];
    spec.middlewares.forEach((m, i) => {
      const middleware = has(config.middlewares, m) ? config.middlewares[m] : undefined;
      if (middleware !== undefined) middlewares.push(middleware);
      else {
        if (!invalid.middlewares.has(m)) fail([...routerPath(name, 'middlewares'), i], `middleware "${m}" does not exist (or is of a type weft does not support)`);
        ok = false;
      }
    });
    let compiled: ReturnType<typeof compileRule> | undefined;
    try {
      compiled = compileRule(spec.rule);
    } catch (error) {
      if (!(error instanceof RuleError)) throw error;
      fail(routerPath(name, 'rule'), error.message);
      ok = false;
    }
    if (!ok || compiled === undefined) continue;
    const match = compiled.match;
    const router: CompiledRouter = {
      name,
      priority: spec.priority,
      service: spec.service,
      middlewares,
      tls: spec.tls,
      matches: (request: RequestFacts) => match(new MatchContext(request)),
    };
    entries.push({ router, match, hosts: compiled.hosts });
  }
  if (errors.length > 0) return { errors };
  // Stable sort: equal priorities keep the name order above.
  entries.sort((a, b) => b.router.priority - a.router.priority);
  const plain = new Lane(entries.filter((e) => !e.router.tls));
  const secure = new Lane(entries.filter((e) => e.router.tls));
  const table: RouteTable = {
    config,
    routers: entries.map((e) => e.router),
    route: (request, tls) => (tls ? secure : plain).route(new MatchContext(request)),
  };
  return { table, errors };
}

// Every weighted service names existing services, and no chain of them leads back to itself.
function checkWeighted(config: RouteConfig, has: <T>(record: Readonly<Record<string, T>>, name: string) => boolean, fail: (segments: readonly (string | number)[], message: string) => void, invalid: ReadonlySet<string>): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: readonly string[]): void => {
    const service = config.services[name];
    if (state.get(name) === 'done' || service?.kind !== 'weighted') return;
    state.set(name, 'visiting');
    service.services.forEach((child, i) => {
      const at = ['http', 'services', name, 'weighted', 'services', i, 'name'];
      if (!has(config.services, child.name)) {
        if (!invalid.has(child.name)) fail(at, `service "${child.name}" does not exist (or is of a type weft does not support)`);
      }
      else if (state.get(child.name) === 'visiting') fail(at, `weighted services form a cycle: ${[...trail, name, child.name].join(' -> ')}`);
      else visit(child.name, [...trail, name]);
    });
    state.set(name, 'done');
  };
  for (const name of Object.keys(config.services).sort()) visit(name, []);
}
