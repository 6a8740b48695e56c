import { adminRequest } from '../admin/client.ts';
import { isWeftError } from '../errors.ts';
import { takeOption, takeSwitch, type Command } from './command.ts';
import { spec } from './commands.ts';
import { proxyStatusLines } from './proxy-status.ts';

/** Areas whose status `weft status` prints in detail (every area's is in --json). */
const details: Readonly<Record<string, (status: unknown) => string[]>> = { proxy: proxyStatusLines };

interface StatusBody {
  version: string;
  pid: number;
  uptimeSeconds: number;
  ready: boolean;
  areas: Record<string, { ready: boolean; reason?: string; status?: unknown }>;
}

export const statusCommand: Command = {
  ...spec('status'),
  async run(args, io) {
    const json = takeSwitch(args, 'json');
    const socketOption = takeOption(json.rest, 'socket');
    let socket = socketOption.value;
    if (socket === undefined) {
      // The config loader (TOML parser, schema) only when there is no --socket: status stays light.
      const loaded = (await import('./config.ts')).loadFromArgs(socketOption.rest, io);
      if (loaded === undefined) return 1;
      socket = loaded.config.admin.socket;
    }
    try {
      const reply = await adminRequest(socket, 'GET', '/v1/status');
      if (json.on) {
        io.out(reply.text);
        return 0;
      }
      const body = reply.body as StatusBody;
      io.out(`weft ${body.version}, pid ${body.pid}, up ${body.uptimeSeconds}s: ${body.ready ? 'ready' : 'NOT READY'}`);
      for (const [name, area] of Object.entries(body.areas)) {
        io.out(`  ${area.ready ? '+' : '-'} ${name}${area.ready ? '' : `: ${area.reason ?? 'not ready'}`}`);
        for (const line of details[name]?.(area.status) ?? []) io.out(`      ${line}`);
      }
      return body.ready ? 0 : 3;
    } catch (error) {
      if (!isWeftError(error)) throw error;
      io.err(`${error.code}: ${error.message}`);
      return 1;
    }
  },
};
