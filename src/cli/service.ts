// `weft service add|rm|ls` read and write the services keyspace in etcd directly (the config is
// durable, owned by operators); `weft service register|deregister` go through the local daemon's
// admin socket, so the server key sits on that host's lease.
import type { Etcd3 } from 'etcd3';
import { adminRequest } from '../admin/client.ts';
import { createEtcdClient } from '../etcd/index.ts';
import { isWeftError } from '../errors.ts';
import { buildServices, parseServiceConfig, serviceNameProblem, type ModelService } from '../services/index.ts';
import { takeOption, takeSwitch, type Command, type CommandIo } from './command.ts';
import { spec } from './commands.ts';
import { loadFromArgs } from './config.ts';

const usage = (io: CommandIo, text: string, command: Command): 2 => (io.err(`WEFT_E_USAGE: ${text}\nusage: ${command.usage}`), 2);

/** Leading arguments up to the first flag: `weft service add NAME --rule ...`. */
function positionals(args: readonly string[]): { names: string[]; rest: string[] } {
  const at = args.findIndex((a) => a.startsWith('-'));
  return at < 0 ? { names: [...args], rest: [] } : { names: args.slice(0, at), rest: args.slice(at) };
}

/** Every value of a repeatable `--name VALUE` / `--name=VALUE`. */
function takeAll(args: readonly string[], name: string): { values: string[]; rest: string[] } {
  const values: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === `--${name}`) values.push(args[++i] ?? '');
    else if (arg.startsWith(`--${name}=`)) values.push(arg.slice(name.length + 3));
    else rest.push(arg);
  }
  return { values, rest };
}

/** `--pass-host-header[=true|false]`, `--no-pass-host-header`: true, false, undefined, or 'bad'. */
function takeBool(args: readonly string[], name: string): { value: boolean | undefined | 'bad'; rest: string[] } {
  let value: boolean | undefined | 'bad';
  const rest = args.filter((arg) => {
    if (arg === `--${name}`) value = true;
    else if (arg === `--no-${name}`) value = false;
    else if (arg.startsWith(`--${name}=`)) value = arg.endsWith('=true') ? true : arg.endsWith('=false') ? false : 'bad';
    else return true;
    return false;
  });
  return { value, rest };
}

async function withServicesEtcd(args: readonly string[], io: CommandIo, body: (client: Etcd3, prefix: string, loaded: { socket: string }) => Promise<number>): Promise<number> {
  const loaded = loadFromArgs(args, io);
  if (loaded === undefined) return 2;
  let client: Etcd3 | undefined;
  try {
    client = createEtcdClient(loaded.config.etcd);
    return await body(client, loaded.config.services.prefix, { socket: loaded.config.admin.socket });
  } catch (error) {
    if (isWeftError(error)) io.err(`${error.code}: ${error.message}`);
    else io.err(`WEFT_E_ETCD_UNAVAILABLE: etcd at ${loaded.config.etcd.endpoints.join(', ')} failed: ${(error as Error).message}`);
    return 1;
  } finally {
    client?.close();
  }
}

/** The config value `weft service add` writes, or a usage problem. */
export function serviceConfigFromFlags(args: readonly string[]): { text: string; rest: string[] } | { problem: string; code: 'WEFT_E_USAGE' | 'WEFT_E_SERVICE_VALUE' } {
  const rule = takeOption(args, 'rule');
  const priority = takeOption(rule.rest, 'priority');
  const path = takeOption(priority.rest, 'health-path');
  const interval = takeOption(path.rest, 'health-interval');
  const timeout = takeOption(interval.rest, 'health-timeout');
  const pass = takeBool(timeout.rest, 'pass-host-header');
  const middlewares = takeAll(pass.rest, 'middleware');
  const usageProblem = (problem: string) => ({ problem, code: 'WEFT_E_USAGE' as const });
  if (rule.value === undefined) return usageProblem('--rule is required, e.g. --rule \'Host(`web.example.test`)\'');
  if (priority.value !== undefined && !/^\d+$/.test(priority.value)) return usageProblem(`--priority needs a whole number, got ${JSON.stringify(priority.value)}`);
  if (pass.value === 'bad') return usageProblem('--pass-host-header takes =true or =false');
  if (path.value === undefined && (interval.value !== undefined || timeout.value !== undefined)) return usageProblem('--health-interval and --health-timeout need --health-path');
  const parsedMiddlewares: unknown[] = [];
  for (const text of middlewares.values) {
    try {
      parsedMiddlewares.push(JSON.parse(text));
    } catch {
      return usageProblem(`--middleware needs JSON such as '{"retry":{"attempts":3}}', got ${JSON.stringify(text)}`);
    }
  }
  const body = {
    rule: rule.value,
    ...(priority.value === undefined ? {} : { priority: Number(priority.value) }),
    ...(path.value === undefined ? {} : { healthCheck: { path: path.value, ...(interval.value === undefined ? {} : { interval: interval.value }), ...(timeout.value === undefined ? {} : { timeout: timeout.value }) } }),
    ...(parsedMiddlewares.length === 0 ? {} : { middlewares: parsedMiddlewares }),
    ...(pass.value === undefined ? {} : { passHostHeader: pass.value }),
  };
  const text = JSON.stringify(body);
  const parsed = parseServiceConfig(text);
  return parsed.ok ? { text, rest: middlewares.rest } : { problem: parsed.reason, code: 'WEFT_E_SERVICE_VALUE' };
}

