// Runs the "From confd" block of docs/migrating.md as written, with `weft confd` on a real etcd:
// after each run every file in the output dir must be byte for byte, and each resource's file mode
// for mode, what real confd 0.16.0 wrote for the same block (test/confd/migration/recorded, made
// by record.ts), and each `cat` must print what the guide shows.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { destinations, fixture, runProcedure } from '../confd/migration/procedure.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { runWeft } from '../harness/weft-process.ts';

let etcd: EtcdCluster;
let work: string;

beforeAll(async () => {
  etcd = await startEtcd();
  work = mkdtempSync(join(tmpdir(), 'weft-migrating-confd-'));
});
afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  await etcd?.destroy();
});

/** confd's outputs after its `run`-th run (1-based): file name → content. */
function recorded(run: number): Map<string, string> {
  const dir = join(fixture, 'recorded', `run-${run}`);
  return new Map(readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
}

it('the confd section of docs/migrating.md renders what confd 0.16.0 rendered', async () => {
  const outcome = await runProcedure(work, etcd.endpoint, (args) => runWeft(['confd', ...args]));
  expect(outcome.runs.length).toBe(readdirSync(join(fixture, 'recorded')).filter((name) => name.startsWith('run-')).length);
  expect(outcome.cats.length).toBeGreaterThanOrEqual(2);
  const modes = readFileSync(join(fixture, 'recorded', 'modes.txt'), 'utf8').trim().split('\n');
  expect(modes.length).toBe(outcome.runs.length * destinations().length);
  for (const [index, { result, files }] of outcome.runs.entries()) {
    expect({ run: index + 1, code: result.code, stderr: result.stderr }).toEqual({ run: index + 1, code: 0, stderr: '' });
    const contents = new Map([...files].map(([name, file]) => [name, file.content]));
    expect({ run: index + 1, files: contents }).toEqual({ run: index + 1, files: recorded(index + 1) });
    for (const name of destinations()) {
      const mode = (files.get(name)?.mode ?? 0).toString(8).padStart(4, '0');
      expect(modes).toContain(`run-${index + 1}/${name} ${mode}`);
    }
  }
  for (const cat of outcome.cats) expect({ cat: cat.command, lines: cat.actual }).toEqual({ cat: cat.command, lines: cat.expected });
});
