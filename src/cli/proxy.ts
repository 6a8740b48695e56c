// `weft proxy`: the HTTP reverse proxy on its own (the daemon's proxy area without the rest),
// foreground, JSON logs on stdout; SIGHUP re-reads the route file, SIGTERM/SIGINT drain within
// daemon.shutdown_timeout.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isWeftError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { createProxyArea, loadRouteFile, routeFileLimits, type RouteProblem } from '../proxy/index.ts';
import type { Command } from './command.ts';
import { spec } from './commands.ts';
import { loadValidatedFromArgs } from './config.ts';

/** The standalone command's short flags, as the daemon config flags they stand for. */
const shortFlags: Record<string, string> = {
  routes: 'proxy-route-file',
  listen: 'proxy-listen',
  'tls-listen': 'proxy-tls-listen',
};

/** `--routes FILE` may be relative to the working directory; the area wants it absolute. */
export function translateProxyFlags(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    const long = match?.[1] === undefined ? undefined : shortFlags[match[1]];
    if (long === undefined) {
      out.push(arg);
      continue;
    }
    let value = match?.[2] ?? args[++i];
    if (value === undefined) {
      out.push(`--${long}`);
      continue;
    }
    if (long === 'proxy-route-file') value = resolve(value);
    out.push(`--${long}=${value}`);
  }
  return out;
}

export const proxyRun: Command = {
  ...spec('proxy'),
  async run(args, io) {
    // Every area's check runs (as `weft config check`), the proxy's as enabled.
    const loaded = await loadValidatedFromArgs(['--proxy-enabled', ...translateProxyFlags(args)], io);
    if (loaded === undefined) return 2;
    const config = loaded.config;
    const logger = createLogger(config.log.level);
    const area = createProxyArea({ config, logger });
    const log = logger.child({ area: 'proxy' });
    const { promise: stopped, resolve: stop } = Promise.withResolvers<NodeJS.Signals>();
    const onHup = (): void => void area.reload();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    process.on('SIGHUP', onHup);
    try {
      await area.start();
      const signal = await stopped;
      // A second signal while draining: the operator means it.
      process.once(signal, () => process.exit(1));
      log.info({ event: 'proxy_stopping', signal, drainMs: config.daemon.shutdown_timeout }, 'draining');
    } finally {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      process.off('SIGHUP', onHup);
    }
    try {
      await area.stop(new Date(Date.now() + config.daemon.shutdown_timeout));
      log.info({ event: 'proxy_stopped' }, 'stopped');
      return 0;
    } catch (error) {
      log.error({ event: 'proxy_stop_timeout', code: isWeftError(error) ? error.code : undefined, err: (error as Error).message }, 'did not drain in time');
      return 1;
    }
  },
};

// `weft proxy check FILE`: every problem of a route file (Traefik v3 file-provider TOML) with its line
// and key path, warnings included; exit 1 on an error, 0 with only warnings (as `weft config check`).
export const proxyCheck: Command = {
  ...spec('proxy check'),
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
