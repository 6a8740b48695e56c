// The corpus and its golden outputs (Go's answers, written by `npm run oracle`), and weft's
// rendering of a case. Reads files only: the unit test that uses it runs without Go.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Template, TemplateExecError, TemplateParseError } from '../index.ts';
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

/** One answer, Go's or weft's; the oracle's JSON result record. */
export interface Rendered {
  id: string;
  ok: boolean;
  out: string;
  err?: string;
  phase?: 'parse' | 'exec' | 'data';
}

/** One corpus file: `corpus/<name>.json`, its cases with ids `<name>/<id>`. */
export interface CorpusFile {
  name: string;
  cases: Case[];
}

/** A Rendered as a golden file keeps it: an output over `largeOutput` UTF-16 units as its digest. */
export interface GoldenResult {
  id: string;
  ok: boolean;
  out?: string;
  /** sha256 (hex) of the UTF-8 output, and its length in bytes, when the output is large. */
  outSha256?: string;
  outBytes?: number;
  err?: string;
  phase?: Rendered['phase'];
}

/** `golden/<name>.json`: Go's answer to every case of `corpus/<name>.json`, in corpus order. */
export interface Golden {
  /** The Go release that produced it (`go1.19.8`). */
  go: string;
  /** Ids without the `<name>/` prefix, as in the corpus file. */
  results: GoldenResult[];
}

// One case prints a 10-million-space width; goldens stay small and still pin every byte.
export const largeOutput = 64 * 1024;

const testdataDir = dirname(fileURLToPath(import.meta.url));
export const corpusDir = join(testdataDir, 'corpus');
export const goldenDir = join(testdataDir, 'golden');

// Cases without a "data" key render default-data.json.
const defaultData: unknown = JSON.parse(readFileSync(join(testdataDir, 'default-data.json'), 'utf8'));

// Cases where weft knowingly differs from Go 1.19; each must still differ (so a fix is noticed)
// and is listed in src/gotemplate/README.md.
export const knownDivergences: ReadonlyMap<string, string> = new Map<string, string>([]);

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
}

export function loadCorpus(): CorpusFile[] {
  return jsonFiles(corpusDir).map((file) => {
    const name = file.replace(/\.json$/, '');
    const list = JSON.parse(readFileSync(join(corpusDir, file), 'utf8')) as Case[];
    const cases = list.map((c) => ({ ...c, id: `${name}/${c.id}`, data: 'data' in c ? c.data : defaultData }));
    return { name, cases };
  });
}

/** Every case of every corpus file, in file order. */
export function allCases(corpus: readonly CorpusFile[]): Case[] {
  return corpus.flatMap((f) => f.cases);
}

/** Names of the golden files present (without `.json`). */
export function goldenNames(): string[] {
  return jsonFiles(goldenDir).map((f) => f.replace(/\.json$/, ''));
}

export function goldenPath(name: string): string {
  return join(goldenDir, `${name}.json`);
}

/** The golden file's text, as written: one-space JSON and a final newline, like the corpus. */
export function goldenText(golden: Golden): string {
  return `${JSON.stringify(golden, null, 1)}\n`;
}

export function readGolden(name: string): Golden | undefined {
  try {
    return JSON.parse(readFileSync(goldenPath(name), 'utf8')) as Golden;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Go's answers keyed by full case id (`<name>/<id>`), from every golden file. */
export function goldenAnswers(corpus: readonly CorpusFile[]): Map<string, GoldenResult> {
  const answers = new Map<string, GoldenResult>();
  for (const { name } of corpus) {
    for (const r of readGolden(name)?.results ?? []) answers.set(`${name}/${r.id}`, { ...r, id: `${name}/${r.id}` });
  }
  return answers;
}

/** A rendering as its golden record: the fields that must agree byte for byte, in one order. */
export function goldenForm(r: Rendered, id = r.id): GoldenResult {
  const out: Pick<GoldenResult, 'out' | 'outSha256' | 'outBytes'> =
    r.out.length > largeOutput
      ? { outSha256: createHash('sha256').update(r.out, 'utf8').digest('hex'), outBytes: Buffer.byteLength(r.out, 'utf8') }
      : { out: r.out };
  return { id, ok: r.ok, ...out, ...(r.err !== undefined ? { err: r.err } : {}), ...(r.phase !== undefined ? { phase: r.phase } : {}) };
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
