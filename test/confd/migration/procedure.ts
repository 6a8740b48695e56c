// The "From confd" procedure of docs/migrating.md, run as written against a real etcd by both the
// test (with `weft confd`) and record.ts (with real confd 0.16.0, whose outputs it saves). The
// guide's paths are swapped for a work dir: /etc/confd is a copy of ./confdir, /etc/myapp its
// output dir (also in the resources' dest and reload_cmd), and etcd's endpoint is the test's.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { guideSteps } from '../../harness/guide.ts';

const run = promisify(execFile);

export const fixture = fileURLToPath(new URL('.', import.meta.url));
export const section = '## From confd';

export interface ConfdResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs confd (or `weft confd`) with these arguments to completion. */
export type Confd = (args: string[]) => Promise<ConfdResult>;

export interface OutputFile {
  readonly content: string;
  readonly mode: number;
}

export interface Cat {
  readonly command: string;
  readonly expected: string[];
  readonly actual: string[];
}

export interface Outcome {
  /** The output dir after each confd run: file name → content and permission bits. */
  readonly runs: { readonly result: ConfdResult; readonly files: Map<string, OutputFile> }[];
  /** Each `cat` of the guide: the lines it shows and the file's (blank lines dropped, as the guide's parser does). */
  readonly cats: Cat[];
}

/** The files each resource writes (their `dest`, by base name): the ones whose mode is confd's doing. */
export function destinations(): string[] {
  const dir = join(fixture, 'confdir', 'conf.d');
  return readdirSync(dir)
    .map((name) => /^dest = "\/etc\/myapp\/([^"]+)"$/m.exec(readFileSync(join(dir, name), 'utf8'))?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();
}

function snapshot(out: string): Map<string, OutputFile> {
  const files = new Map<string, OutputFile>();
  for (const name of readdirSync(out).sort()) {
    files.set(name, { content: readFileSync(join(out, name), 'utf8'), mode: statSync(join(out, name)).mode & 0o7777 });
  }
  return files;
}

/** Runs the guide's block in `work` (a fresh empty dir) with `confd` where the guide says `weft confd`. */
export async function runProcedure(work: string, endpoint: string, confd: Confd): Promise<Outcome> {
  const confdir = join(work, 'confd');
  const out = join(work, 'myapp');
  cpSync(join(fixture, 'confdir'), confdir, { recursive: true });
  mkdirSync(out);
  for (const name of readdirSync(join(confdir, 'conf.d'))) {
    const file = join(confdir, 'conf.d', name);
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll('/etc/myapp/', `${out}/`));
  }
  const swap = (arg: string): string =>
    arg.replace(/^\/etc\/confd(?=\/|$)/, confdir).replace(/^\/etc\/myapp(?=\/|$)/, out).replace('http://127.0.0.1:2379', endpoint);
  const outcome: Outcome = { runs: [], cats: [] };
  for (const step of guideSteps(section)) {
    const [command, ...args] = step.argv.map(swap);
    if (command === 'etcdctl') {
      await run('etcdctl', ['--endpoints', endpoint, ...args], { env: { ...process.env, ETCDCTL_API: '3' } });
    } else if (command === 'chmod') {
      await run('chmod', args);
    } else if (command === 'weft' && args[0] === 'confd') {
      const result = await confd(args.slice(1));
      outcome.runs.push({ result, files: snapshot(out) });
    } else if (command === 'cat' && args.length === 1) {
      const actual = readFileSync(args[0] ?? '', 'utf8').split('\n').filter((line) => line.trim() !== '');
      outcome.cats.push({ command: step.argv.join(' '), expected: step.expected, actual });
    } else {
      throw new Error(`the guide runs ${String(command)}, which this procedure does not know`);
    }
  }
  return outcome;
}
