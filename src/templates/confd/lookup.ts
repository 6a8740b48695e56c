// Name lookups for confd's lookupIP/lookupSRV. Template functions are synchronous, so the lookup
// runs in a short-lived child process on the same Node runtime (its resolver: /etc/hosts, then
// DNS). As in confd, a failed lookup yields an empty result, never an error.
import { spawnSync } from 'node:child_process';
import { compareGoStrings } from './memkv.ts';

export interface SrvRecord {
  readonly Target: string;
  readonly Port: number;
  readonly Priority: number;
  readonly Weight: number;
}

const script = `
const dns = require('node:dns').promises;
const [kind, name] = process.argv.slice(1);
(kind === 'srv' ? dns.resolveSrv(name) : dns.lookup(name, { all: true }))
  .then((r) => process.stdout.write(JSON.stringify(r)), () => process.stdout.write('[]'));
`;

function run(kind: 'host' | 'srv', name: string): unknown[] {
  const result = spawnSync(process.execPath, ['-e', script, kind, name], { encoding: 'utf8', timeout: 10_000 });
  try {
    const parsed = JSON.parse(result.stdout) as unknown;
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

/** Addresses of a host name, as strings, sorted (confd's LookupIP). */
export function lookupHost(name: string): string[] {
  const found = run('host', name) as { address: string }[];
  return [...new Set(found.map((a) => a.address))].sort(compareGoStrings);
}

/** SRV records, sorted as confd sorts them (by target, port, priority and weight as one string). */
export function lookupSrv(service: string, proto: string, name: string): SrvRecord[] {
  const query = service === '' && proto === '' ? name : `_${service}._${proto}.${name}`;
  const found = run('srv', query) as { name: string; port: number; priority: number; weight: number }[];
  const records = found.map((r) => ({ Target: r.name.endsWith('.') ? r.name : `${r.name}.`, Port: r.port, Priority: r.priority, Weight: r.weight }));
  const sortKey = (r: SrvRecord): string => `${r.Target}${r.Port}${r.Priority}${r.Weight}`;
  return records.sort((a, b) => compareGoStrings(sortKey(a), sortKey(b)));
}
