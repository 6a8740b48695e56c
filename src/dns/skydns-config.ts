// SkyDNS's own settings: the JSON at <path>/config (skydns main.go loadEtcdV3Config unmarshals it
// into server.Config over the flags, then SetDefaults fills what is still zero). weft decodes it the
// same way (Go field rules, a type error fails the whole key), applies the fields that have a
// meaning here where weft's own [dns] setting is at its default, and lists the rest. Pure.
import { defaults, type Config } from '../config/index.ts';
import { WeftError } from '../errors.ts';
import { GoJsonError, goParse, goStruct } from '../net/index.ts';
import { parseUpstream, type Upstream } from './forwarder.ts';
import { normalizeZone } from './resolver.ts';
import { isValidName } from './wire.ts';

/** server.Config's JSON fields (untagged Etcd3 and Version keep their Go names). */
const configShape = {
  dns_addr: 'string', systemd: 'bool', domain: 'string', local: 'string', hostmaster: 'string', dnssec: 'string',
  round_robin: 'bool', ns_rotate: 'bool', nameservers: '[]string', no_rec: 'bool', read_timeout: 'int64',
  priority: 'uint16', ttl: 'uint32', min_ttl: 'uint32', scache: 'int', rcache: 'int', rcache_ttl: 'int', ndot: 'int',
  Etcd3: 'bool', Version: 'bool',
} as const;

const applied = new Set(['domain', 'hostmaster', 'nameservers', 'no_rec', 'read_timeout', 'priority', 'ttl', 'min_ttl']);
const maxTtl = 2_147_483_647;

/** What the key sets that weft applies (SkyDNS treats zero values as unset, so do we). */
export interface SkydnsSettings {
  readonly domain?: string;
  readonly hostmaster?: string;
  readonly nameservers?: readonly Upstream[];
  readonly noRec?: boolean;
  readonly readTimeoutMs?: number;
  readonly priority?: number;
  readonly ttl?: number;
  readonly minTtl?: number;
  /** Fields the key sets that have no meaning in weft (listen addresses, DNSSEC, caches, ...). */
  readonly ignored: readonly string[];
}

function invalid(message: string): WeftError {
  return new WeftError('WEFT_E_DNS_SKYDNS_CONFIG', `${message}; fix it with etcdctl put (weft answers with its own [dns] settings meanwhile)`);
}

/** Decodes and checks the key's value; throws WEFT_E_DNS_SKYDNS_CONFIG naming the field. */
export function parseSkydnsConfig(text: string, where: string): SkydnsSettings {
  let c;
  try {
    c = goStruct(goParse(text), configShape, where);
  } catch (error) {
    throw invalid(error instanceof GoJsonError ? error.message : `${where} is not JSON (${(error as Error).message})`);
  }
  const out: { -readonly [K in keyof SkydnsSettings]: SkydnsSettings[K] } = { ignored: [] };
  const ignored = Object.entries(c).filter(([field, value]) => !applied.has(field) && value !== undefined && value !== '' && value !== 0 && value !== false);
  out.ignored = ignored.map(([field]) => field);
  if (c.domain) {
    const zone = normalizeZone(c.domain);
    if (zone !== '' && !isValidName(zone)) throw invalid(`${where}.domain "${c.domain}" is not a domain name`);
    out.domain = zone;
  }
  if (c.hostmaster) {
    // SkyDNS: "People probably don't know that SOA's email addresses cannot contain @-signs".
    const mbox = c.hostmaster.replaceAll('@', '.').replace(/\.$/, '');
    if (!isValidName(mbox)) throw invalid(`${where}.hostmaster "${c.hostmaster}" is not a mailbox name (e.g. hostmaster@skydns.local.)`);
    out.hostmaster = mbox;
  }
  if (c.nameservers !== undefined && c.nameservers.length > 0) {
    out.nameservers = c.nameservers.map((text) => {
      const upstream = parseUpstream(text);
      if (upstream === undefined) throw invalid(`${where}.nameservers entry "${text}" is not an IP:PORT (e.g. 8.8.8.8:53)`);
      return upstream;
    });
  }
  if (c.no_rec === true) out.noRec = true;
  if (c.read_timeout) {
    // time.Duration: nanoseconds.
    if (c.read_timeout < 50_000_000) throw invalid(`${where}.read_timeout ${c.read_timeout} (nanoseconds) is under 50ms`);
    out.readTimeoutMs = Math.round(c.read_timeout / 1_000_000);
  }
  if (c.priority) out.priority = c.priority;
  for (const [field, value] of [['ttl', c.ttl], ['min_ttl', c.min_ttl]] as const) {
    if (value !== undefined && value > maxTtl) throw invalid(`${where}.${field} ${value} is over ${maxTtl} (RFC 2181)`);
  }
  if (c.ttl) out.ttl = c.ttl;
  if (c.min_ttl) out.minTtl = c.min_ttl;
  return out;
}

/** The settings the resolver and forwarder run with. */
export interface EffectiveDns {
  readonly zones: readonly string[];
  readonly defaultTtl: number;
  /** SOA TTL and minimum, so the negative-caching TTL. */
  readonly minTtl: number;
  /** SOA mailbox; undefined: hostmaster.<zone>. */
  readonly hostmaster: string | undefined;
  readonly defaultPriority: number;
  /** Undefined: forwarding is off. */
  readonly upstreams: readonly Upstream[] | undefined;
  readonly forwardTimeoutMs: number;
}

/** CoreDNS's SOA minimum and negative TTL, and its SRV priority for values without one. */
export const coreDnsMinTtl = 30;
export const coreDnsPriority = 10;

/**
 * weft's [dns] settings with the key's laid over those left at their defaults (SkyDNS lets the key
 * override its flags; here a value someone set in weft's config wins). `upstreams`: what weft
 * forwards to without the key (dns.upstreams, else resolv.conf).
 */
export function effectiveDns(dns: Config['dns'], key: SkydnsSettings | undefined, upstreams: readonly Upstream[]): EffectiveDns {
  const base = defaults().dns;
  const isDefault = (field: 'zones' | 'ttl' | 'upstreams' | 'forward_timeout'): boolean => JSON.stringify(dns[field]) === JSON.stringify(base[field]);
  const zones = key?.domain !== undefined && isDefault('zones') ? [key.domain] : dns.zones.map(normalizeZone);
  const forwardTo = key?.nameservers !== undefined && isDefault('upstreams') ? key.nameservers : upstreams;
  return {
    zones,
    defaultTtl: key?.ttl !== undefined && isDefault('ttl') ? key.ttl : dns.ttl,
    minTtl: key?.minTtl ?? coreDnsMinTtl,
    hostmaster: key?.hostmaster,
    defaultPriority: key?.priority ?? coreDnsPriority,
    upstreams: dns.forward && key?.noRec !== true ? forwardTo : undefined,
    forwardTimeoutMs: key?.readTimeoutMs !== undefined && isDefault('forward_timeout') ? key.readTimeoutMs : dns.forward_timeout,
  };
}
