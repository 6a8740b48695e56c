// Scenarios that exist as vitest files already: the runner runs the file (sized by environment
// variables), and the row is its verdict plus the figures it prints. In CI these files run as part
// of `npm test` at their short sizes, so test/e2e/chaos.test.ts does not run them again.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Outcome, Scenario } from './scenario.ts';

const root = join(import.meta.dirname, '..', '..');

interface SuiteRun {
  readonly ok: boolean;
  readonly output: string;
  readonly passed: number;
}

function runVitest(file: string, env: Record<string, string>): Promise<SuiteRun> {
  return new Promise((resolve) => {
    const child = spawn(join(root, 'node_modules', '.bin', 'vitest'), ['run', '--reporter=verbose', file], { cwd: root, env: { ...process.env, ...env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('exit', (code) => {
      const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
      resolve({ ok: code === 0, output: plain, passed: Number(/Tests\s+(\d+) passed/.exec(plain)?.[1] ?? 0) });
    });
  });
}

function suite(id: string, name: string, goal: string, file: string, figures: (run: SuiteRun, short: boolean) => string[], env: (short: boolean) => Record<string, string> = () => ({})): Scenario {
  return {
    id, name, goal,
    async run({ short }): Promise<Outcome> {
      const run = await runVitest(file, env(short));
      const failedLines = run.ok ? [] : run.output.split('\n').filter((l) => /FAIL|AssertionError|Error:/.test(l)).slice(0, 3);
      return { seen: [...figures(run, short), `${run.passed} tests of ${file} passed`, ...failedLines], pass: run.ok, ...(short ? { note: 'short sizes' } : {}) };
    },
  };
}

const match = (run: SuiteRun, pattern: RegExp): string => pattern.exec(run.output)?.[0] ?? 'figure not printed';

export const suites: Scenario[] = [
  suite(
    'etcd-blackhole',
    'a silently dropped etcd connection (blackhole)',
    'detected and re-established within the keep-alive timeout',
    'test/e2e/etcd-blackhole.test.ts',
    (run) => [match(run, /etcd blackhole noticed after \d+ ms \(keepalive \d+ \+ \d+ ms\)/), run.ok ? 'the put made during the blackhole delivered once after the return' : 'not re-established'],
  ),
  suite(
    'dns-fuzz',
    'DNS: fuzzed packets',
    '1,000,000 fuzzed packets: 0 crashes, only well-formed replies, the answer table still right',
    'test/integration/dns-fuzz.test.ts',
    (run) => [match(run, /fuzz: seed \d+, \d+ packets, \d+ queries, \d+ replies/), '300 TCP connections of garbage and lying lengths'],
    (short) => ({ WEFT_FUZZ_PACKETS: short ? '100000' : '1000000' }),
  ),
  suite(
    'proxy-corpus',
    'proxy: the malformed-request corpus',
    '0 crashes: each bad request answered as Go\'s net/http does, none forwarded, still serving',
    'test/integration/proxy-server-bad-input.test.ts',
    () => [],
  ),
  suite(
    'template-random',
    'templates: random inputs',
    '0 crashes: generated templates render as Go\'s text/template does',
    'test/integration/gotemplate-property.test.ts',
    (run) => [match(run, /renders \d+ generated templates like Go \(seed \d+\)/)],
  ),
  suite(
    'cni-cycles',
    '1000 CNI ADD/DEL cycles with kills mid-ADD',
    '0 leaked addresses, links or names',
    'test/e2e/cni-cycles.test.ts',
    (run, short) => [`${short ? 100 : 1000} cycles, every 10th ADD SIGKILLed; ${run.ok ? '0' : 'some'} leaked addresses, links, names`],
    (short) => ({ WEFT_CNI_CYCLES: short ? '100' : '1000' }),
  ),
];
