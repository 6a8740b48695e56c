// Before/after for DNS hot-path work: the `weft daemon` of another checkout (e.g. `git worktree add
// /tmp/weft-old HEAD~1`, node_modules linked), this checkout's, and the ceiling, side by side on the
// zone queries of the dns bench, each pinned to coresFor.subject, dnsperf on coresFor.load.
// Prints qps and CPU per query of each, and each weft's share of the ceiling, per round.
// usage: node scripts/bench/dns/ab.ts OLD_CHECKOUT [seconds=5] [rounds=3]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, startEtcd } from '../../../test/harness/etcd.ts';
import { testClient } from '../../../test/harness/etcd-client.ts';
import { coresFor, pin } from '../lib/method.ts';
import { answering, cpuMs, dnsperf, shuffle, startCeiling, startWeft, stopChild } from './setup.ts';

const [oldCheckout, secondsArg, roundsArg] = process.argv.slice(2);
if (oldCheckout === undefined) throw new Error('usage: node scripts/bench/dns/ab.ts OLD_CHECKOUT [seconds] [rounds]');
const seconds = Number(secondsArg ?? 5);
const rounds = Number(roundsArg ?? 3);
pin(process.pid, coresFor.load);
const etcd = await startEtcd();
for (const member of etcd.members) pin(member.pid, coresFor.load);
const client = testClient(etcd.endpoints);
const queries: string[] = [];
for (let i = 0; i < 900; i++) {
  await client.put(`/skydns/internal/weft/bench/h${i}`).value(JSON.stringify({ host: `10.${20 + (i >> 8)}.${i & 0xff}.1` })).exec();
  queries.push(`h${i}.bench.weft.internal A`);
}
for (let i = 0; i < 100; i++) queries.push(`missing${i}.bench.weft.internal A`);
const dir = mkdtempSync(join(tmpdir(), 'weft-bench-dns-ab-'));
const file = join(dir, 'zone.queries');
writeFileSync(file, `${shuffle(queries).join('\n')}\n`);

const [newPort, oldPort, ceilingPort] = [await freePort(), await freePort(), await freePort()];
const flags = (port: number, state: string): string[] => [
  'daemon', '--etcd-endpoints', etcd.endpoint, '--no-subnet-enabled', '--no-overlay-enabled', '--dns-enabled', '--dns-listen', `127.0.0.1:${port}`,
  '--dns-forward', '--dns-upstream', '127.0.0.1:9', '--admin-socket', join(state, 'weft.sock'), '--daemon-state-dir', state, '--log-level', 'warn',
];
const current = startWeft(etcd.endpoint, newPort, 9);
const old = spawn(process.execPath, [resolve(oldCheckout, 'src/cli/main.ts'), ...flags(oldPort, join(dir, 'old'))], { stdio: 'ignore' });
pin(old.pid, coresFor.subject);
const ceiling = startCeiling(ceilingPort);
try {
  await answering(newPort, 'h0.bench.weft.internal', 'weft', () => current.process.stderr);
  await answering(oldPort, 'h0.bench.weft.internal', 'old weft', () => '');
  await answering(ceilingPort, 'h0.bench.weft.internal', 'the ceiling', () => '');
  const subjects = [['old', oldPort, old.pid ?? 0], ['new', newPort, current.process.child.pid ?? 0], ['ceiling', ceilingPort, ceiling.pid ?? 0]] as const;
  for (let round = 0; round <= rounds; round++) {
    const row = new Map<string, { qps: number; cpuUs: number }>();
    for (const [name, port, pid] of subjects) {
      const before = cpuMs(pid);
      const r = await dnsperf(port, file, round === 0 ? Math.min(2, seconds) : seconds);
      row.set(name, { qps: r.qps, cpuUs: (1000 * (cpuMs(pid) - before)) / Math.max(1, r.noerror + r.nxdomain) });
    }
    if (round === 0) continue; // warm-up
    const c = row.get('ceiling')!;
    const line = (name: string): string => {
      const m = row.get(name)!;
      return `${name} ${Math.round(m.qps)} qps ${m.cpuUs.toFixed(1)} µs/query (${(m.qps / c.qps).toFixed(2)}× the ceiling's qps, ${(m.cpuUs / c.cpuUs).toFixed(2)}× its CPU)`;
    };
    process.stdout.write(`round ${round}: ${line('old')}; ${line('new')}; ceiling ${Math.round(c.qps)} qps ${c.cpuUs.toFixed(1)} µs/query\n`);
  }
} finally {
  await stopChild(current.process.child);
  await stopChild(old);
  await stopChild(ceiling);
  client.close();
  await etcd.destroy();
  rmSync(current.dir, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
}
