// The route layer (pure): route file text -> RouteConfig -> RouteTable, and the rule matchers.
import type { RouteConfig, RouteProblem, RouteTable } from '../types.ts';
import { readRouteFile } from './parse.ts';
import { maxProblems } from './reader.ts';
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
  const parsed = readRouteFile(text);
  if (parsed.errors.length > 0) {
    // The references of what did parse are checked too, so one run lists every problem (bounded).
    const room = maxProblems - parsed.errors.length - parsed.warnings.length;
    const references = room > 0 ? compileRouteTable(parsed.partial, text, parsed.invalid).errors.slice(0, room) : [];
    return { errors: [...parsed.errors, ...references], warnings: parsed.warnings };
  }
  const compiled = compileRouteTable(parsed.partial, text);
  if (compiled.table === undefined) return { config: parsed.partial, errors: compiled.errors, warnings: parsed.warnings };
  return { table: compiled.table, config: parsed.partial, errors: [], warnings: parsed.warnings };
}
