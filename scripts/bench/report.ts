// `npm run bench -- report [directory=bench-results]`: renders every bench-results/<name>.json in
// the shared BenchResult shape (scripts/bench/lib/result.ts) into bench-results/README.md (one
// Markdown table over all benches, then a section per bench) and bench-results/<name>.svg (a
// vega-lite chart per bench). Files in another shape are named in a one-line warning and skipped.
// Pure file work in this process: nothing is measured here.
import { renderDirectory } from './lib/render.ts';

const directory = process.argv[2] ?? 'bench-results';
const { results, skipped, written } = await renderDirectory(directory, (line) => process.stderr.write(`${line}\n`));
process.stdout.write(`${written.map((file) => `wrote ${file}`).join('\n')}\n${results.length} benches, ${skipped.length} skipped\n`);
