// Checks `[proxy]` before anything starts (also `weft config check`): every bad value, not the first.
import { isAbsolute } from 'node:path';
import { problem, type Config, type Problem } from '../config/index.ts';
import { formatIpPort, parseCidr, parseIp, parseIpPort } from '../net/index.ts';

export interface ListenAddress {
  /** An IP address; '' listens on every address (as Go's ":8080"). */
  readonly host: string;
  readonly port: number;
}

/** "127.0.0.1:8080", "[::1]:8443" or ":8080"; undefined for anything else (host names included). */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const any = /^:(\d{1,5})$/.exec(text);
  if (any !== null) return Number(any[1]) <= 65535 ? { host: '', port: Number(any[1]) } : undefined;
  if (!/:\d{1,5}$/.test(text)) return undefined;
  return parseIpPort(text, -1);
}

/** A trusted_ips entry: a network in CIDR notation (one address is /32 or /128). */
export function trustedNetworkProblem(text: string): string | undefined {
  if (parseCidr(text) !== undefined) return undefined;
  const single = parseIp(text) === undefined ? '' : ` (one address: ${text}/${text.includes(':') ? 128 : 32})`;
  return `"${text}" is not a network in CIDR notation${single}, e.g. 10.0.0.0/8`;
}

/** Extra listener threads: more than a few per core only adds memory (each holds a table and pools). */
const maxWorkers = 64;

export function validateProxy(config: Pick<Config, 'proxy'>): Problem[] {
  const p = config.proxy;
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const key of ['listen', 'tls_listen'] as const) {
    for (const text of p[key]) {
      const address = parseListenAddress(text);
      if (address === undefined) {
        problems.push(problem(`proxy.${key}`, `"${text}" is not an ADDRESS:PORT listen address with an IP address (e.g. 127.0.0.1:8080, [::1]:8080 or :8080)`));
        continue;
      }
      const id = address.host === '' ? `:${address.port}` : formatIpPort(address);
      if (address.port !== 0 && seen.has(id)) problems.push(problem(`proxy.${key}`, `${text} is listed twice (in listen or tls_listen); each address serves one protocol`));
      seen.add(id);
    }
  }
  // The schema bounds it too; a config built in code (tests, compose) passes here only.
  if (!Number.isInteger(p.workers) || p.workers < 0 || p.workers > maxWorkers) problems.push(problem('proxy.workers', `must be a whole number of extra threads from 0 to ${maxWorkers} (got ${p.workers})`));
  if (p.enabled && p.listen.length === 0 && p.tls_listen.length === 0) problems.push(problem('proxy.listen', 'the proxy is enabled but listens nowhere; set proxy.listen or proxy.tls_listen'));
  for (const text of p.trusted_ips) {
    const bad = trustedNetworkProblem(text);
    if (bad !== undefined) problems.push(problem('proxy.trusted_ips', bad));
  }
  if (!isAbsolute(p.route_file)) problems.push(problem('proxy.route_file', `"${p.route_file}" must be an absolute path (the file is watched for changes by its directory)`));
  // Node refuses a server whose headers timeout exceeds its request timeout.
  if (p.headers_timeout > p.read_timeout) problems.push(problem('proxy.headers_timeout', `${p.headers_timeout} ms is longer than proxy.read_timeout (${p.read_timeout} ms), which covers the headers too`));
  return problems;
}
