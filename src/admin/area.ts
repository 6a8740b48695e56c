// The admin API as an area: first to start (so /readyz can say "starting"), last to stop.
import { isAbsolute } from 'node:path';
import { onceStop, type Area } from '../area.ts';
import { problem, type Config, type Problem } from '../config/index.ts';
import type { Logger } from '../log.ts';
import { AdminServer, type AdminHooks } from './server.ts';

export interface AdminArea extends Area {
  readonly server: AdminServer;
}

/** `ADDRESS:PORT`, `[IPv6]:PORT` or `:PORT`: what the TCP listener accepts. */
function listenProblem(text: string): string | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]*):(\d{1,5})$/.exec(text);
  return match === null || Number(match[2]) > 65535 ? `"${text}" is not an ADDRESS:PORT listen address (e.g. 127.0.0.1:9180)` : undefined;
}

export function validateAdmin(config: Pick<Config, 'admin'>): Problem[] {
  const a = config.admin;
  const problems: Problem[] = [];
  if (a.socket !== '' && !isAbsolute(a.socket)) problems.push(problem('admin.socket', `"${a.socket}" must be an absolute path (or "" for no socket)`));
  const badListen = a.listen === '' ? undefined : listenProblem(a.listen);
  if (badListen !== undefined) problems.push(problem('admin.listen', badListen));
  if (a.socket === '' && a.listen === '') problems.push(problem('admin.socket', 'with neither admin.socket nor admin.listen there is no way to reach the daemon (status, readiness, weft-cni)'));
  return problems;
}

export function createAdminArea(deps: { config: Pick<Config, 'admin'>; logger: Logger; hooks: AdminHooks }): AdminArea {
  const a = deps.config.admin;
  const server = new AdminServer(
    { socket: a.socket, socketMode: a.socket_mode, listen: a.listen, maxConnections: a.max_connections, headersTimeoutMs: a.headers_timeout, requestTimeoutMs: a.request_timeout, logger: deps.logger.child({ area: 'admin' }) },
    deps.hooks,
  );
  let listening = false;
  return {
    name: 'admin',
    server,
    async start() {
      await server.start();
      listening = true;
    },
    stop: onceStop('admin', async () => {
      listening = false;
      await server.stop();
    }),
    ready: () => listening,
  };
}
