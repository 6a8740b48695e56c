// An in-memory iptables for unit tests of the overlay's rules: the commands weft runs (`-S`, `-C`,
// `-A`, `-D`, `-N`, `-F`, `-X`, `--version`) and `iptables-restore --noflush` transactions, with
// the semantics checked against the real thing in test/e2e/overlay-restart.test.ts (a declared
// user chain is created or flushed; a table's lines apply at COMMIT or not at all).
import type { Runner } from './iptables.ts';
import { ruleLine } from './masq.ts';

type Tables = Map<string, Map<string, string[]>>;

const builtins: Record<string, string[]> = { nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'], filter: ['INPUT', 'FORWARD', 'OUTPUT'] };

export interface MemoryIptables {
  run: Runner;
  /** `iptables -t TABLE -S CHAIN` lines (`ip6tables` with family 6), undefined when the chain does not exist. */
  chain(table: string, chain: string, family?: 6): string[] | undefined;
  /** Every call as `command args…` (restore payloads left out). */
  readonly calls: string[];
  /** What `iptables --version` answers. */
  version: string;
  /** Policy of the built-in chains as `-S` shows it. */
  policy: Record<string, string>;
}

/** `-A CHAIN a b "c d"` into words, quotes removed. */
function words(line: string): string[] {
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] === undefined ? m[2]! : JSON.parse(`"${m[1]}"`) as string));
}

function apply(tables: Tables, table: string, verb: string, chain: string, rule: string[]): boolean {
  const t = tables.get(table);
  const user = !(builtins[table] ?? []).includes(chain);
  const rules = t?.get(chain);
  if (t === undefined) return false;
  switch (verb) {
    case '-N':
      if (rules !== undefined) return false;
      t.set(chain, []);
      return true;
    case '-X':
      if (rules === undefined || !user || rules.length > 0) return false;
      t.delete(chain);
      return true;
    case '-F':
      if (rules === undefined) return false;
      rules.length = 0;
      return true;
    case '-A':
      if (rules === undefined) return false;
      rules.push(ruleLine(chain, rule));
      return true;
    case '-D':
    case '-C': {
      const at = rules?.indexOf(ruleLine(chain, rule)) ?? -1;
      if (at < 0) return false;
      if (verb === '-D') rules!.splice(at, 1);
      return true;
    }
    default:
      return false;
  }
}

function restore(tables: Tables, payload: string): boolean {
  let work: Tables | undefined;
  let table = '';
  for (const raw of payload.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      table = line.slice(1);
      work = new Map([[table, new Map([...(tables.get(table) ?? [])].map(([c, r]) => [c, [...r]]))]]);
    } else if (work === undefined) {
      return false;
    } else if (line === 'COMMIT') {
      tables.set(table, work.get(table)!);
      work = undefined;
    } else if (line.startsWith(':')) {
      const chain = line.slice(1).split(' ')[0]!;
      // --noflush: a declared user chain is flushed if it exists, created if not.
      work.get(table)!.set(chain, []);
    } else {
      const [verb = '', chain = '', ...rule] = words(line);
      if (!apply(work, table, verb, chain, rule)) return false;
    }
  }
  return work === undefined;
}

export function createMemoryIptables(): MemoryIptables {
  const fresh = (): Tables => new Map(Object.entries(builtins).map(([t, chains]) => [t, new Map(chains.map((c) => [c, [] as string[]]))]));
  // iptables and ip6tables keep separate tables, as the kernel does.
  const byFamily = { 4: fresh(), 6: fresh() };
  const ok = (stdout = ''): { code: number; stdout: string; stderr: string } => ({ code: 0, stdout, stderr: '' });
  const fail = { code: 1, stdout: '', stderr: 'iptables: Bad rule (does a matching rule exist in that chain?).' };
  const mem: MemoryIptables = {
    calls: [],
    version: 'iptables v1.8.9 (nf_tables)',
    policy: {},
    chain: (table, chain, family) => byFamily[family ?? 4].get(table)?.get(chain)?.slice(),
    run: async (command, args, input) => {
      mem.calls.push([command, ...args].join(' '));
      const tables = byFamily[command.startsWith('ip6') ? 6 : 4];
      if (command.endsWith('-restore')) return restore(tables, input ?? '') ? ok() : { code: 2, stdout: '', stderr: 'iptables-restore: line failed' };
      if (args[0] === '--version') return ok(`${mem.version}\n`);
      const [, table = 'filter', verb = '', chain = '', ...rule] = args[0] === '-t' ? args : ['-t', 'filter', ...args];
      if (verb === '-S') {
        const rules = tables.get(table)?.get(chain);
        if (rules === undefined) return { code: 1, stdout: '', stderr: `iptables: No chain/target/match by that name.` };
        const head = (builtins[table] ?? []).includes(chain) ? `-P ${chain} ${mem.policy[chain] ?? 'ACCEPT'}` : `-N ${chain}`;
        return ok([head, ...rules, ''].join('\n'));
      }
      return apply(tables, table, verb, chain, rule) ? ok() : fail;
    },
  };
  return mem;
}
