// Which subnet(s) this host should try to lease, given what etcd holds now. flannel's order: a
// lease that already carries this host's public address (if it still fits the config, both
// families), else the subnets this host had before (its subnet file) if nobody holds them, else a
// random free one of each enabled family. Pure: the caller lists the leases, makes the create-only
// (or compare-and-swap) write, and on a lost race asks again.
import { end4, end6, formatNet4, formatNet6, overlaps4, overlaps6, size4, size6, type Net4, type Net6 } from '../net/index.ts';
import { noIpv4Subnet } from './lease-codec.ts';
import type { Ipv4Network, Ipv6Network } from './network-config.ts';

export interface HeldSubnet {
  /** flannel's empty 0.0.0.0/0 for an IPv6-only lease. */
  readonly subnet: Net4;
  readonly publicIP: string;
  readonly modRevision: number;
  readonly subnet6?: Net6 | undefined;
  readonly publicIPv6?: string | undefined;
  /** A flannel reservation: the key has no etcd lease (no TTL), so it outlives its host. */
  readonly reservation?: boolean;
}

export interface ChoiceInput {
  /** The IPv4 side; undefined when EnableIPv4 is false (IPv6-only). */
  readonly network: Ipv4Network | undefined;
  /** The IPv6 side, when EnableIPv6. */
  readonly network6?: Ipv6Network | undefined;
  /** Every valid lease under subnets/ now (malformed keys already left out). */
  readonly held: readonly HeldSubnet[];
  /** Keys that parse as subnets but whose values do not: nobody may take those subnets either. */
  readonly occupied?: readonly Net4[];
  readonly occupied6?: readonly Net6[];
  readonly publicIP: string;
  readonly publicIPv6?: string | undefined;
  readonly previous?: Net4 | undefined;
  readonly previous6?: Net6 | undefined;
  /** Subnets lost to a race in this acquisition; not tried again until the next listing shows them free. */
  readonly avoid?: readonly Net4[];
  /** Returns a number in [0, 1). */
  readonly random: () => number;
  /** How many free subnets (from SubnetMin up) to choose among; flannel uses 100. */
  readonly candidates?: number;
}

/** `subnet` is flannel's empty 0.0.0.0/0 when IPv4 is off; `subnet6` is set when IPv6 is on. */
export type Choice =
  | { readonly kind: 'reuse'; readonly subnet: Net4; readonly subnet6?: Net6; readonly modRevision: number; readonly reservation: boolean }
  | { readonly kind: 'create'; readonly subnet: Net4; readonly subnet6?: Net6; readonly reason: 'previous' | 'random'; readonly stale?: HeldSubnet }
  | { readonly kind: 'exhausted'; readonly stale?: HeldSubnet };

export function fitsNetwork(network: Ipv4Network, subnet: Net4): boolean {
  return subnet.prefixLen === network.subnetLen && subnet.ip >= network.subnetMin && subnet.ip <= network.subnetMax;
}

export function fitsNetwork6(network: Ipv6Network, subnet: Net6): boolean {
  return subnet.prefixLen === network.subnetLen && subnet.ip >= network.subnetMin && subnet.ip <= network.subnetMax;
}

const isEmpty4 = (n: Net4): boolean => n.ip === 0 && n.prefixLen === 0;

/** flannel's isSubnetConfigCompat and isIPv6SubnetConfigCompat: each family fits, or is absent when off. */
function fitsBoth(input: ChoiceInput, subnet: Net4, subnet6: Net6 | undefined): boolean {
  const v4 = input.network === undefined ? isEmpty4(subnet) : fitsNetwork(input.network, subnet);
  const v6 = input.network6 === undefined ? subnet6 === undefined : subnet6 !== undefined && fitsNetwork6(input.network6, subnet6);
  return v4 && v6;
}

