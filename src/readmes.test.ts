// Area READMEs in one shape (as CoreDNS tests its plugin READMEs), held true to the code: the
// sections, every schema key with its default, every metric the area registers, and the examples
// run — TOML through the real config schema (or confd's resource parser), TypeScript through tsc.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import type { Field } from './config/fields.ts';
import { loadConfig, schema, type SectionName } from './config/index.ts';
import { parseDuration } from './net/index.ts';
import { loadRouteFile } from './proxy/index.ts';
import { errorCodes } from './errors.ts';
import { parseResource } from './templates/confd/index.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sectionOrder = ['Owns', 'Consumes', 'Emits', 'Config', 'Metrics', 'Failure behaviour', 'Where we differ', 'Example'];

/** Each area README (src/<area>/README.md) and the schema sections its Config documents. */
const areas: Readonly<Record<string, readonly SectionName[]>> = {
  subnet: ['subnet'],
  overlay: ['overlay'],
  dns: ['dns'],
  templates: ['templates'],
  admin: ['admin'],
  etcd: ['etcd'],
  config: ['daemon', 'log'],
  proxy: ['proxy'],
  services: ['services'],
};
/** Schema sections of areas not built yet (the daemon refuses to enable them): no README so far. */
const unbuilt: readonly SectionName[] = [];
/** Library READMEs under src/ keep their own shape. */
const libraries = ['gotemplate', 'net'];

interface CodeBlock {
  readonly lang: string;
  readonly flags: readonly string[];
  readonly text: string;
  readonly line: number;
}

interface Readme {
  readonly headings: string[];
  readonly sections: Map<string, string>;
  readonly blocks: CodeBlock[];
}

function parseReadme(text: string): Readme {
  const readme: Readme = { headings: [], sections: new Map(), blocks: [] };
  let current: string | undefined;
  let fence: { lang: string; flags: string[]; line: number; body: string[] } | undefined;
  for (const [index, line] of text.split('\n').entries()) {
    const marker = /^```(.*)$/.exec(line);
    if (fence !== undefined) {
      if (marker !== null && marker[1] === '') {
        readme.blocks.push({ lang: fence.lang, flags: fence.flags, text: fence.body.join('\n'), line: fence.line });
        fence = undefined;
      } else fence.body.push(line);
    } else if (marker !== null) {
      const [lang = '', ...flags] = (marker[1] ?? '').trim().split(/\s+/);
      fence = { lang, flags, line: index + 1, body: [] };
    } else if (line.startsWith('## ')) {
      current = line.slice(3).trim();
      readme.headings.push(current);
      readme.sections.set(current, '');
      continue;
    }
    if (current !== undefined) readme.sections.set(current, `${readme.sections.get(current) ?? ''}${line}\n`);
  }
  return readme;
}

const readmes = new Map(Object.keys(areas).map((area) => [area, parseReadme(readFileSync(join(root, 'src', area, 'README.md'), 'utf8'))]));

function readmeOf(area: string): Readme {
  const readme = readmes.get(area);
  if (readme === undefined) throw new Error(`no README parsed for ${area}`);
  return readme;
}

/** Rows of the markdown tables in `text`, keyed by the first cell without backticks. */
function tableRows(text: string): Map<string, Record<string, string>> {
  const rows = new Map<string, Record<string, string>>();
  let header: string[] | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith('|')) {
      header = undefined;
      continue;
    }
    const cells = line.replace(/^\||\|$/g, '').split('|').map((cell) => cell.trim());
    if (header === undefined) header = cells.map((cell) => cell.toLowerCase());
    else if (!cells.every((cell) => /^:?-+:?$/.test(cell))) {
      rows.set((cells[0] ?? '').replaceAll('`', ''), Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])));
    }
  }
  return rows;
}

/** Whether a README's default cell shows the schema default (an empty default needs words). */
function showsDefault(field: Field<unknown>, cell: string): boolean {
  const value = field.default;
  if (value === '' || (Array.isArray(value) && value.length === 0)) return cell.replaceAll('`', '').trim() !== '';
  if (field.kind === 'duration') return (cell.match(/\d[\dmsh.]*/g) ?? []).some((token) => parseDuration(token) === value);
  if (field.kind === 'mode') return cell.includes(`0${(value as number).toString(8)}`);
  if (Array.isArray(value)) return value.every((item) => cell.includes(String(item)));
  return new RegExp(`(^|[^\\w.])${String(value).replaceAll('.', '\\.')}([^\\w]|$)`).test(cell);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Metric names the area registers: quoted `weft_<area>_...` literals in its source files. */
function registeredMetrics(area: string): string[] {
  const names = sourceFiles(join(root, 'src', area)).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(new RegExp(`['"\`](weft_${area}_[a-z0-9_]+)['"\`]`, 'g'))].map((m) => m[1] ?? ''),
  );
  return [...new Set(names)].sort();
}

/** Config rows of every area README whose key is a full `section.key` name. */
function dottedRows(): Map<string, Record<string, string>> {
  const rows = Object.keys(areas).flatMap((area) => [...tableRows(readmeOf(area).sections.get('Config') ?? '')]);
  return new Map(rows.filter(([key]) => key.includes('.')));
}

function blocksOf(lang: string): { area: string; block: CodeBlock }[] {
  return Object.keys(areas).flatMap((area) => readmeOf(area).blocks.filter((b) => b.lang === lang).map((block) => ({ area, block })));
}