/** The one service NAME a command starts with, checked; or the exit status of a usage error. */
function serviceName(args: readonly string[], io: CommandIo, command: Command): { name: string; rest: string[] } | number {
  const { names, rest } = positionals(args);
  const [name, ...extra] = names;
  if (name === undefined || extra.length > 0) return usage(io, 'one service NAME first', command);
  const nameProblem = serviceNameProblem(name);
  if (nameProblem !== undefined) return (io.err(`WEFT_E_SERVICE_VALUE: ${nameProblem}`), 2);
  return { name, rest };
}

export const serviceAdd: Command = {
  ...spec('service add'),
  async run(args, io) {
    const named = serviceName(args, io, this);
    if (typeof named === 'number') return named;
    const { name, rest } = named;
    const config = serviceConfigFromFlags(rest);
    if ('problem' in config) return config.code === 'WEFT_E_USAGE' ? usage(io, config.problem, this) : (io.err(`WEFT_E_SERVICE_VALUE: ${config.problem}`), 2);
    return withServicesEtcd(config.rest, io, async (client, prefix) => {
      const key = `${prefix}/${name}/config`;
      // etcd3 answers an object either way; only a previous value carries a key.
      const before = (await client.put(key).value(config.text).getPrevious()) as { key?: unknown };
      io.out(`${before.key === undefined ? 'added' : 'updated'} ${key}: ${config.text}`);
      return 0;
    });
  },
};

export const serviceRm: Command = {
  ...spec('service rm'),
  async run(args, io) {
    const named = serviceName(args, io, this);
    if (typeof named === 'number') return named;
    const { name, rest } = named;
    return withServicesEtcd(rest, io, async (client, prefix) => {
      const removed = await client.delete().prefix(`${prefix}/${name}/`).getPrevious();
      if (removed.length === 0) {
        io.err(`WEFT_E_SERVICE_NOT_FOUND: nothing under ${prefix}/${name}/; 'weft service ls' lists the services`);
        return 1;
      }
      for (const key of removed.map((kv) => kv.key.toString()).sort()) io.out(`removed ${key}`);
      return 0;
    });
  },
};

interface ProxyServer { url?: string; up?: boolean; reason?: string }
interface ProxyService { name?: string; servers?: ProxyServer[] }

/** What the local proxy says of each service's servers, or undefined when the daemon is not there. */
async function proxyHealth(socket: string): Promise<ProxyService[] | undefined> {
  try {
    const reply = await adminRequest(socket, 'GET', '/v1/status', undefined, 2000);
    const services = (reply.body as { areas?: { proxy?: { status?: { services?: unknown } } } }).areas?.proxy?.status?.services;
    return Array.isArray(services) ? (services as ProxyService[]) : undefined;
  } catch {
    return undefined;
  }
}

function healthOf(proxy: ProxyService[] | undefined, service: string, url: string): string {
  const server = proxy?.find((s) => s.name === service)?.servers?.find((s) => s.url === url);
  if (server?.up === undefined) return 'unknown';
  return server.up ? 'up' : `down${server.reason === undefined ? '' : ` (${server.reason})`}`;
}

