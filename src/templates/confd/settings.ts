// `weft confd` settings, read as confd reads them: defaults < CONFD_CLIENT_* < confd.toml <
// command-line flags (see the README for confd's own order). Flags take one or two dashes,
// `-flag value` or `-flag=value`, booleans as `-flag` or `-flag=false` (Go's flag package). Pure:
// the caller reads the files and the environment.
import { parse, TomlError } from 'smol-toml';
import { confdEnv, nodesFromSrv, nodeUrl, otherBackendFlagProblem, srvRecordName, type SrvTarget } from './backend.ts';
import { assign, ConfdUsageError, flags, tomlKeys, type Option } from './flags.ts';

export { ConfdUsageError } from './flags.ts';

export interface ConfdSettings {
  backend: string;
  nodes: string[];
  prefix: string;
  confdir: string;
  configFile: string;
  /** Seconds between runs in interval mode. */
  interval: number;
  watch: boolean;
  onetime: boolean;
  noop: boolean;
  syncOnly: boolean;
  logLevel: string;
  clientCert: string;
  clientKey: string;
  clientCaKeys: string;
  /** DNS SRV discovery of the etcd nodes (confd's -srv-domain / -srv-record); replaces -node. */
  srvDomain: string;
  srvRecord: string;
  /** Accepted as confd does; its etcdv3 backend never uses it (see backend.ts nodesFromSrv). */
  scheme: string;
  /** Accepted as confd does (only its vault backend reads it); never sent to etcd. */
  authToken: string;
  keepStageFile: boolean;
  /** Armored OpenPGP secret keyring file for cget/cgets/cgetv/cgetvs. */
  secretKeyring: string;
  /** weft: join the global prefix with each resource's instead of replacing it (confd 0.16 replaces). */
  prefixJoin: boolean;
  basicAuth: boolean;
  username: string;
  password: string;
  /** Timeouts for check_cmd and reload_cmd (ms); confd has none, weft adds them. */
  checkTimeout: number;
  reloadTimeout: number;
  /** Where pending reloads are remembered across runs (weft's addition); '' means the default. */
  stateDir: string;
  version: boolean;
}

export function defaultConfdSettings(): ConfdSettings {
  return {
    backend: 'etcdv3',
    nodes: [],
    prefix: '',
    confdir: '/etc/confd',
    configFile: '/etc/confd/confd.toml',
    interval: 600,
    watch: false,
    onetime: false,
    noop: false,
    syncOnly: false,
    logLevel: 'info',
    clientCert: '',
    clientKey: '',
    clientCaKeys: '',
    srvDomain: '',
    srvRecord: '',
    scheme: 'http',
    authToken: '',
    keepStageFile: false,
    secretKeyring: '',
    prefixJoin: false,
    basicAuth: false,
    username: '',
    password: '',
    checkTimeout: 60_000,
    reloadTimeout: 60_000,
    stateDir: '',
    version: false,
  };
}

export interface ParsedArgs {
  /** Flags as given, to apply over the file. */
  readonly flags: readonly [Option, string | true, string][];
  readonly configFile: string | undefined;
}

/** Splits the command line (Go flag syntax). Unknown flags are an error, as in Go. */
export function parseConfdArgs(args: readonly string[]): ParsedArgs {
  const out: [Option, string | true, string][] = [];
  let configFile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const m = /^--?([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (m === null) throw new ConfdUsageError(`unexpected argument ${JSON.stringify(arg)} (flags start with -)`);
    const name = m[1] ?? '';
    const option = flags[name];
    if (option === undefined) throw new ConfdUsageError(otherBackendFlagProblem(name) ?? `flag provided but not defined: -${name}`);
    let value: string | true | undefined = m[2];
    if (value === undefined) {
      if (option.kind === 'bool') value = true;
      else if (i + 1 < args.length) value = args[++i] ?? '';
      else throw new ConfdUsageError(`flag needs an argument: -${name}`);
    }
    if (name === 'config-file' && typeof value === 'string') configFile = value;
    out.push([option, value, `-${name}`]);
  }
  return { flags: out, configFile };
}

export interface SettingsResult {
  readonly settings: ConfdSettings;
  /** confd.toml keys we do not act on (warned about, not fatal: confd ignores unknown keys too). */
  readonly ignoredKeys: readonly string[];
}

/**
 * Applies confd.toml (if text is given), then the flags, then the CONFD_CLIENT_* variables where
 * both left a value empty (confd's processEnv), over confd's defaults. With SRV discovery the nodes
 * are left to the caller (withSrvNodes); otherwise confd's etcdv3 default is 127.0.0.1:2379.
 */
export function resolveConfdSettings(args: ParsedArgs, configText: string | undefined, env: Readonly<Record<string, string | undefined>> = {}): SettingsResult {
  const settings = defaultConfdSettings();
  if (args.configFile !== undefined) settings.configFile = args.configFile;
  const ignoredKeys: string[] = [];
  if (configText !== undefined) {
    let doc: Record<string, unknown>;
    try {
      doc = parse(configText);
    } catch (error) {
      const where = error instanceof TomlError ? ` line ${error.line}` : '';
      throw new ConfdUsageError(`${settings.configFile}${where}: not valid TOML: ${(error as Error).message.split('\n')[0]}`);
    }
    for (const [key, value] of Object.entries(doc)) {
      const option = tomlKeys[key.toLowerCase()];
      if (option === undefined) ignoredKeys.push(key);
      else assign(settings, option, value, `${settings.configFile}: ${key}`, false);
    }
  }
  const nodesFromFlags = args.flags.some(([option]) => option.field === 'nodes');
  if (nodesFromFlags) settings.nodes = [];
  for (const [option, value, where] of args.flags) assign(settings, option, value, where, true);
  for (const [field, value] of Object.entries(confdEnv(env))) {
    const target = settings as unknown as Record<string, string>;
    if (target[field] === '') target[field] = value;
  }
  settings.srvRecord = srvRecordName(settings.backend, settings.srvDomain, settings.srvRecord);
  if (settings.srvRecord !== '') settings.nodes = [];
  else if (settings.nodes.length === 0) settings.nodes = ['127.0.0.1:2379'];
  settings.nodes = settings.nodes.map((node) => nodeUrl(node, settings));
  return { settings, ignoredKeys };
}

/** The default state directory: /var/lib/weft/confd for root, else under $XDG_STATE_HOME (~/.local/state). */
export function defaultConfdStateDir(env: Readonly<Record<string, string | undefined>>, euid: number | undefined): string {
  if (euid === 0 || euid === undefined) return '/var/lib/weft/confd';
  const base = env.XDG_STATE_HOME !== undefined && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : `${env.HOME ?? '/tmp'}/.local/state`;
  return `${base}/weft/confd`;
}

/** The nodes found through the SRV record replace any -node (confd's initConfig). */
export function withSrvNodes(settings: ConfdSettings, records: readonly SrvTarget[]): ConfdSettings {
  return { ...settings, nodes: nodesFromSrv(records).map((node) => nodeUrl(node, settings)) };
}
