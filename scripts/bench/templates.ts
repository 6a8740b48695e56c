// `npm run bench -- templates [iterations=50] [rounds=8]`: parse + render of a 200-line confd-style
// Go template over 1000 keys (templates/case.ts), with weft's port and with Go's text/template (the
// test oracle, built from source by src/gotemplate/testdata/oracle/oracle.ts). A pure-function
// microbench: each side runs as its own process pinned to coresFor.subject, started anew every
// round — weft's through a small script on the pinned Node (templates/render-loop.ts, not a `weft`
// subcommand), Go's as the oracle's `bench N` mode; both read the same case on stdin and time N
// renders themselves (weft after 20 untimed JIT warm-up renders). Rounds interleaved (weft, go, ...)
// after a warm-up of each; median and range of per-round ratios; bench-results/templates.json.
// About 1 min with the defaults (the Go build included; 3 min at load 12 on 2 cores). Needs Go
// (Debian golang-go).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildOracle, goVersion, removeOracle, toOracleCase } from '../../src/gotemplate/testdata/oracle/oracle.ts';
import { cores, coresFor, interleave, pin, pinned, type Figures } from './lib/method.ts';
import { writeResult } from './lib/result.ts';
import { benchData, benchTemplate } from './templates/case.ts';

const iterations = Number(process.argv[2] ?? 50);
const rounds = Number(process.argv[3] ?? 8);
pin(process.pid, coresFor.load);
const text = benchTemplate();
const input = JSON.stringify(toOracleCase({ id: 'bench', text, data: benchData() }));

/** Runs one side pinned to the subject core; it prints {msPerRender, bytes}. */
function side(command: string, args: readonly string[]): Figures {
  const [file, argv] = pinned(coresFor.subject, command, args);
  const run = spawnSync(file, argv, { input, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${run.status ?? run.signal}): ${run.stderr}`);
  return JSON.parse(run.stdout) as Figures;
}

const binary = buildOracle();
try {
  const loop = join(import.meta.dirname, 'templates', 'render-loop.ts');
  process.stdout.write(
    `gotemplate bench: ${text.split('\n').length - 1}-line template, 1000 keys, parse + render, ${iterations} renders per round x ${rounds} rounds; ` +
      `both sides on core(s) ${coresFor.subject} (${cores} cores)\n`,
  );
  const records = await interleave(
    [
      { name: 'weft', measure: async () => side(process.execPath, [loop, String(iterations)]) },
      { name: 'go', measure: async () => side(binary, ['bench', String(iterations)]) },
    ],
    {
      rounds,
      onRound: ({ round, subject, load1, figures: f }) =>
        process.stdout.write(`round ${round} ${subject.padEnd(4)} ${(f.msPerRender ?? NaN).toFixed(3)} ms/render   ${f.bytes} bytes   load ${load1.toFixed(1)}\n`),
    },
  );
  const bytes = new Set(records.map((r) => r.figures.bytes));
  if (bytes.size !== 1) process.stdout.write(`warning: weft and Go rendered different sizes: ${[...bytes].join(', ')} bytes\n`);
  writeResult({
    bench: 'templates',
    title: "Go text/template: weft's port vs Go's, parse + render of a 200-line template over 1000 keys",
    versions: { go: goVersion() },
    method: {
      template: `${text.split('\n').length - 1} lines, confd style (four loops over 1000 keys, then one lookup per line)`,
      outputBytes: [...bytes].join(', '),
      iterationsPerRound: iterations,
      rounds,
      warmupRounds: 1,
      weft: 'scripts/bench/templates/render-loop.ts, a new process each round, 20 untimed renders first',
      go: 'the oracle (src/gotemplate/testdata/oracle/main.go) bench mode, a new process each round',
      subjectCores: coresFor.subject,
    },
    metrics: [{ name: 'msPerRender', unit: 'ms', better: 'lower', label: 'parse + render' }],
    subjects: ['weft', 'go'],
    rounds: records,
    pairs: [['weft', 'go']],
    goals: ({ medians }) => {
      const ms = medians.msPerRender?.weft ?? NaN;
      return [{ text: `weft parse + render < 5 ms (${ms.toFixed(2)} ms)`, met: ms < 5 }];
    },
  });
} finally {
  removeOracle(binary);
}