export function formatServices(services: readonly ModelService[], health: (service: string, url: string) => string): string[] {
  const lines: string[] = [];
  for (const s of services) {
    lines.push(s.config === undefined ? `${s.name}  (no valid config: not routed)` : `${s.name}  ${s.config.rule}  priority ${s.config.priority}`);
    for (const server of s.servers) lines.push(`  ${server.id}  ${server.url}  weight ${server.weight}  ${health(s.name, server.url)}`);
  }
  return lines;
}

export const serviceLs: Command = {
  ...spec('service ls'),
  async run(args, io) {
    const json = takeSwitch(args, 'json');
    const socket = takeOption(json.rest, 'socket');
    if (positionals(socket.rest).names.length > 0) return usage(io, 'no arguments besides flags', this);
    return withServicesEtcd(socket.rest, io, async (client, prefix, loaded) => {
      const entries = Object.entries(await client.getAll().prefix(`${prefix}/`).strings());
      const model = buildServices(entries, prefix);
      const proxy = await proxyHealth(socket.value ?? loaded.socket);
      const health = (service: string, url: string): string => healthOf(proxy, service, url);
      if (json.on) {
        const services = model.services.map((s) => ({ ...s, servers: s.servers.map((server) => ({ ...server, health: health(s.name, server.url) })) }));
        io.out(JSON.stringify({ prefix, services, invalid: model.invalid }, null, 2));
        return 0;
      }
      if (model.services.length === 0) io.out(`no services under ${prefix}/`);
      for (const line of formatServices(model.services, health)) io.out(line);
      if (model.invalid.length > 0) io.out('invalid (skipped):');
      for (const bad of model.invalid) io.out(`  ${bad.key}: ${bad.reason}`);
      return 0;
    });
  },
};

function socketFor(args: readonly string[], io: CommandIo): string | undefined {
  const { value, rest } = takeOption(args, 'socket');
  return value ?? loadFromArgs(rest, io)?.config.admin.socket;
}

async function admin(io: CommandIo, socket: string, method: string, path: string, expect: number, body?: unknown): Promise<Record<string, unknown> | undefined> {
  try {
    const reply = await adminRequest(socket, method, path, body);
    if (reply.status === expect) return reply.body as Record<string, unknown>;
    const b = reply.body as { code?: string; error?: string } | undefined;
    io.err(`${b?.code ?? 'WEFT_E_SERVICE_VALUE'}: ${b?.error ?? `the daemon answered HTTP ${reply.status}`}`);
  } catch (error) {
    if (!isWeftError(error)) throw error;
    io.err(`${error.code}: ${error.message}`);
  }
  return undefined;
}

export const serviceRegister: Command = {
  ...spec('service register'),
  async run(args, io) {
    const { names, rest } = positionals(args);
    const [name, url, ...extra] = names;
    if (name === undefined || url === undefined || extra.length > 0) return usage(io, 'a service NAME and a server URL first', this);
    const weight = takeOption(rest, 'weight');
    const id = takeOption(weight.rest, 'id');
    if (weight.value !== undefined && !/^\d+$/.test(weight.value)) return usage(io, `--weight needs a whole number, got ${JSON.stringify(weight.value)}`, this);
    const socket = socketFor(id.rest, io);
    if (socket === undefined) return 2;
    const body = { url, ...(weight.value === undefined ? {} : { weight: Number(weight.value) }), ...(id.value === undefined ? {} : { id: id.value }) };
    const reply = await admin(io, socket, 'POST', `/v1/services/${encodeURIComponent(name)}/servers`, 201, body);
    if (reply === undefined) return 1;
    io.out(`registered ${String(reply.key)} ${String(reply.url)} weight ${String(reply.weight)}`);
    return 0;
  },
};

export const serviceDeregister: Command = {
  ...spec('service deregister'),
  async run(args, io) {
    const { names, rest } = positionals(args);
    const [name, id, ...extra] = names;
    if (name === undefined || id === undefined || extra.length > 0) return usage(io, 'a service NAME and a server ID first', this);
    const socket = socketFor(rest, io);
    if (socket === undefined) return 2;
    const reply = await admin(io, socket, 'DELETE', `/v1/services/${encodeURIComponent(name)}/servers/${encodeURIComponent(id)}`, 200);
    if (reply === undefined) return 1;
    io.out(`removed ${String(reply.removed)}`);
    return 0;
  },
};
