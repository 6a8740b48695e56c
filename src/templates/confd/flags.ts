// confd's flags and confd.toml keys for the etcdv3 backend (config.go), and how a value given as a
// flag or in the file is read into ConfdSettings (Go's flag package and BurntSushi/toml types).
import { parseDuration } from '../../net/index.ts';
import type { ConfdSettings } from './settings.ts';

export type Kind = 'string' | 'bool' | 'int' | 'list' | 'duration';
export interface Option {
  readonly field: keyof ConfdSettings;
  readonly kind: Kind;
}

// Flag name -> setting; the TOML key is the same name except where noted in tomlKeys.
export const flags: Record<string, Option> = {
  backend: { field: 'backend', kind: 'string' },
  node: { field: 'nodes', kind: 'list' },
  prefix: { field: 'prefix', kind: 'string' },
  confdir: { field: 'confdir', kind: 'string' },
  'config-file': { field: 'configFile', kind: 'string' },
  interval: { field: 'interval', kind: 'int' },
  watch: { field: 'watch', kind: 'bool' },
  onetime: { field: 'onetime', kind: 'bool' },
  noop: { field: 'noop', kind: 'bool' },
  'sync-only': { field: 'syncOnly', kind: 'bool' },
  'log-level': { field: 'logLevel', kind: 'string' },
  'client-cert': { field: 'clientCert', kind: 'string' },
  'client-key': { field: 'clientKey', kind: 'string' },
  'client-ca-keys': { field: 'clientCaKeys', kind: 'string' },
  'srv-domain': { field: 'srvDomain', kind: 'string' },
  'srv-record': { field: 'srvRecord', kind: 'string' },
  scheme: { field: 'scheme', kind: 'string' },
  'auth-token': { field: 'authToken', kind: 'string' },
  'keep-stage-file': { field: 'keepStageFile', kind: 'bool' },
  'secret-keyring': { field: 'secretKeyring', kind: 'string' },
  'prefix-join': { field: 'prefixJoin', kind: 'bool' },
  'basic-auth': { field: 'basicAuth', kind: 'bool' },
  username: { field: 'username', kind: 'string' },
  password: { field: 'password', kind: 'string' },
  'check-timeout': { field: 'checkTimeout', kind: 'duration' },
  'reload-timeout': { field: 'reloadTimeout', kind: 'duration' },
  'state-dir': { field: 'stateDir', kind: 'string' },
  version: { field: 'version', kind: 'bool' },
};

// confd.toml keys, lower-cased: BurntSushi/toml matches a key to a struct field's tag, else to its
// tag or field name case-insensitively, so `Backend`, `ONETIME` (field OneTime) and `keepstagefile`
// (field KeepStageFile, no tag) all count. Keys of other backends are ignored with a warning.
export const tomlKeys: Record<string, Option> = {
  backend: flags.backend!,
  nodes: flags.node!,
  prefix: flags.prefix!,
  confdir: flags.confdir!,
  interval: flags.interval!,
  watch: flags.watch!,
  onetime: flags.onetime!,
  noop: flags.noop!,
  'sync-only': flags['sync-only']!,
  'log-level': flags['log-level']!,
  client_cert: flags['client-cert']!,
  client_key: flags['client-key']!,
  client_cakeys: flags['client-ca-keys']!,
  srv_domain: flags['srv-domain']!,
  srv_record: flags['srv-record']!,
  scheme: flags.scheme!,
  auth_token: flags['auth-token']!,
  keepstagefile: flags['keep-stage-file']!,
  secret_keyring: flags['secret-keyring']!,
  basic_auth: flags['basic-auth']!,
  username: flags.username!,
  password: flags.password!,
  check_timeout: flags['check-timeout']!,
  reload_timeout: flags['reload-timeout']!,
  state_dir: flags['state-dir']!,
  prefix_join: flags['prefix-join']!,
};

export class ConfdUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfdUsageError';
  }
}

export function assign(settings: ConfdSettings, option: Option, value: unknown, where: string, append: boolean): void {
  const target = settings as unknown as Record<string, unknown>;
  switch (option.kind) {
    case 'string':
      if (typeof value !== 'string') throw new ConfdUsageError(`${where}: expected a string`);
      target[option.field] = value;
      return;
    case 'bool': {
      const b = typeof value === 'boolean' ? value : value === 'true' || value === '1' || value === 't' || value === 'TRUE' || value === 'True' ? true : value === 'false' || value === '0' || value === 'f' || value === 'FALSE' || value === 'False' ? false : undefined;
      if (b === undefined) throw new ConfdUsageError(`${where}: expected true or false, got ${JSON.stringify(value)}`);
      target[option.field] = b;
      return;
    }
    case 'int': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
      if (!Number.isInteger(n) || n < 0) throw new ConfdUsageError(`${where}: expected a whole number, got ${JSON.stringify(value)}`);
      target[option.field] = n;
      return;
    }
    case 'duration': {
      const ms = typeof value === 'string' ? parseDuration(value) : undefined;
      if (ms === undefined || ms <= 0) throw new ConfdUsageError(`${where}: expected a duration such as "30s", got ${JSON.stringify(value)}`);
      target[option.field] = ms;
      return;
    }
    case 'list': {
      const items = Array.isArray(value) ? value : [value];
      if (!items.every((i) => typeof i === 'string')) throw new ConfdUsageError(`${where}: expected strings`);
      target[option.field] = append ? [...(target[option.field] as string[]), ...(items)] : [...(items)];
      return;
    }
  }
}