/** One program type-checks every ```ts block, each as a virtual file two levels below the root. */
function typeCheck(examples: readonly { area: string; block: CodeBlock }[]): Map<string, string[]> {
  const tsconfig = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (tsconfig === undefined) throw new Error('tsconfig.json does not parse');
  const virtual = new Map(examples.map(({ area, block }) => [join(root, 'readme-examples', area, `line-${block.line}.ts`), block.text]));
  const host = ts.createCompilerHost(tsconfig.options);
  const real = { getSourceFile: host.getSourceFile.bind(host), fileExists: host.fileExists.bind(host), readFile: host.readFile.bind(host) };
  host.fileExists = (file) => virtual.has(file) || real.fileExists(file);
  host.readFile = (file) => virtual.get(file) ?? real.readFile(file);
  host.getSourceFile = (file, language, ...rest) => {
    const text = virtual.get(file);
    return text === undefined ? real.getSourceFile(file, language, ...rest) : ts.createSourceFile(file, text, language);
  };
  const program = ts.createProgram([...virtual.keys()], tsconfig.options, host);
  return new Map(
    [...virtual.keys()].map((file) => [
      file,
      ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => {
        const at = d.file !== undefined && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
        return `+${at}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      }),
    ]),
  );
}

describe('area READMEs', () => {
  it.each(Object.keys(areas))('%s has exactly the sections Owns … Example, in order', (area) => {
    expect(readmeOf(area).headings).toEqual(sectionOrder);
  });

  it('every README under src/ is an area README above (or a library README)', () => {
    const found = readdirSync(join(root, 'src'), { withFileTypes: true }).filter((e) => e.isDirectory() && !libraries.includes(e.name));
    const withReadme = found.filter((e) => readdirSync(join(root, 'src', e.name)).includes('README.md')).map((e) => e.name);
    expect(withReadme.sort()).toEqual(Object.keys(areas).sort());
  });

  it('every schema section is documented by one README (or belongs to an area not built yet)', () => {
    const documented = [...Object.values(areas).flat(), ...unbuilt].sort();
    expect(documented).toEqual(Object.keys(schema).sort());
  });

  it.each(Object.entries(areas))('%s documents every key of its schema sections with the default', (area, sections) => {
    const rows = tableRows(readmeOf(area).sections.get('Config') ?? '');
    const missing: string[] = [];
    for (const section of sections) {
      for (const [key, field] of Object.entries(schema[section] as Record<string, Field<unknown>>)) {
        // A key that joins two areas (proxy.services) may be documented, by its full name, in the other's README.
        const row = rows.get(key) ?? rows.get(`${section}.${key}`) ?? dottedRows().get(`${section}.${key}`);
        if (row === undefined) missing.push(`${section}.${key}: no table row`);
        else if (!showsDefault(field, row.default ?? '')) missing.push(`${section}.${key}: default cell "${row.default ?? ''}" does not show ${JSON.stringify(field.default)}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it.each(Object.keys(areas))('%s lists exactly the metrics its code registers', (area) => {
    const listed = (readmeOf(area).sections.get('Metrics') ?? '').match(new RegExp(`weft_${area}_[a-z0-9_]*[a-z0-9]`, 'g')) ?? [];
    expect([...new Set(listed)].sort()).toEqual(registeredMetrics(area));
  });

  it.each(Object.keys(areas))('%s names only error codes that exist in src/errors.ts', (area) => {
    const text = readFileSync(join(root, 'src', area, 'README.md'), 'utf8');
    expect((text.match(/WEFT_E_[A-Z0-9_]*[A-Z0-9]/g) ?? []).filter((code) => !(code in errorCodes))).toEqual([]);
  });

  it.each(Object.keys(areas))('%s has an example', (area) => {
    expect(readmeOf(area).sections.get('Example') ?? '').toMatch(/```/);
  });
});

describe('README examples', () => {
  const toml = blocksOf('toml');

  it.each(toml.filter(({ block }) => block.flags.length === 0).map(({ area, block }) => [area, block.line, block.text] as const))(
    '%s README line %i is a valid weft config',
    (_area, _line, text) => {
      expect(loadConfig({ text }).problems).toEqual([]);
    },
  );

  it.each(toml.filter(({ block }) => block.flags.includes('bad')).map(({ area, block }) => [area, block.line, block.text] as const))(
    '%s README line %i is rejected by the schema, as it says',
    (_area, _line, text) => {
      expect(loadConfig({ text }).problems.length).toBeGreaterThan(0);
    },
  );

  it.each(toml.filter(({ block }) => block.flags.includes('confd')).map(({ area, block }) => [area, block.line, block.text] as const))(
    '%s README line %i is a valid confd template resource',
    (_area, _line, text) => {
      const defaults = { templateDir: '/etc/confd/templates', globalPrefix: '', checkTimeout: 60_000, reloadTimeout: 60_000, lookupUser: () => 0, lookupGroup: () => 0 };
      expect(parseResource('example.toml', text, defaults).unknownKeys).toEqual([]);
    },
  );

  it.each(toml.filter(({ block }) => block.flags.includes('route')).map(({ area, block }) => [area, block.line, block.text] as const))(
    '%s README line %i is a valid proxy route file, without a warning',
    (_area, _line, text) => {
      const result = loadRouteFile(text);
      expect([...result.errors, ...result.warnings]).toEqual([]);
      expect(result.table?.routers.length).toBeGreaterThan(0);
    },
  );

  it('no toml block carries an unknown marker', () => {
    expect(toml.flatMap(({ block }) => block.flags.filter((flag) => flag !== 'bad' && flag !== 'confd' && flag !== 'route'))).toEqual([]);
  });

  const typescript = blocksOf('ts').filter(({ block }) => !block.flags.includes('no-check'));
  it('every ts block type-checks with the repo tsconfig', { timeout: 120_000 }, () => {
    expect(typescript.length).toBeGreaterThan(0);
    const failures = [...typeCheck(typescript)].filter(([, problems]) => problems.length > 0);
    expect(Object.fromEntries(failures)).toEqual({});
  });
});
