// The route layer (pure): route file text -> RouteConfig -> RouteTable, and the rule matchers.
import type { RouteConfig, RouteProblem, RouteTable } from '../types.ts';
import { parseRouteFile } from './parse.ts';
import { compileRouteTable } from './table.ts';

export { parseRouteFile, routeFileLimits } from './parse.ts';
export { compileRouteTable } from './table.ts';
export { compileRule, defaultPriority, RuleError } from './rule.ts';
export { routingPath } from './request.ts';
export type { ParseResult, RouteConfig, RouteProblem, RouteTable } from '../types.ts';

export interface RouteFileCheck {
  /** Present only when the file has no error: what a reload swaps in. */
  readonly table?: RouteTable;
  readonly config?: RouteConfig;
  readonly errors: readonly RouteProblem[];
  readonly warnings: readonly RouteProblem[];
}

/** Parse, then compile: every problem of a route file, with lines (what `weft proxy check` and a reload run). */
export function loadRouteFile(text: string): RouteFileCheck {
  const parsed = parseRouteFile(text);
  if (parsed.config === undefined) return { errors: parsed.errors, warnings: parsed.warnings };
  const compiled = compileRouteTable(parsed.config, text);
  if (compiled.table === undefined) return { config: parsed.config, errors: compiled.errors, warnings: parsed.warnings };
  return { table: compiled.table, config: parsed.config, errors: [], warnings: parsed.warnings };
}
