// `weft proxy check FILE`: the route file's every error and warning with its key path and line. One
// implementation for the CLI and the daemon, which runs it in-process as the check_cmd of the
// services resource (starting a process per render would cost more than the render).
import { readFileSync } from 'node:fs';
import { loadRouteFile, routeFileLimits, type RouteProblem } from './routes/index.ts';

export interface RouteFileReport {
  /** 0 ok, 1 errors (or unreadable). */
  readonly code: 0 | 1;
  /** The summary line, when ok. */
  readonly out: readonly string[];
  /** Errors and warnings, in line order. */
  readonly err: readonly string[];
}

export function checkRouteFile(file: string): RouteFileReport {
  let text: string;
  try {
    const bytes = readFileSync(file);
    if (bytes.length > routeFileLimits.bytes) throw new Error(`larger than ${routeFileLimits.bytes} bytes`);
    text = bytes.toString('utf8');
  } catch (error) {
    return { code: 1, out: [], err: [`WEFT_E_PROXY_ROUTES: ${file}: cannot read the route file: ${(error as Error).message}`] };
  }
  const result = loadRouteFile(text);
  const at = (line: number | undefined): string => (line === undefined ? file : `${file}:${line}`);
  const byLine = (a: RouteProblem, b: RouteProblem): number => (a.line ?? 0) - (b.line ?? 0);
  const err = [
    ...[...result.errors].sort(byLine).map((e) => `${at(e.line)}: ${e.path}: ${e.message}`),
    ...[...result.warnings].sort(byLine).map((w) => `${at(w.line)}: ${w.path}: warning: ${w.message}`),
  ];
  if (result.errors.length > 0) return { code: 1, out: [], err };
  const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
  const counts = [count(result.table?.routers.length ?? 0, 'router'), count(Object.keys(result.config?.services ?? {}).length, 'service')];
  if (result.warnings.length > 0) counts.push(count(result.warnings.length, 'warning'));
  return { code: 0, out: [`${file}: ok (${counts.join(', ')})`], err };
}
