// weft's side of `npm run bench -- templates`, run as its own process (pinned by the bench to
// coresFor.subject), the twin of the Go oracle's `bench N` mode: reads one oracle case (JSON) on
// stdin, parses and renders it N times with weft's text/template port after 20 untimed renders
// (JIT warm-up), and prints {"msPerRender": x, "bytes": n} as the oracle does.
// usage: node scripts/bench/templates/render-loop.ts N < case.json
import { readFileSync } from 'node:fs';
import { Template } from '../../../src/gotemplate/index.ts';
import { testFuncs } from '../../../src/gotemplate/testdata/test-funcs.ts';

const iterations = Number(process.argv[2] ?? 200);
const benchCase = JSON.parse(readFileSync(0, 'utf8')) as { templates: { name: string; text: string }[]; data: unknown };
const { name, text } = benchCase.templates[0] ?? { name: 't', text: '' };

const renderOnce = (): string => new Template(name).funcs(testFuncs).parse(text).execute(benchCase.data);

for (let i = 0; i < 20; i++) renderOnce();
let output = '';
const start = performance.now();
for (let i = 0; i < iterations; i++) output = renderOnce();
const msPerRender = (performance.now() - start) / iterations;
process.stdout.write(`${JSON.stringify({ msPerRender, bytes: Buffer.byteLength(output) })}\n`);
