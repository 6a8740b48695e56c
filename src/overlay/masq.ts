// iptables rules, as flannel's iptables traffic manager (pkg/trafficmngr/iptables) lays them out,
// in weft's own chains: ip-masq in nat WEFT-POSTROUTING, reached from POSTROUTING; forward accepts
// for the cluster network in filter WEFT-FORWARD, reached from FORWARD (Docker ≥ 1.13 sets the
// FORWARD policy to DROP). Both jumps are appended, every rule carries a comment. A chain that
// differs from ours in any way is rewritten in one `iptables-restore --noflush` transaction
// (declaring a user chain there flushes it), so its rules are never seen half-written.
import { WeftError } from '../errors.ts';
import type { Runner } from './iptables.ts';

export interface RuleChain {
  table: 'nat' | 'filter';
  chain: string;
  /** The built-in chain whose jump rule (appended) leads to ours. */
  parent: string;
  comment: string;
  /** Rules in `iptables -S` order, without the leading `-A CHAIN`. */
  rules: string[][];
}

export const MASQ_COMMENT = 'weft ip-masq';
export const FORWARD_COMMENT = 'weft forward';
/** kube-proxy marks what it masquerades itself; masquerading it again hits a double-NAT kernel bug. */
export const KUBE_PROXY_MARK = '0x4000/0x4000';

/**
 * Pure: flannel's masq rules for cluster `network` and our own `subnet` (e.g. 10.5.0.0/16,
 * 10.5.1.0/24); for IPv6Network (ip6tables) the multicast range not masqueraded is ff00::/8.
 */
export function masqChain(network: string, subnet: string, randomFully: boolean, multicast = '224.0.0.0/4'): RuleChain {
  const c = ['-m', 'comment', '--comment', MASQ_COMMENT];
  const masquerade = randomFully ? ['-j', 'MASQUERADE', '--random-fully'] : ['-j', 'MASQUERADE'];
  return {
    table: 'nat', chain: 'WEFT-POSTROUTING', parent: 'POSTROUTING', comment: MASQ_COMMENT,
    rules: [
      ['-m', 'mark', '--mark', KUBE_PROXY_MARK, ...c, '-j', 'RETURN'],
      // Inside the cluster network: no NAT (containers see each other's addresses).
      ['-s', subnet, '-d', network, ...c, '-j', 'RETURN'],
      ['-s', network, '-d', subnet, ...c, '-j', 'RETURN'],
      // Traffic to our containers from outside keeps its source (port forwards, NodePorts).
      ['!', '-s', network, '-d', subnet, ...c, '-j', 'RETURN'],
      ['-s', network, '!', '-d', multicast, ...c, ...masquerade],
      // The host itself talking to remote containers: source becomes our device address, so replies come back over VXLAN.
      ['!', '-s', network, '-d', network, ...c, ...masquerade],
    ],
  };
}

/** Pure: flannel's forward accepts (`--iptables-forward-rules`) for cluster `network`. */
export function forwardChain(network: string): RuleChain {
  const c = ['-m', 'comment', '--comment', FORWARD_COMMENT];
  return {
    table: 'filter', chain: 'WEFT-FORWARD', parent: 'FORWARD', comment: FORWARD_COMMENT,
    rules: [
      ['-s', network, ...c, '-j', 'ACCEPT'],
      ['-d', network, ...c, '-j', 'ACCEPT'],
    ],
  };
}

export const jumpRule = (c: RuleChain): string[] => ['-m', 'comment', '--comment', c.comment, '-j', c.chain];

