// `weft proxy check FILE`: every problem of a route file (Traefik v3 file-provider TOML) with its line
// and key path, warnings included; exit 1 on an error, 0 with only warnings (as `weft config check`).
import { readFileSync } from 'node:fs';
import { loadRouteFile, routeFileLimits, type RouteProblem } from '../proxy/index.ts';
import type { Command } from './command.ts';

export const proxyCheck: Command = {
  name: 'proxy check',
  usage: 'weft proxy check FILE',
  summary: 'Validate a proxy route file; print every error and warning with its key path and line.',
  async run(args, io) {
    const file = args[0];
    if (file === undefined || args.length > 1) {
      io.err(`WEFT_E_USAGE: usage: ${this.usage}`);
      return 2;
    }
    let text: string;
    try {
      const bytes = readFileSync(file);
      if (bytes.length > routeFileLimits.bytes) throw new Error(`larger than ${routeFileLimits.bytes} bytes`);
      text = bytes.toString('utf8');
    } catch (error) {
      io.err(`WEFT_E_PROXY_ROUTES: ${file}: cannot read the route file: ${(error as Error).message}`);
      return 1;
    }
    const result = loadRouteFile(text);
    const at = (line: number | undefined): string => (line === undefined ? file : `${file}:${line}`);
    const byLine = (a: RouteProblem, b: RouteProblem): number => (a.line ?? 0) - (b.line ?? 0);
    for (const e of [...result.errors].sort(byLine)) io.err(`${at(e.line)}: ${e.path}: ${e.message}`);
    for (const w of [...result.warnings].sort(byLine)) io.err(`${at(w.line)}: ${w.path}: warning: ${w.message}`);
    if (result.errors.length > 0) return 1;
    const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
    const counts = [count(result.table?.routers.length ?? 0, 'router'), count(Object.keys(result.config?.services ?? {}).length, 'service')];
    if (result.warnings.length > 0) counts.push(count(result.warnings.length, 'warning'));
    io.out(`${file}: ok (${counts.join(', ')})`);
    return 0;
  },
};
