// `npm run chaos [-- [--short] [ID...]]`: runs the chaos scenarios (all, or the named ones), writes
// bench-results/chaos.json and renders docs/reliability.md (`-- --render`: only renders). Rows of
// scenarios not run this time are kept from the previous chaos.json. Needs root (network namespaces, tmpfs); every process and mount it makes is its own and is removed at the end.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { weftVersion } from '../../src/version.ts';
import { findEtcdBinary } from '../../test/harness/etcd.ts';
import { renderReliability, type Environment, type Results, type Row } from './report.ts';
import { allScenarios as scenarios, runScenarios } from './scenarios.ts';

const root = join(import.meta.dirname, '..', '..');
const resultsFile = join(root, 'bench-results', 'chaos.json');
const args = process.argv.slice(2);
const short = args.includes('--short');
const ids = args.filter((a) => !a.startsWith('--'));
if (args.includes('--render')) {
  writeFileSync(join(root, 'docs', 'reliability.md'), renderReliability(JSON.parse(readFileSync(resultsFile, 'utf8')) as Results, scenarios));
  process.exit(0);
}
const chosen = scenarios.filter((s) => ids.length === 0 || ids.includes(s.id));
if (chosen.length === 0) {
  process.stderr.write(`no scenario named ${ids.join(', ')}; there are:\n${scenarios.map((s) => `  ${s.id.padEnd(16)} ${s.name}`).join('\n')}\n`);
  process.exit(2);
}

const etcdVersion = /etcd Version: (\S+)/.exec(execFileSync(findEtcdBinary(), ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
const environment: Environment = { date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), weft: weftVersion, node: process.version, etcd: etcdVersion, kernel: release(), command: `npm run chaos${args.length === 0 ? '' : ` -- ${args.join(' ')}`}` };

const rows = await runScenarios(chosen, short, (row) => process.stdout.write(`${row.pass ? 'pass' : 'FAIL'}  ${row.scenario} (${Math.round(row.seconds)} s)\n${row.seen.map((s) => `      ${s}`).join('\n')}\n`));
const previous = existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Results).rows : [];
const merged: Row[] = scenarios.flatMap((s) => {
  const row = rows.find((r) => r.scenario === s.name);
  return row === undefined ? (previous.find((r) => r.scenario === s.name) ?? []) : { ...row, date: environment.date };
});
const results: Results = { environment, rows: merged };
mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(root, 'docs', 'reliability.md'), renderReliability(results, scenarios));
process.exitCode = rows.every((r) => r.pass) ? 0 : 1;