/** Pure: one rule as `iptables -S` prints it and `iptables-restore` reads it (a comment with spaces quoted). */
export function ruleLine(chain: string, rule: readonly string[], verb = '-A'): string {
  const words = rule.map((word, i) => (rule[i - 1] === '--comment' && /[\s"]/.test(word) ? JSON.stringify(word) : word));
  return [verb, chain, ...words].join(' ');
}

const ruleLines = (listing: string): string[] => listing.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('-A '));

/** Pure: does `iptables -S CHAIN` output hold exactly our rules, in order? */
export function chainMatches(listing: string, c: RuleChain): boolean {
  const have = ruleLines(listing);
  const want = c.rules.map((r) => ruleLine(c.chain, r));
  return have.length === want.length && have.every((line, i) => line === want[i]);
}

/** Pure: how many jump rules to our chain `iptables -S PARENT` shows. */
export function jumpCount(parentListing: string, c: RuleChain): number {
  const jump = ruleLine(c.parent, jumpRule(c));
  return ruleLines(parentListing).filter((line) => line === jump).length;
}

/**
 * Pure: the `iptables-restore --noflush` input that (re)writes `c` as flannel's bootstrap does:
 * the chain declared (created, or flushed if it exists), existing jumps deleted, one jump appended.
 */
export function restoreSection(c: RuleChain, jumps: number): string[] {
  const jump = jumpRule(c);
  return [
    `:${c.chain} - [0:0]`,
    ...Array.from({ length: jumps }, () => ruleLine(c.parent, jump, '-D')),
    ruleLine(c.parent, jump),
    ...c.rules.map((r) => ruleLine(c.chain, r)),
  ];
}

/** Pure: sections grouped per table, each table one COMMIT (one transaction). */
export function restorePayload(sections: readonly { table: string; lines: string[] }[]): string {
  const tables = new Map<string, string[]>();
  for (const s of sections) tables.set(s.table, [...(tables.get(s.table) ?? []), ...s.lines]);
  return [...tables].map(([table, lines]) => [`*${table}`, ...lines, 'COMMIT', ''].join('\n')).join('');
}

async function must(run: Runner, args: string[]): Promise<string> {
  const result = await run('iptables', args);
  if (result.code !== 0) {
    throw new WeftError('WEFT_E_OVERLAY_MASQ', `iptables ${args.join(' ')} failed (exit ${result.code}): ${result.stderr.trim()}`);
  }
  return result.stdout;
}

/** Installs or repairs the chains and their jumps; returns the chains it rewrote (none when all is in place). */
export async function ensureChains(chains: readonly RuleChain[], run: Runner, restoreArgs: readonly string[] = ['--noflush']): Promise<string[]> {
  const sections: { table: string; lines: string[] }[] = [];
  for (const c of chains) {
    const listing = await run('iptables', ['-t', c.table, '-S', c.chain]);
    const jumps = jumpCount(await must(run, ['-t', c.table, '-S', c.parent]), c);
    if (listing.code === 0 && chainMatches(listing.stdout, c) && jumps === 1) continue;
    sections.push({ table: c.table, lines: restoreSection(c, jumps) });
  }
  if (sections.length === 0) return [];
  const result = await run('iptables-restore', [...restoreArgs], restorePayload(sections));
  if (result.code !== 0) {
    throw new WeftError('WEFT_E_OVERLAY_MASQ', `iptables-restore failed (exit ${result.code}): ${result.stderr.trim()}`);
  }
  return chains.filter((c) => sections.some((s) => s.lines[0] === `:${c.chain} - [0:0]`)).map((c) => c.chain);
}

/** Removes the jump rules and our chains; missing pieces are fine. */
export async function removeChains(chains: readonly RuleChain[], run: Runner): Promise<void> {
  for (const c of chains) {
    for (let i = 0; i < 10 && (await run('iptables', ['-t', c.table, '-C', c.parent, ...jumpRule(c)])).code === 0; i++) {
      await must(run, ['-t', c.table, '-D', c.parent, ...jumpRule(c)]);
    }
    if ((await run('iptables', ['-t', c.table, '-S', c.chain])).code === 0) {
      await must(run, ['-t', c.table, '-F', c.chain]);
      await must(run, ['-t', c.table, '-X', c.chain]);
    }
  }
}
