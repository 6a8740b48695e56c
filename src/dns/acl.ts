// Who may recurse through us: a list of networks (CIDR), checked per query. weft is never an open
// resolver; zone answers are for everyone, forwarding only for these clients.
import { BlockList, isIP } from 'node:net';

/** Networks that may always recurse: the host itself. */
export const loopbackNetworks = ['127.0.0.0/8', '::1/128'];

export function cidrProblem(cidr: string): string | undefined {
  const [address = '', prefix, ...rest] = cidr.split('/');
  const family = isIP(address);
  const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
  if (family === 0 || rest.length > 0 || !Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32)) {
    return `"${cidr}" is not a network (expected e.g. 10.5.0.0/16 or fd00::/64)`;
  }
  return undefined;
}

export class Acl {
  readonly networks: readonly string[];
  readonly #list = new BlockList();

  constructor(networks: readonly string[]) {
    this.networks = networks;
    for (const cidr of networks) {
      const [address = '', prefix] = cidr.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      this.#list.addSubnet(address, prefix === undefined ? (family === 'ipv6' ? 128 : 32) : Number(prefix), family);
    }
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
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    const plain = mapped ?? address.replace(/%.*$/, '');
    const family = isIP(plain);
    if (family === 0) return false;
    return this.#list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  }
}
