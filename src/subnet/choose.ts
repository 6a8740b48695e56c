// Which subnet this host should try to lease, given what etcd holds now. flannel's order: a lease
// that already carries this host's PublicIP (if it still fits the config), else the subnet this
// host had before (its subnet file) if nobody holds it, else a random free one. Pure: the caller
// lists the leases, makes the create-only (or compare-and-swap) write, and on a lost race asks again.
import { end4, formatNet4, overlaps4, size4, type Net4 } from '../net/index.ts';
import type { Ipv4Network } from './network-config.ts';

export interface HeldSubnet {
  readonly subnet: Net4;
  readonly publicIP: string;
  readonly modRevision: number;
  /** A flannel reservation: the key has no etcd lease (no TTL), so it outlives its host. */
  readonly reservation?: boolean;
}

export interface ChoiceInput {
  readonly network: Ipv4Network;
  /** Every valid lease under subnets/ now (malformed keys already left out). */
  readonly held: readonly HeldSubnet[];
  /** Keys that parse as subnets but whose values do not: nobody may take those subnets either. */
  readonly occupied?: readonly Net4[];
  readonly publicIP: string;
  readonly previous?: Net4 | undefined;
  /** Subnets lost to a race in this acquisition; not tried again until the next listing shows them free. */
  readonly avoid?: readonly Net4[];
  /** Returns a number in [0, 1). */
  readonly random: () => number;
  /** How many free subnets (from SubnetMin up) to choose among; flannel uses 100. */
  readonly candidates?: number;
}

export type Choice =
  | { readonly kind: 'reuse'; readonly subnet: Net4; readonly modRevision: number; readonly reservation: boolean }
  | { readonly kind: 'create'; readonly subnet: Net4; readonly reason: 'previous' | 'random'; readonly stale?: HeldSubnet }
  | { readonly kind: 'exhausted'; readonly stale?: HeldSubnet };

export function fitsNetwork(network: Ipv4Network, subnet: Net4): boolean {
  return subnet.prefixLen === network.subnetLen && subnet.ip >= network.subnetMin && subnet.ip <= network.subnetMax;
}

export function chooseSubnet(input: ChoiceInput): Choice {
  const { network, held } = input;
  const mine = held.find((h) => h.publicIP === input.publicIP);
  if (mine !== undefined && fitsNetwork(network, mine.subnet)) {
    return { kind: 'reuse', subnet: mine.subnet, modRevision: mine.modRevision, reservation: mine.reservation === true };
  }
  // A lease of ours that no longer fits the config is deleted by flannel; the caller does the same.
  const stale = mine === undefined ? {} : { stale: mine };
  const taken = [...held.map((h) => h.subnet), ...(input.occupied ?? []), ...(input.avoid ?? [])];
  const previous = input.previous;
  if (previous !== undefined && fitsNetwork(network, previous) && !taken.some((t) => overlaps4(t, previous))) {
    return { kind: 'create', subnet: previous, reason: 'previous', ...stale };
  }
  const free = freeSubnets(network, taken, input.candidates ?? 100);
  if (free.length === 0) return { kind: 'exhausted', ...stale };
  const pick = free[Math.min(free.length - 1, Math.floor(input.random() * free.length))] ?? free[0];
  return pick === undefined ? { kind: 'exhausted', ...stale } : { kind: 'create', subnet: pick, reason: 'random', ...stale };
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

export function describeChoice(choice: Choice): string {
  return choice.kind === 'exhausted' ? 'exhausted' : `${choice.kind} ${formatNet4(choice.subnet)}`;
}
