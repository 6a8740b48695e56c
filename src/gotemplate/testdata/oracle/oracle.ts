// Go's side of the differential tests, `npm run oracle` and the benchmark: builds the oracle
// (main.go beside this file, standard library only) and renders cases with Go's text/template.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Case, Rendered } from '../corpus.ts';

const oracleSource = join(dirname(fileURLToPath(import.meta.url)), 'main.go');

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

/** `go version`'s whole line, e.g. `go version go1.19.8 linux/amd64`. */
export function goVersion(): string {
  return spawnSync('go', ['version'], { encoding: 'utf8' }).stdout.trim();
}

/** The Go release alone (`go1.19.8`), as recorded in the golden files. */
export function goRelease(): string {
  return /\bgo\d+(\.\d+)*\S*/.exec(goVersion().replace(/^go version /, ''))?.[0] ?? 'unknown';
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
