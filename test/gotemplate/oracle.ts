// Shared by the differential test, the property test and the benchmark: builds the Go oracle
// (test/gotemplate-oracle/main.go, standard library only) and renders cases with Go and with weft.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Template, TemplateExecError, TemplateParseError } from '../../src/templates/gotemplate/index.ts';
import { testFuncs } from './test-funcs.ts';

export interface Case {
  id: string;
  /** Shorthand for templates: [{ name: 't', text }]. */
  text?: string;
  templates?: { name: string; text: string }[];
  data?: unknown;
  missingkey?: 'default' | 'zero' | 'error';
  delims?: [string, string];
  entry?: string;
}

export interface Rendered {
  id: string;
  ok: boolean;
  out: string;
  err?: string;
  phase?: 'parse' | 'exec' | 'data';
}

const oracleSource = join(dirname(fileURLToPath(import.meta.url)), '..', 'gotemplate-oracle', 'main.go');

/** Builds the oracle into a temp dir; fails loudly (never skips) when Go is missing. */
export function buildOracle(): string {
  const version = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (version.error !== undefined || version.status !== 0) {
    throw new Error(
      "the Go toolchain ('go') is required for the text/template oracle: install the Debian package golang-go (apt-get install golang-go)",
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'weft-gotemplate-oracle-'));
  const binary = join(dir, 'oracle');
  const build = spawnSync('go', ['build', '-o', binary, oracleSource], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GOCACHE: join(dir, 'cache'),
      GOPATH: join(dir, 'gopath'),
      GO111MODULE: 'off',
      GOFLAGS: '',
      GOTOOLCHAIN: 'local',
      CGO_ENABLED: '0',
    },
  });
  if (build.status !== 0) throw new Error(`building the Go oracle failed:\n${build.stderr}`);
  return binary;
}

export function goVersion(): string {
  return spawnSync('go', ['version'], { encoding: 'utf8' }).stdout.trim();
}

export function toOracleCase(c: Case): Record<string, unknown> {
  return {
    id: c.id,
    templates: c.templates ?? [{ name: 't', text: c.text ?? '' }],
    data: c.data ?? null,
    missingkey: c.missingkey ?? '',
    delims: c.delims ?? [],
    entry: c.entry ?? '',
  };
}

/** Renders every case with Go in one oracle process. */
export function renderWithGo(binary: string, cases: readonly Case[]): Rendered[] {
  const run = spawnSync(binary, [], {
    input: JSON.stringify(cases.map(toOracleCase)),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`the Go oracle failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Rendered[];
}

/** Renders one case with weft, mirroring the oracle's build() and run(). */
export function renderWithWeft(c: Case): Rendered {
  const templates = c.templates ?? [{ name: 't', text: c.text ?? '' }];
  const first = templates[0];
  if (first === undefined) return { id: c.id, ok: false, out: '', err: 'case has no templates', phase: 'parse' };
  const root = new Template(first.name).funcs(testFuncs);
  if (c.delims !== undefined) root.delims(c.delims[0], c.delims[1]);
  if (c.missingkey !== undefined) root.option(`missingkey=${c.missingkey}`);
  try {
    templates.forEach((nt, i) => (i === 0 ? root : root.new(nt.name)).parse(nt.text));
  } catch (error) {
    if (error instanceof TemplateParseError) return { id: c.id, ok: false, out: '', err: error.message, phase: 'parse' };
    throw error;
  }
  try {
    // The oracle sees the data after JSON.stringify (-0 becomes 0); weft must see the same.
    const data: unknown = JSON.parse(JSON.stringify(c.data ?? null));
    const out = c.entry !== undefined && c.entry !== '' ? root.executeTemplate(c.entry, data) : root.execute(data);
    return { id: c.id, ok: true, out };
  } catch (error) {
    if (error instanceof TemplateExecError) return { id: c.id, ok: false, out: error.output, err: error.message, phase: 'exec' };
    throw error;
  }
}
