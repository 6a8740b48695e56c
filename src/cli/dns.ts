// `weft dns`: the DNS server on its own (zone from etcd, forwarder), and `weft dns add|rm|ls`, which
// register names through a running daemon's admin API.
import { adminRequest } from '../admin/client.ts';
import { takeOption, type Command, type CommandIo } from './command.ts';
import { spec } from './commands.ts';
import { loadFromArgs } from './config.ts';

/** The standalone command's short flags, as the daemon config flags they stand for. */
const shortFlags: Record<string, string> = {
  listen: 'dns-listen',
  zone: 'dns-zone',
  path: 'dns-path',
  upstream: 'dns-upstream',
  allow: 'dns-allow',
  forward: 'dns-forward',
  'no-forward': 'no-dns-forward',
};

export function translateDnsFlags(args: readonly string[]): string[] {
  return args.map((arg) => {
    const match = /^--([a-z-]+)(=.*)?$/s.exec(arg);
    const long = match?.[1] === undefined ? undefined : shortFlags[match[1]];
    return long === undefined ? arg : `--${long}${match?.[2] ?? ''}`;
  });
}

export const dnsCommand: Command = {
  ...spec('dns'),
  async run(args, io) {
    const loaded = loadFromArgs(translateDnsFlags(args), io);
    if (loaded === undefined) return 2;
    const { config } = loaded;
    // Loaded here, not at the top: `weft dns add|rm|ls` only talk to the admin socket.
    const [{ createDnsArea }, { createEtcdClient, etcdHandle }, { createLogger }] = await Promise.all([import('../dns/index.ts'), import('../etcd/index.ts'), import('../log.ts')]);
    const logger = createLogger(config.log.level, undefined, { format: config.log.format });
    const etcd = createEtcdClient(config.etcd);
    const area = createDnsArea({ config, etcd: etcdHandle(etcd), logger });
    const { promise: stopped, resolve: stop } = Promise.withResolvers<NodeJS.Signals>();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    try {
      await area.start();
      const signal = await stopped;
      logger.info({ area: 'dns', event: 'dns_stopping', signal }, 'stopping');
      return 0;
    } finally {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      await area.stop();
      etcd.close();
    }
  },
};

function socketFor(args: readonly string[], io: CommandIo): { socket: string; rest: string[] } | undefined {
  const { value, rest } = takeOption(args, 'socket');
  if (value !== undefined) return { socket: value, rest };
  const positional = rest.filter((a) => !a.startsWith('-'));
  const flags = rest.filter((a) => a.startsWith('-'));
  const loaded = loadFromArgs(flags, io);
  return loaded === undefined ? undefined : { socket: loaded.config.admin.socket, rest: positional };
}

function describeError(body: unknown, status: number): string {
  const b = body as { code?: string; error?: string } | undefined;
  return `${b?.code ?? 'WEFT_E_DNS_RECORD'}: ${b?.error ?? `the daemon answered HTTP ${status}`}`;
}

export const dnsAddCommand: Command = {
  ...spec('dns add'),
  async run(args, io) {
    const parsed = socketFor(args, io);
    if (parsed === undefined) return 2;
    const [name, ip, ...extra] = parsed.rest;
    if (name === undefined || ip === undefined || extra.length > 0) {
      io.err(`WEFT_E_USAGE: usage: ${this.usage}`);
      return 2;
    }
    const reply = await adminRequest(parsed.socket, 'POST', '/v1/dns/records', { name, ip });
    if (reply.status !== 201) {
      io.err(describeError(reply.body, reply.status));
      return 1;
    }
    const r = reply.body as { name: string; ip: string };
    io.out(`${r.name}. ${r.ip}`);
    return 0;
  },
};

export const dnsRmCommand: Command = {
  ...spec('dns rm'),
  async run(args, io) {
    const parsed = socketFor(args, io);
    if (parsed === undefined) return 2;
    const [name, ...extra] = parsed.rest;
    if (name === undefined || extra.length > 0) {
      io.err(`WEFT_E_USAGE: usage: ${this.usage}`);
      return 2;
    }
    const reply = await adminRequest(parsed.socket, 'DELETE', `/v1/dns/records/${encodeURIComponent(name)}`);
    if (reply.status !== 200) {
      io.err(describeError(reply.body, reply.status));
      return 1;
    }
    for (const r of (reply.body as { removed: { name: string; ip: string }[] }).removed) io.out(`removed ${r.name}. ${r.ip}`);
    return 0;
  },
};

export const dnsLsCommand: Command = {
  ...spec('dns ls'),
  async run(args, io) {
    const parsed = socketFor(args, io);
    if (parsed === undefined) return 2;
    const reply = await adminRequest(parsed.socket, 'GET', '/v1/dns/records');
    if (reply.status !== 200) {
      io.err(describeError(reply.body, reply.status));
      return 1;
    }
    for (const r of (reply.body as { records: { name: string; ip: string }[] }).records) io.out(`${r.name}. ${r.ip}`);
    return 0;
  },
};

export const dnsCommands: readonly Command[] = [dnsAddCommand, dnsRmCommand, dnsLsCommand, dnsCommand];
