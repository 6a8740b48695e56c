// The [dns] settings checked before anything starts (also `weft config check`), and the upstreams
// weft forwards to when dns.upstreams is empty (resolv.conf, without ourselves).
import { readFileSync } from 'node:fs';
import { problem, type Config, type Problem } from '../config/index.ts';
import { WeftError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { cidrProblem } from './acl.ts';
import { parseUpstream, upstreamsFromResolvConf, type Upstream } from './forwarder.ts';
import { normalizeZone } from './resolver.ts';
import { parseListen, type ListenAddress } from './server.ts';
import { isValidName } from './wire.ts';

/** Checks `[dns]` before anything starts (also `weft config check`): every bad value, not the first. */
export function validateDns(config: Pick<Config, 'dns'>): Problem[] {
  const dns = config.dns;
  const problems: Problem[] = [];
  for (const zone of dns.zones.map(normalizeZone)) {
    if (zone !== '' && !isValidName(zone)) problems.push(problem('dns.zones', `"${zone}" is not a domain name (expected e.g. weft.internal.)`));
  }
  for (const bad of dns.allow.map(cidrProblem)) if (bad !== undefined) problems.push(problem('dns.allow', bad));
  for (const bad of dns.register_allow.map(cidrProblem)) if (bad !== undefined) problems.push(problem('dns.register_allow', bad));
  for (const text of dns.upstreams) {
    if (parseUpstream(text) === undefined) problems.push(problem('dns.upstreams', `"${text}" is not an IP address with an optional port (e.g. 10.0.0.2 or [fd00::2]:53)`));
  }
  if (dns.max_lease_ttl < dns.min_lease_ttl) problems.push(problem('dns.max_lease_ttl', 'max_lease_ttl is shorter than min_lease_ttl; raise it or lower min_lease_ttl'));
  for (const text of dns.listen) {
    try {
      parseListen(text);
    } catch (error) {
      problems.push(problem('dns.listen', (error as Error).message));
    }
  }
  return problems;
}

export function parseDnsSettings(config: Config['dns']): { zones: string[]; upstreams: Upstream[]; listen: ListenAddress[] } {
  const problems = validateDns({ dns: config });
  if (problems.length > 0) throw new WeftError('WEFT_E_DNS_CONFIG', problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  return { zones: config.zones.map(normalizeZone), upstreams: config.upstreams.map((text) => parseUpstream(text)!), listen: config.listen.map(parseListen) };
}

/** dns.upstreams, else the resolvers in resolv.conf that are not ourselves (logged when none). */
export function findUpstreams(configured: Upstream[], listen: ListenAddress[], file: string, log: Logger): Upstream[] {
  if (configured.length > 0) return configured;
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    log.warn({ event: 'dns_resolv_conf_unreadable', file, err: (error as Error).message });
  }
  const upstreams = upstreamsFromResolvConf(text, listen);
  if (upstreams.length === 0) {
    log.warn({ event: 'dns_no_upstream', code: 'WEFT_E_DNS_UPSTREAM', file }, 'no upstream resolver: forwarded names get SERVFAIL; set dns.upstreams');
  }
  return upstreams;
}
