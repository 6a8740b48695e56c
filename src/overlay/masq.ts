// ip-masq: masquerade traffic from the cluster network leaving it, and accept forwarding to and
// from the cluster network (Docker's FORWARD DROP policy broke flannel users). Our rules live in
// our own chains, WEFT-POSTROUTING (nat) and WEFT-FORWARD (filter), each reached by one jump
// rule; `ensure` rewrites a chain only when `iptables -S` shows it differs, so it is idempotent.
import { execFile } from 'node:child_process';
import { WeftError } from '../errors.ts';

export interface MasqChain {
  table: 'nat' | 'filter';
  chain: string;
  /** The built-in chain that jumps to ours, and where (insert at 1 or append). */
  parent: string;
  position: 'first' | 'append';
  /** Rules in `iptables -S` form, without the leading `-A CHAIN`. */
  rules: string[][];
}

export const MASQ_COMMENT = 'weft ip-masq';

/** Pure: the chains for cluster `network` (e.g. 10.5.0.0/16) and our own `subnet`. */
export function masqChains(network: string, subnet: string): MasqChain[] {
  return [
    {
      table: 'nat', chain: 'WEFT-POSTROUTING', parent: 'POSTROUTING', position: 'append',
      rules: [
        ['-s', network, '-d', network, '-j', 'RETURN'],
        // Traffic to our containers from outside keeps its source (port forwards, NodePorts).
        ['!', '-s', network, '-d', subnet, '-j', 'RETURN'],
        ['-s', network, '!', '-d', '224.0.0.0/4', '-j', 'MASQUERADE', '--random-fully'],
        // The host itself talking to remote containers: source becomes our device address, so replies come back over VXLAN.
        ['!', '-s', network, '-d', network, '-j', 'MASQUERADE', '--random-fully'],
      ],
    },
    {
      table: 'filter', chain: 'WEFT-FORWARD', parent: 'FORWARD', position: 'first',
      rules: [
        ['-s', network, '-j', 'ACCEPT'],
        ['-d', network, '-j', 'ACCEPT'],
      ],
    },
  ];
}

const jumpRule = (c: MasqChain): string[] => ['-m', 'comment', '--comment', MASQ_COMMENT, '-j', c.chain];

/** Pure: does `iptables -S CHAIN` output hold exactly our rules? */
export function chainMatches(listing: string, c: MasqChain): boolean {
  const lines = listing.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('-A '));
  const want = c.rules.map((r) => ['-A', c.chain, ...r].join(' '));
  return lines.length === want.length && lines.every((line, i) => line === want[i]);
}

export type Runner = (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

export const runIptables: Runner = (args) =>
  new Promise((resolve, reject) => {
    execFile('iptables', ['-w', '5', ...args], { timeout: 15_000 }, (error, stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
        reject(new WeftError('WEFT_E_OVERLAY_MASQ', "ip-masq needs 'iptables'; install the Debian package iptables", { cause: error }));
        return;
      }
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1;
      resolve({ code, stdout, stderr });
    });
  });

async function must(run: Runner, args: string[]): Promise<string> {
  const result = await run(args);
  if (result.code !== 0) {
    throw new WeftError('WEFT_E_OVERLAY_MASQ', `iptables ${args.join(' ')} failed (exit ${result.code}): ${result.stderr.trim()}`);
  }
  return result.stdout;
}

/** Installs or repairs the chains and their jump rules; returns how many things it changed. */
export async function ensureMasq(chains: readonly MasqChain[], run: Runner = runIptables): Promise<number> {
  let changed = 0;
  for (const c of chains) {
    const listing = await run(['-t', c.table, '-S', c.chain]);
    if (listing.code !== 0) {
      await must(run, ['-t', c.table, '-N', c.chain]);
      changed++;
    }
    if (listing.code !== 0 || !chainMatches(listing.stdout, c)) {
      await must(run, ['-t', c.table, '-F', c.chain]);
      for (const rule of c.rules) await must(run, ['-t', c.table, '-A', c.chain, ...rule]);
      changed++;
    }
    if ((await run(['-t', c.table, '-C', c.parent, ...jumpRule(c)])).code !== 0) {
      const where = c.position === 'first' ? ['-I', c.parent, '1'] : ['-A', c.parent];
      await must(run, ['-t', c.table, ...where, ...jumpRule(c)]);
      changed++;
    }
  }
  return changed;
}

/** Removes the jump rules and our chains; missing pieces are fine. */
export async function removeMasq(chains: readonly MasqChain[], run: Runner = runIptables): Promise<void> {
  for (const c of chains) {
    for (let i = 0; i < 10 && (await run(['-t', c.table, '-C', c.parent, ...jumpRule(c)])).code === 0; i++) {
      await must(run, ['-t', c.table, '-D', c.parent, ...jumpRule(c)]);
    }
    if ((await run(['-t', c.table, '-S', c.chain])).code === 0) {
      await must(run, ['-t', c.table, '-F', c.chain]);
      await must(run, ['-t', c.table, '-X', c.chain]);
    }
  }
}
