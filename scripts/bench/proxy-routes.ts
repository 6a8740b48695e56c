// `npm run bench -- proxy-routes [ms-per-case=250] [rounds=10]`: ns per route() for 10 and 1000
// routers, for route files as weft's template renders them (Host && PathPrefix: host-indexed) and
// for rules the index cannot help (PathPrefix only, HostRegexp), matching the last router or none.
// A pure-function microbench: the measuring loop is a small script run as its own process with the
// pinned Node (proxy/routes-loop.ts, pinned to coresFor.subject; this process waits on
// coresFor.load), not a `weft` subcommand. It lives for the whole run: a warm-up round, then every
// round runs every case once for ms-per-case (cases interleaved, rounds repeated). No peer: Traefik
// is not on this machine, so there is one subject, 'weft', one metric per case and no pairs.
// About 25 s with the defaults. Writes bench-results/proxy-routes.json.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { cores, coresFor, interleave, pin, pinned } from './lib/method.ts';
import { writeResult, type Metric } from './lib/result.ts';

const budgetMs = Number(process.argv[2] ?? 250);
const rounds = Number(process.argv[3] ?? 10);

pin(process.pid, coresFor.load);
const [command, args] = pinned(coresFor.subject, process.execPath, [join(import.meta.dirname, 'proxy', 'routes-loop.ts'), String(budgetMs)]);
const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();

async function nextLine(): Promise<Record<string, unknown>> {
  const { value, done } = await lines.next();
  if (done === true) throw new Error(`routes-loop exited: ${child.exitCode ?? child.signalCode}`);
  return JSON.parse(value) as Record<string, unknown>;
}

try {
  const { cases } = (await nextLine()) as { cases: { name: string; label: string }[] };
  process.stdout.write(`proxy route matching: ${cases.length} cases x ${budgetMs} ms per round, ${rounds} rounds after a warm-up; loop on core(s) ${coresFor.subject} (${cores} cores), node ${process.version}\n`);
  const records = await interleave(
    [
      {
        name: 'weft',
        measure: async () => {
          child.stdin.write('measure\n');
          return ((await nextLine()) as { figures: Record<string, number> }).figures;
        },
      },
    ],
    {
      rounds,
      onRound: ({ round, load1, figures }) => process.stdout.write(`round ${round} (load ${load1.toFixed(1)}): ${cases.map((c) => `${c.name} ${(figures[c.name] ?? NaN).toFixed(0)}`).join('  ')} ns\n`),
    },
  );
  const metrics: Metric[] = cases.map(({ name, label }) => ({ name, label, unit: 'ns/route()', better: 'lower' }));
  writeResult({
    bench: 'proxy-routes',
    title: 'Route matching: ns per route() (weft only: no Traefik on this machine)',
    method: {
      loop: 'scripts/bench/proxy/routes-loop.ts, its own process on the pinned Node, alive for the whole run',
      msPerCasePerRound: budgetMs,
      rounds,
      warmupRounds: 1,
      subjectCores: coresFor.subject,
      peer: 'none (Traefik not installed): no pairs',
    },
    metrics,
    subjects: ['weft'],
    rounds: records,
    pairs: [],
  });
} finally {
  child.stdin.end();
  if (child.exitCode === null) child.kill('SIGTERM');
}
