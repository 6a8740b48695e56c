// Records what real confd renders for the "From confd" procedure of docs/migrating.md:
//   node test/confd/migration/record.ts /path/to/confd    (confd 0.16.0, built as README.md says)
// Writes recorded/run-N/ (the output dir after the guide's N-th confd run) and recorded/modes.txt
// (the permission bits of each resource's file), which test/integration/migrating-confd.test.ts
// expects `weft confd` to reproduce byte for byte. Fails if the guide's `cat` lines are not confd's.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEtcd } from '../../harness/etcd.ts';
import { destinations, fixture, runProcedure, type ConfdResult } from './procedure.ts';

const binary = process.argv[2];
if (binary === undefined) throw new Error('usage: record.ts /path/to/confd');
const version = (await promisify(execFile)(binary, ['-version'])).stdout.trim();
if (!version.startsWith('confd 0.16.0')) throw new Error(`expected confd 0.16.0, got ${version}`);

const confd = (args: string[]): Promise<ConfdResult> =>
  new Promise((resolve) => {
    execFile(binary, args, (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }));
  });

const etcd = await startEtcd();
const work = mkdtempSync(join(tmpdir(), 'weft-confd-record-'));
try {
  const outcome = await runProcedure(work, etcd.endpoint, confd);
  for (const cat of outcome.cats) {
    if (cat.actual.join('\n') !== cat.expected.join('\n')) throw new Error(`${cat.command} prints, under confd:\n${cat.actual.join('\n')}`);
  }
  const recorded = join(fixture, 'recorded');
  rmSync(recorded, { recursive: true, force: true });
  const modes: string[] = [];
  for (const [index, { result, files }] of outcome.runs.entries()) {
    if (result.code !== 0) throw new Error(`confd run ${index + 1} exited ${String(result.code)}: ${result.stderr}`);
    const dir = join(recorded, `run-${index + 1}`);
    mkdirSync(dir, { recursive: true });
    for (const [name, file] of files) writeFileSync(join(dir, name), file.content);
    for (const name of destinations()) modes.push(`run-${index + 1}/${name} ${(files.get(name)?.mode ?? 0).toString(8).padStart(4, '0')}`);
  }
  writeFileSync(join(recorded, 'modes.txt'), `${modes.join('\n')}\n`);
  console.log(`recorded ${outcome.runs.length} runs of ${version}`);
} finally {
  rmSync(work, { recursive: true, force: true });
  await etcd.destroy();
}
