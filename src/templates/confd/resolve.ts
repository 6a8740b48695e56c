// Resolves the lookups a template asked for, asynchronously (c-ares on the event loop: no blocked
// thread, no child process), with short timeouts and one deadline per render. /etc/hosts first, then
// DNS with resolv.conf's search list, as Go's resolver (confd) does. A definite "no such name" or
// "no records" answer is an empty result (confd's behaviour); anything else (timeout, SERVFAIL,
// refused) fails the render with WEFT_E_TEMPLATE_LOOKUP so it is retried, never rendered empty.
import { Resolver } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { WeftError } from '../../errors.ts';
import { decryptSecconf } from './crypt.ts';
import { candidateNames, parseHosts, parseResolvConf, type LookupAnswer, type LookupRequest, type ResolverConf, type SrvRecord } from './lookup.ts';

export interface LookupOptions {
  /** DNS servers ("127.0.0.1", "127.0.0.1:5353", "[::1]:53"); default: resolv.conf's nameservers. */
  readonly servers?: readonly string[];
  /** First try's timeout per query (c-ares backs off on later tries), ms. */
  readonly timeoutMs?: number;
  readonly tries?: number;
  /** All lookups of one render pass must be answered within this, ms. */
  readonly deadlineMs?: number;
  readonly hostsFile?: string;
  readonly resolvConf?: string;
  /** The armored secret keyring for cget and friends (decryptions ride along with the lookups). */
  readonly secretKeyring?: string;
}

export const defaultLookupDeadlineMs = 5000;
// Authoritative negatives: the name or the record type does not exist.
const negative = new Set(['ENOTFOUND', 'ENODATA']);

function failure(request: LookupRequest, name: string, error: unknown): WeftError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  const fn = request.kind === 'ip' ? 'lookupIP' : 'lookupSRV';
  return new WeftError('WEFT_E_TEMPLATE_LOOKUP', `${fn} ${JSON.stringify(request.name)}: the query for ${name} failed (${code}); the render is retried, not written with an empty answer`);
}

async function resolveIP(resolver: Resolver, request: LookupRequest, hosts: Map<string, string[]>, conf: ResolverConf): Promise<string[]> {
  if (request.name === '') return [];
  if (isIP(request.name) !== 0) return [request.name];
  const fromHosts = hosts.get(request.name.toLowerCase().replace(/\.$/, ''));
  if (fromHosts !== undefined) return fromHosts;
  for (const name of candidateNames(request.name, conf)) {
    const answers = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
    const found: string[] = [];
    for (const answer of answers) {
      if (answer.status === 'fulfilled') found.push(...answer.value);
      else if (!negative.has((answer.reason as NodeJS.ErrnoException).code ?? '')) throw failure(request, name, answer.reason);
    }
    if (found.length > 0) return found;
  }
  return [];
}

async function resolveSrv(resolver: Resolver, request: LookupRequest, conf: ResolverConf): Promise<SrvRecord[]> {
  if (request.name === '') return [];
  for (const name of candidateNames(request.name, conf)) {
    try {
      const records = await resolver.resolveSrv(name);
      if (records.length > 0) return records.map((r) => ({ Target: r.name.endsWith('.') ? r.name : `${r.name}.`, Port: r.port, Priority: r.priority, Weight: r.weight }));
    } catch (error) {
      if (!negative.has((error as NodeJS.ErrnoException).code ?? '')) throw failure(request, name, error);
    }
  }
  return [];
}

/** Answers each request (in order); rejects with WEFT_E_TEMPLATE_LOOKUP if any cannot be answered. */
export async function resolveLookups(requests: readonly LookupRequest[], options: LookupOptions = {}, signal?: AbortSignal): Promise<LookupAnswer[]> {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 1000, tries: options.tries ?? 2 });
  if (options.servers !== undefined && options.servers.length > 0) resolver.setServers([...options.servers]);
  const [hostsText, confText] = await Promise.all([
    readFile(options.hostsFile ?? '/etc/hosts', 'utf8').catch(() => ''),
    readFile(options.resolvConf ?? '/etc/resolv.conf', 'utf8').catch(() => ''),
  ]);
  const hosts = parseHosts(hostsText);
  const conf = parseResolvConf(confText, hostname());
  const deadlineMs = options.deadlineMs ?? defaultLookupDeadlineMs;
  let timer: NodeJS.Timeout | undefined;
  let onAbort = (): void => undefined;
  const stopped = new Promise<never>((_resolve, reject) => {
    const give = (why: string): void => {
      resolver.cancel();
      reject(new WeftError('WEFT_E_TEMPLATE_LOOKUP', `name lookups (${requests.map((r) => (r.kind === 'decrypt' ? 'a cget value' : r.name)).join(', ')}) ${why}; the render is retried, not written with an empty answer`));
    };
    timer = setTimeout(() => give(`not answered within ${deadlineMs} ms`), deadlineMs);
    onAbort = () => give('cancelled (stopping)');
    if (signal?.aborted === true) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const answer = (r: LookupRequest): Promise<LookupAnswer> =>
      r.kind === 'ip' ? resolveIP(resolver, r, hosts, conf) : r.kind === 'srv' ? resolveSrv(resolver, r, conf) : decryptSecconf(r.name, options.secretKeyring ?? '');
    const all = Promise.all(requests.map(answer));
    return await Promise.race([all, stopped]);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** confd's getBackendNodesFromSRV: the SRV records of `record` (a name without records is an error). */
export async function discoverSrv(record: string, options: LookupOptions = {}): Promise<SrvRecord[]> {
  let records: SrvRecord[];
  try {
    [records = []] = (await resolveLookups([{ kind: 'srv', name: record }], options)) as SrvRecord[][];
  } catch (error) {
    throw new WeftError('WEFT_E_ETCD_CONFIG', `cannot get etcd nodes from the SRV record ${record}: ${(error as Error).message}`, { cause: error });
  }
  if (records.length === 0) throw new WeftError('WEFT_E_ETCD_CONFIG', `cannot get etcd nodes from the SRV record ${record}: no such record (check -srv-domain/-srv-record; confd looks up _etcdv3._tcp.<domain>. for -backend etcdv3)`);
  return records;
}
