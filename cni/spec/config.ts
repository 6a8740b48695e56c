// The plugin configuration weft-cni reads from stdin: the CNI keys (cniVersion, name, type,
// runtimeConfig, prevResult, cni.dev/valid-attachments) and weft's options, named as flannel's
// plugin names them where they mean the same (subnetFile, dataDir, delegate, ipam). Every field is
// type-checked here; defaults live here and in cni/README.md's Config table.
import { CniCode, CniError } from './errors.ts';
import { validateNetworkName } from './env.ts';
import { decodeConfig, requestedVersion, requireVersion, type CniVersion } from './version.ts';

export { decodeConfig, requestedVersion };

export const configDefaults = {
  subnetFile: '/run/flannel/subnet.env',
  dataDir: '/var/lib/cni/weft',
  adminSocket: '/run/weft/weft.sock',
  dns: true,
} as const;

/** At most this many aliases are registered per container, each a name of at most 253 bytes. */
export const maxAliases = 32;

export interface Attachment {
  readonly containerID: string;
  readonly ifname: string;
}

export interface PluginConfig {
  readonly cniVersion: CniVersion;
  readonly name: string;
  readonly type: string;
  readonly subnetFile: string;
  readonly dataDir: string;
  /** '' means no daemon: no readiness check and no DNS (then `dns` must be false). */
  readonly adminSocket: string;
  readonly dns: boolean;
  readonly delegate: Readonly<Record<string, unknown>>;
  readonly ipam: Readonly<Record<string, unknown>>;
  /** CNI's well-known `dns` object (nameservers, domain, search, options), if given. */
  readonly dnsSettings: Readonly<Record<string, unknown>> | undefined;
  readonly aliases: readonly string[];
  readonly runtimeConfig: Readonly<Record<string, unknown>>;
  readonly prevResult: unknown;
  readonly validAttachments: readonly Attachment[] | undefined;
}

type Json = Record<string, unknown>;

function invalid(key: string, what: string): CniError {
  return new CniError(CniCode.invalidConfig, `invalid network configuration: "${key}" ${what}`, `fix "${key}" in the conflist (see weft-cni's README, Config)`);
}

function objectAt(config: Json, key: string): Json {
  const v = config[key];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid(key, 'must be an object');
  return v as Json;
}

function absolutePath(config: Json, key: string, fallback: string, allowEmpty = false): string {
  const v = config[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || (v === '' ? !allowEmpty : !v.startsWith('/')) || v.length > 4096 || v.includes('\0')) throw invalid(key, allowEmpty ? 'must be an absolute path or ""' : 'must be an absolute path');
  return v;
}

/**
 * The `aliases` capability: podman (and the dnsname plugin that reads it) send a map from network
 * name to names, `{"weft": ["web", "db"]}`; a plain list is accepted too. Other networks' names are not ours.
 */
function parseAliases(runtimeConfig: Json, network: string): string[] {
  const raw = runtimeConfig.aliases;
  const v = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? ((raw as Json)[network] ?? []) : raw;
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.length > maxAliases || !v.every((a) => typeof a === 'string' && a !== '' && a.length <= 253)) {
    throw invalid('runtimeConfig.aliases', `must be a list of at most ${maxAliases} names of 1-253 characters`);
  }
  return v as string[];
}

function parseAttachments(v: unknown): Attachment[] | undefined {
  if (v === undefined) return undefined;
  const ok = Array.isArray(v) && v.every((a) => typeof a === 'object' && a !== null && typeof (a as Json).containerID === 'string' && typeof (a as Json).ifname === 'string');
  if (!ok) throw invalid('cni.dev/valid-attachments', 'must be a list of {"containerID": ..., "ifname": ...}');
  return (v as Json[]).map((a) => ({ containerID: a.containerID as string, ifname: a.ifname as string }));
}

/** Decodes stdin (CNI error 6 when it is not a JSON object). */
export function parseConfig(config: Json, command: string): PluginConfig {
  const cniVersion = requireVersion(requestedVersion(config), command);
  const name = validateNetworkName(config.name);
  const delegate = objectAt(config, 'delegate');
  if (delegate.type !== undefined && (typeof delegate.type !== 'string' || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(delegate.type))) throw invalid('delegate.type', 'must be a plugin name');
  if ('name' in delegate) throw invalid('delegate.name', "must not be set: weft-cni sets it to the network's name");
  if ('ipam' in delegate) throw invalid('delegate.ipam', 'must not be set: weft-cni builds it from the subnet file (put host-local options in "ipam")');
  const ipam = objectAt(config, 'ipam');
  if (ipam.type !== undefined && (typeof ipam.type !== 'string' || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(ipam.type))) throw invalid('ipam.type', 'must be a plugin name');
  if (ipam.routes !== undefined && !Array.isArray(ipam.routes)) throw invalid('ipam.routes', 'must be a list of routes');
  // `dns` as an object is CNI's well-known key (nameservers, search, ...), passed to the delegate.
  const dnsObject = typeof config.dns === 'object' && config.dns !== null && !Array.isArray(config.dns);
  const dns = dnsObject ? configDefaults.dns : (config.dns ?? configDefaults.dns);
  if (typeof dns !== 'boolean') throw invalid('dns', 'must be true, false, or the CNI dns object');
  const adminSocket = absolutePath(config, 'adminSocket', configDefaults.adminSocket, true);
  if (adminSocket === '' && dns) throw invalid('adminSocket', 'is "" (no daemon), so "dns" must be false');
  const runtimeConfig = objectAt(config, 'runtimeConfig');
  return {
    cniVersion,
    name,
    type: typeof config.type === 'string' ? config.type : 'weft-cni',
    subnetFile: absolutePath(config, 'subnetFile', configDefaults.subnetFile),
    dataDir: absolutePath(config, 'dataDir', configDefaults.dataDir),
    adminSocket,
    dns,
    delegate,
    ipam,
    dnsSettings: dnsObject ? (config.dns as Json) : undefined,
    aliases: parseAliases(runtimeConfig, name),
    runtimeConfig,
    prevResult: config.prevResult,
    validAttachments: parseAttachments(config['cni.dev/valid-attachments']),
  };
}
