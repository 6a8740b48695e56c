// Who may recurse through us: a list of networks (CIDR), checked per query. weft is never an open
// resolver; zone answers are for everyone, forwarding only for these clients.
import { hostCidr, NetworkSet, parseCidr, parseIp, type Cidr } from '../net/index.ts';

/** Networks that may always recurse: the host itself. */
export const loopbackNetworks = ['127.0.0.0/8', '::1/128'];

/** An allow entry: a CIDR, or a bare address meaning just that host. */
function allowEntry(text: string): Cidr | undefined {
  const ip = text.includes('/') ? undefined : parseIp(text);
  return ip === undefined ? parseCidr(text) : hostCidr(ip);
}

export function cidrProblem(cidr: string): string | undefined {
  if (allowEntry(cidr) === undefined) return `"${cidr}" is not a network (expected e.g. 10.5.0.0/16 or fd00::/64)`;
  return undefined;
}

export class Acl {
  readonly networks: readonly string[];
  readonly #set: NetworkSet;

  constructor(networks: readonly string[]) {
    this.networks = networks;
    this.#set = new NetworkSet(networks.map(allowEntry).filter((c) => c !== undefined));
  }

  readonly #seen = new Map<string, boolean>();

  /** Whether `address` may recurse; remembered per address (clients are few, queries many). */
  allows(address: string): boolean {
    const known = this.#seen.get(address);
    if (known !== undefined) return known;
    const allowed = this.#check(address);
    if (this.#seen.size >= 10_000) this.#seen.clear();
    this.#seen.set(address, allowed);
    return allowed;
  }

  #check(address: string): boolean {
    // A socket names link-local peers with their zone ("fe80::1%eth0"); the zone is no part of the address.
    const ip = parseIp(address.replace(/%.*$/, ''));
    return ip !== undefined && this.#set.has(ip);
  }
}
