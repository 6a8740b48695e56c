// Go's side of the differential tests, `npm run oracle` and the benchmark: builds the oracle
// (main.go beside this file, standard library only) and renders cases with Go's text/template.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Case, Rendered } from '../corpus.ts';

const oracleSource = join(dirname(fileURLToPath(import.meta.url)), 'main.go');

const tempPrefix = 'weft-gotemplate-oracle-';

/** Builds the oracle into a temp dir (removeOracle deletes it); fails loudly, never skips, without Go. */
export function buildOracle(): string {
  const version = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (version.error !== undefined || version.status !== 0) {
    throw new Error(
      "the Go toolchain ('go') is required for the text/template oracle: install the Debian package golang-go (apt-get install golang-go)",
    );
  }
  const dir = mkdtempSync(join(tmpdir(), tempPrefix));
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
  // The build cache is megabytes and of no use once the binary exists.
  rmSync(join(dir, 'cache'), { recursive: true, force: true });
  rmSync(join(dir, 'gopath'), { recursive: true, force: true });
  if (build.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`building the Go oracle failed:\n${build.stderr}`);
  }
  return binary;
}

/** Removes the temp dir buildOracle made for `binary`. */
export function removeOracle(binary: string): void {
  const dir = dirname(binary);
  if (basename(dir).startsWith(tempPrefix)) rmSync(dir, { recursive: true, force: true });
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
