// Name lookups for confd's lookupIP*/lookupSRV, as Go's net.LookupIP/LookupSRV answer them (confd
// 0.16 sorts the results with sort.Strings / its own string key). Template functions are synchronous
// and must never wait on the network, so a render first executes with an empty LookupTable, which
// records every lookup the template asked for; the caller resolves them asynchronously
// (resolve.ts) and executes again with the answers. Pure: no I/O here.
import { isIPv4, isIPv6 } from 'node:net';
import { WeftError } from '../../errors.ts';
import type { Decrypted } from './crypt.ts';
import { compareGoStrings } from './memkv.ts';

export interface SrvRecord {
  readonly Target: string;
  readonly Port: number;
  readonly Priority: number;
  readonly Weight: number;
}

/** `decrypt` (cget and friends): `name` is the secconf value to decrypt. */
export type LookupRequest = { readonly kind: 'ip' | 'srv' | 'decrypt'; readonly name: string };
export type LookupAnswer = string[] | SrvRecord[] | Decrypted;

/** At most this many distinct lookups per render (a template looping over unbounded data). */
export const maxLookupsPerRender = 256;
/** Decryptions cost no network; a template may decrypt every value of a large tree. */
export const maxDecryptsPerRender = 10_000;

/** Answers for one render, keyed by request; a miss is remembered for the caller to resolve. */
export class LookupTable {
  readonly #answers = new Map<string, LookupAnswer>();
  readonly misses = new Map<string, LookupRequest>();
  #decrypts = 0;

  #get(request: LookupRequest): LookupAnswer | undefined {
    const key = `${request.kind}\u0000${request.name}`;
    const answer = this.#answers.get(key);
    if (answer === undefined && !this.misses.has(key)) {
      if (request.kind === 'decrypt') {
        if (++this.#decrypts > maxDecryptsPerRender) throw new WeftError('WEFT_E_TEMPLATE_EXEC', `the template decrypts more than ${maxDecryptsPerRender} distinct values in one render`);
      } else if (this.#answers.size + this.misses.size - this.#decrypts >= maxLookupsPerRender) {
        throw new WeftError('WEFT_E_TEMPLATE_LOOKUP', `the template asks for more than ${maxLookupsPerRender} distinct name lookups in one render`);
      }
      this.misses.set(key, request);
    }
    return answer;
  }

  /** The plaintext of a secconf value; throws why it cannot be decrypted; undefined until resolved. */
  decrypt(value: string): string | undefined {
    const answer = this.#get({ kind: 'decrypt', name: value }) as Decrypted | undefined;
    if (answer === undefined) return undefined;
    if ('error' in answer) throw new Error(answer.error);
    return answer.value;
  }

  /** Sorted addresses (confd's LookupIP), or undefined until resolved. */
  ip(name: string): string[] | undefined {
    return this.#get({ kind: 'ip', name }) as string[] | undefined;
  }

  /** SRV records sorted as confd sorts them, or undefined until resolved. */
  srv(service: string, proto: string, name: string): SrvRecord[] | undefined {
    return this.#get({ kind: 'srv', name: srvName(service, proto, name) }) as SrvRecord[] | undefined;
  }

  /** Stores answers for the misses (in the same order) and forgets the misses. */
  answer(requests: readonly LookupRequest[], answers: readonly LookupAnswer[]): void {
    requests.forEach((request, i) => {
      const key = `${request.kind}\u0000${request.name}`;
      const answer = answers[i] as LookupAnswer;
      this.#answers.set(key, request.kind === 'ip' ? sortIPs(answer as string[]) : request.kind === 'srv' ? sortSrv(answer as SrvRecord[]) : answer);
      this.misses.delete(key);
    });
  }
}

/** Go's LookupSRV: `_service._proto.name`, or `name` alone when service and proto are both empty. */
export function srvName(service: string, proto: string, name: string): string {
  return service === '' && proto === '' ? name : `_${service}._${proto}.${name}`;
}

/** confd's LookupIP sorts the strings (sort.Strings: byte order); duplicates are kept, as in Go. */
export function sortIPs(ips: readonly string[]): string[] {
  return ips.map(goIPString).sort(compareGoStrings);
}

/** confd's sortSRV: by fmt.Sprintf("%s%d%d%d", Target, Port, Priority, Weight). */
export function sortSrv(records: readonly SrvRecord[]): SrvRecord[] {
  const key = (r: SrvRecord): string => `${r.Target}${r.Port}${r.Priority}${r.Weight}`;
  return [...records].sort((a, b) => compareGoStrings(key(a), key(b)));
}

/** net.IP.String(): IPv4(-mapped) dotted, IPv6 compressed as RFC 5952 (the WHATWG form is the same). */
export function goIPString(ip: string): string {
  // A zone (fe80::1%lo) is net.IPAddr's, not net.IP's: LookupIP's answers have none.
  const bare = ip.replace(/%.*$/, '');
  if (!isIPv6(bare)) return ip;
  const compressed = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed);
  if (mapped === null) return compressed;
  const hi = parseInt(mapped[1] ?? '0', 16);
  const lo = parseInt(mapped[2] ?? '0', 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

export interface ResolverConf {
  readonly search: readonly string[];
  readonly ndots: number;
}

/** search/domain and ndots from resolv.conf text, as Go's dnsReadConfig reads them. */
export function parseResolvConf(text: string, hostname: string): ResolverConf {
  let search: string[] | undefined;
  let ndots = 1;
  for (const raw of text.split('\n')) {
    const fields = raw.replace(/[#;].*$/, '').trim().split(/\s+/);
    const [keyword, ...rest] = fields;
    if (keyword === 'search' || keyword === 'domain') search = rest.filter((d) => d !== '');
    if (keyword === 'options') {
      for (const option of rest) {
        const m = /^ndots:(\d+)$/.exec(option);
        if (m !== null) ndots = Math.min(15, Number(m[1]));
      }
    }
  }
  // Go's default search list: the host name's domain.
  if (search === undefined) search = hostname.includes('.') ? [hostname.slice(hostname.indexOf('.') + 1)] : [];
  return { search: search.map((d) => d.replace(/\.$/, '')), ndots };
}

/** The names Go's resolver tries for `name`, in order (its nameList), without trailing dots. */
export function candidateNames(name: string, conf: ResolverConf): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const dots = name.split('.').length - 1;
  const searched = conf.search.map((domain) => `${name}.${domain}`);
  return dots >= conf.ndots ? [name, ...searched] : [...searched, name];
}

/** /etc/hosts as Go reads it: lower-cased names (without trailing dot) -> addresses in file order. */
export function parseHosts(text: string): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const [address, ...names] = raw.replace(/#.*$/, '').trim().split(/\s+/);
    if (address === undefined || names.length === 0 || (!isIPv4(address) && !isIPv6(address.replace(/%.*$/, '')))) continue;
    for (const name of names) {
      const key = name.toLowerCase().replace(/\.$/, '');
      byName.set(key, [...(byName.get(key) ?? []), address]);
    }
  }
  return byName;
}
