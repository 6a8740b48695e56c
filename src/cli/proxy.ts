// `weft proxy`: the HTTP reverse proxy on its own (the daemon's proxy area without the rest),
// foreground, JSON logs on stdout; SIGHUP re-reads the route file, SIGTERM/SIGINT drain within
// daemon.shutdown_timeout.
import { resolve } from 'node:path';
import { isWeftError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { checkRouteFile, createProxyArea } from '../proxy/index.ts';
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
    const logger = createLogger(config.log.level, undefined, { format: config.log.format });
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
    const report = checkRouteFile(file);
    for (const line of report.err) io.err(line);
    for (const line of report.out) io.out(line);
    return report.code;
  },
};