export function chooseSubnet(input: ChoiceInput): Choice {
  const { network, network6, held } = input;
  // flannel finds its lease by PublicIP; an IPv6-only host has none (every one writes 0.0.0.0).
  const mine = network === undefined
    ? held.find((h) => input.publicIPv6 !== undefined && h.publicIPv6 === input.publicIPv6)
    : held.find((h) => h.publicIP === input.publicIP);
  if (mine !== undefined && fitsBoth(input, mine.subnet, mine.subnet6)) {
    return { kind: 'reuse', subnet: mine.subnet, ...(mine.subnet6 === undefined ? {} : { subnet6: mine.subnet6 }), modRevision: mine.modRevision, reservation: mine.reservation === true };
  }
  // A lease of ours that no longer fits the config is deleted by flannel; the caller does the same.
  const stale = mine === undefined ? {} : { stale: mine };
  const taken = [...held.filter((h) => h.subnet6 === undefined || !isEmpty4(h.subnet)).map((h) => h.subnet), ...(input.occupied ?? []), ...(input.avoid ?? [])];
  const taken6 = [...held.flatMap((h) => (h.subnet6 === undefined ? [] : [h.subnet6])), ...(input.occupied6 ?? [])];
  const previous = network === undefined ? noIpv4Subnet : input.previous;
  const previous6 = input.previous6;
  if (previous !== undefined && (network === undefined || input.previous !== undefined) && (network6 === undefined || previous6 !== undefined)
    && fitsBoth(input, previous, network6 === undefined ? undefined : previous6)
    && !taken.some((t) => network !== undefined && overlaps4(t, previous))
    && !taken6.some((t) => network6 !== undefined && previous6 !== undefined && overlaps6(t, previous6))) {
    const with6 = network6 === undefined || previous6 === undefined ? {} : { subnet6: previous6 };
    return { kind: 'create', subnet: previous, ...with6, reason: 'previous', ...stale };
  }
  const limit = input.candidates ?? 100;
  const free = network === undefined ? [noIpv4Subnet] : freeSubnets(network, taken, limit);
  const free6 = network6 === undefined ? [] : freeSubnets6(network6, taken6, limit);
  if (free.length === 0 || (network6 !== undefined && free6.length === 0)) return { kind: 'exhausted', ...stale };
  const pickFrom = <T>(list: readonly T[]): T | undefined => list[Math.min(list.length - 1, Math.floor(input.random() * list.length))] ?? list[0];
  const pick = network === undefined ? noIpv4Subnet : pickFrom(free);
  const pick6 = network6 === undefined ? undefined : pickFrom(free6);
  if (pick === undefined) return { kind: 'exhausted', ...stale };
  return { kind: 'create', subnet: pick, ...(pick6 === undefined ? {} : { subnet6: pick6 }), reason: 'random', ...stale };
}

/** Up to `limit` subnets from SubnetMin to SubnetMax that overlap nothing taken, lowest first. */
export function freeSubnets(network: Ipv4Network, taken: readonly Net4[], limit: number): Net4[] {
  const sorted = [...taken].sort((a, b) => a.ip - b.ip);
  const size = size4(network.subnetLen);
  const free: Net4[] = [];
  let next = 0;
  let reach = -1; // the highest address covered by taken[0..next)
  for (let ip = network.subnetMin; ip <= network.subnetMax && free.length < limit; ip += size) {
    const candidate = { ip, prefixLen: network.subnetLen };
    // Advance past taken prefixes that start before this candidate ends, remembering their reach.
    while (next < sorted.length && (sorted[next]?.ip ?? Infinity) <= end4(candidate)) {
      reach = Math.max(reach, end4(sorted[next] as Net4));
      next += 1;
    }
    if (reach >= ip) continue;
    free.push(candidate);
  }
  return free;
}

/** Up to `limit` IPv6 subnets from IPv6SubnetMin to IPv6SubnetMax that overlap nothing taken, lowest first. */
export function freeSubnets6(network: Ipv6Network, taken: readonly Net6[], limit: number): Net6[] {
  const sorted = [...taken].sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
  const size = size6(network.subnetLen);
  const free: Net6[] = [];
  let next = 0;
  let reach = -1n;
  for (let ip = network.subnetMin; ip <= network.subnetMax && free.length < limit; ip += size) {
    const candidate = { ip, prefixLen: network.subnetLen };
    while (next < sorted.length && (sorted[next] as Net6).ip <= end6(candidate)) {
      const e = end6(sorted[next] as Net6);
      if (e > reach) reach = e;
      next += 1;
    }
    if (reach >= ip) continue;
    free.push(candidate);
  }
  return free;
}

export function describeChoice(choice: Choice): string {
  if (choice.kind === 'exhausted') return 'exhausted';
  return `${choice.kind} ${formatNet4(choice.subnet)}${choice.subnet6 === undefined ? '' : ` ${formatNet6(choice.subnet6)}`}`;
}
