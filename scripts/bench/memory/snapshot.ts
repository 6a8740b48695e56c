// `node scripts/bench/memory/snapshot.ts FILE.heapsnapshot [top=25]`: where a daemon's live heap
// goes, from a V8 heap snapshot (`weft daemon` run with NODE_OPTIONS=--heapsnapshot-signal=SIGUSR2,
// then `kill -USR2 <pid>`; the memory bench does both with WEFT_BENCH_MEMORY_SNAPSHOT=1). Prints
// self size and count per constructor (object), per type otherwise (strings, code, arrays,
// closures), largest first, and the total. Self sizes only: retained sizes need the dominator tree,
// which this small reader does not build; the constructor names are enough to find the owner.
import { readFileSync } from 'node:fs';

interface Snapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: string[]; readonly node_types: [string[], ...unknown[]] } };
  readonly nodes: number[];
  readonly strings: string[];
}

export function bytesByConstructor(snapshot: Snapshot): Map<string, { size: number; count: number }> {
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
  const totals = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt] ?? 0] ?? '?';
    const name = snapshot.strings[snapshot.nodes[i + nameAt] ?? 0] ?? '?';
    // Objects by constructor; strings, code, arrays and the rest by type (their names are contents).
    const key = type === 'object' ? name : type === 'native' ? `native ${name.slice(0, 40)}` : `(${type})`;
    const entry = totals.get(key) ?? { size: 0, count: 0 };
    entry.size += snapshot.nodes[i + sizeAt] ?? 0;
    entry.count += 1;
    totals.set(key, entry);
  }
  return totals;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (file === undefined) throw new Error('usage: snapshot.ts FILE.heapsnapshot [top]');
  const top = Number(process.argv[3] ?? 25);
  const totals = bytesByConstructor(JSON.parse(readFileSync(file, 'utf8')) as Snapshot);
  const sorted = [...totals].sort((a, b) => b[1].size - a[1].size);
  const all = sorted.reduce((sum, [, v]) => sum + v.size, 0);
  process.stdout.write(`live heap in ${file}: ${(all / 2 ** 20).toFixed(1)} MiB\n`);
  for (const [name, { size, count }] of sorted.slice(0, top)) {
    process.stdout.write(`${(size / 2 ** 20).toFixed(2).padStart(8)} MiB ${String(count).padStart(8)}  ${name}\n`);
  }
}
