// The table of `weft` subcommands: names, usages and summaries are static here, so `weft --help`,
// `weft <cmd> --help` and usage errors load no command code; each command's module (and with it
// etcd, gRPC, prom-client or pino) is imported only when that command runs. A new command is one
// entry here (its module spreads `spec('name')` into its Command, so the text lives only here).
import { weftVersion } from '../version.ts';
import type { Command, CommandEntry, CommandSpec } from './command.ts';

export const commands: readonly CommandEntry[] = [
  { name: 'daemon', usage: 'weft daemon [--config FILE] [--version] [flanneld\'s flags: --etcd-endpoints URL[,URL] --etcd-prefix P --iface NAME|IP --iface-regex RE --iface-can-reach IP --public-ip IP --subnet-file PATH --ip-masq --healthz-port N ...] [flags from `weft config flags`]', summary: 'Run the host daemon: the areas enabled in the config, the admin API, systemd notify.', load: async () => (await import('./daemon.ts')).daemonCommand },
  { name: 'status', usage: 'weft status [--json] [--socket PATH | --config FILE]', summary: "Ask the running daemon for its state over the admin socket.", load: async () => (await import('./status.ts')).statusCommand },
  { name: 'network init', usage: 'weft network init --network CIDR [--subnet-len N] [--ipv6-network CIDR [--ipv6-subnet-len N]] [--no-ipv4] [--backend vxlan] [--vni N] [--force] [--etcd-endpoints URL] [--etcd-prefix P]', summary: 'Write the flannel network config to <prefix>/config (create-only unless --force).', load: async () => (await import('./network.ts')).networkInit },
  { name: 'network show', usage: 'weft network show [--json] [--etcd-endpoints URL] [--etcd-prefix P]', summary: 'Print the network config at <prefix>/config and the values it resolves to (flannel defaults filled in).', load: async () => (await import('./network.ts')).networkShow },
  { name: 'lease ls', usage: 'weft lease ls [--json] [--etcd-endpoints URL] [--etcd-prefix P]', summary: 'List the subnet leases under <prefix>/subnets/ (subnet, public IP, backend, VTEP MAC, expires in).', load: async () => (await import('./lease.ts')).leaseLs },
  { name: 'dns add', usage: 'weft dns add NAME IP [--socket PATH | --config FILE]', summary: "Register NAME → IP (A/AAAA and PTR) in etcd, attached to this host's lease.", load: async () => (await import('./dns.ts')).dnsAddCommand },
  { name: 'dns rm', usage: 'weft dns rm NAME [--socket PATH | --config FILE]', summary: 'Remove the names this host registered for NAME.', load: async () => (await import('./dns.ts')).dnsRmCommand },
  { name: 'dns ls', usage: 'weft dns ls [--socket PATH | --config FILE]', summary: 'List the names this host registered.', load: async () => (await import('./dns.ts')).dnsLsCommand },
  { name: 'dns', usage: 'weft dns [--config FILE] [--etcd-endpoints URL] [--listen ADDR:PORT]... [--zone ZONE]... [--path /skydns] [--upstream ADDR]... [--no-forward] [--allow CIDR]...', summary: 'Serve DNS from etcd (SkyDNS layout) and forward other names, without the rest of the daemon.', load: async () => (await import('./dns.ts')).dnsCommand },
  { name: 'service add', usage: 'weft service add NAME --rule RULE [--priority N] [--health-path P] [--health-interval D] [--health-timeout D] [--pass-host-header=false] [--middleware JSON]... [--config FILE] [--etcd-endpoints URL] [--services-prefix P]', summary: 'Write (or replace) the service config at <prefix>/NAME/config in etcd.', load: async () => (await import('./service.ts')).serviceAdd },
  { name: 'service rm', usage: 'weft service rm NAME [--config FILE] [--etcd-endpoints URL] [--services-prefix P]', summary: 'Delete everything under <prefix>/NAME/ (config and servers).', load: async () => (await import('./service.ts')).serviceRm },
  { name: 'service ls', usage: 'weft service ls [--json] [--socket PATH] [--config FILE] [--etcd-endpoints URL] [--services-prefix P]', summary: 'List the services in etcd with their servers, the health the local proxy sees, and invalid keys.', load: async () => (await import('./service.ts')).serviceLs },
  { name: 'service register', usage: 'weft service register NAME URL [--weight N] [--id ID] [--socket PATH | --config FILE]', summary: "Register a server of NAME through the daemon, under this host's etcd lease.", load: async () => (await import('./service.ts')).serviceRegister },
  { name: 'service deregister', usage: 'weft service deregister NAME ID [--socket PATH | --config FILE]', summary: 'Remove a server this host registered.', load: async () => (await import('./service.ts')).serviceDeregister },
  { name: 'proxy check', usage: 'weft proxy check FILE', summary: 'Validate a proxy route file; print every error and warning with its key path and line.', load: async () => (await import('./proxy.ts')).proxyCheck },
  { name: 'proxy', usage: 'weft proxy --routes FILE --listen ADDR:PORT [--listen ADDR:PORT]... [--tls-listen ADDR:PORT]... [--config FILE] [--proxy-KEY VALUE]...', summary: 'Run the HTTP reverse proxy alone on a Traefik-format route file (reloaded on change); SIGTERM drains.', load: async () => (await import('./proxy.ts')).proxyRun },
  { name: 'confd', usage: 'weft confd [-onetime | -watch | -interval N] [-confdir DIR] [-config-file FILE] [-backend etcdv3] [-node URL]... [-srv-domain D | -srv-record R] [-prefix P [-prefix-join]] [-noop] [-sync-only] [-keep-stage-file] [-secret-keyring FILE] [-log-level L] [-client-cert F -client-key F -client-ca-keys F] [-basic-auth -username U -password P] [-check-timeout D] [-reload-timeout D] [-state-dir DIR]', summary: 'Render confd template resources from etcd v3 (a drop-in for confd).', load: async () => (await import('./confd.ts')).confdCommand },
  { name: 'cni install', usage: 'weft cni install [--bin-dir /opt/cni/bin] [--conf-dir /etc/cni/net.d] [--force]', summary: 'Install the weft-cni plugin (a wrapper running this Node) and 10-weft.conflist; idempotent.', load: async () => (await import('./cni.ts')).cniInstallCommand },
  { name: 'cni uninstall', usage: 'weft cni uninstall [--bin-dir /opt/cni/bin] [--conf-dir /etc/cni/net.d]', summary: 'Remove what weft cni install wrote (and nothing else).', load: async () => (await import('./cni.ts')).cniUninstallCommand },
  { name: 'config check', usage: 'weft config check FILE', summary: 'Validate a config file; print every problem with its key path and line.', load: async () => (await import('./config.ts')).configCheck },
  { name: 'config show', usage: 'weft config show [--config FILE] [flags]', summary: 'Print the effective config (defaults < file < WEFT_* env < flags) as JSON.', load: async () => (await import('./config.ts')).configShow },
  { name: 'config dropin', usage: 'weft config dropin [--config FILE] [flags]', summary: 'Print the systemd drop-in this config needs beyond scripts/weft.service: template destinations and moved paths (ReadWritePaths), CAP_CHOWN/CAP_FOWNER for templates that set owners.', load: async () => (await import('./unit-dropin.ts')).configDropin },
  { name: 'config flags', usage: 'weft config flags', summary: 'List every config key with its flag, environment variable and meaning.', load: async () => (await import('./config.ts')).configFlagsCommand },
  { name: 'completion bash', usage: 'weft completion bash', summary: 'Print a bash completion script for weft (install.sh puts it in /etc/bash_completion.d/weft).', load: async () => (await import('./completion.ts')).completionCommand },
  { name: 'version', usage: 'weft version | weft --version | weft -v', summary: 'Print the weft version and the Node.js runtime.', load: async () => versionCommand },
];

/** The static part of a command's table entry, for its module to spread into its Command. */
export function spec(name: string): CommandSpec {
  const entry = commands.find((c) => c.name === name);
  if (entry === undefined) throw new Error(`no command '${name}' in src/cli/commands.ts`);
  return { name: entry.name, usage: entry.usage, summary: entry.summary };
}

const versionCommand: Command = {
  ...spec('version'),
  async run(_args, io) {
    io.out(`weft ${weftVersion} (node ${process.version})`);
    return 0;
  },
};
