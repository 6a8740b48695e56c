// Output of `npm run demo`: section headers, the commands it runs with their short outputs, and
// one `ok: <capability> ...` line per thing shown working (the e2e test reads those markers).
const tty = process.stdout.isTTY;
const bold = (text: string): string => (tty ? `\x1b[1m${text}\x1b[0m` : text);
const green = (text: string): string => (tty ? `\x1b[32m${text}\x1b[0m` : text);

export const started = Date.now();
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

/** A section: `== N. title (at 12.3s)` and a line saying what it does. */
export function section(title: string, what: string): void {
  process.stdout.write(`\n${bold(`== ${title}`)} (at ${seconds(Date.now() - started)})\n${what.replace(/^/gm, '   ')}\n`);
}

/** A command as the user would type it, and its (trimmed) output. */
export function command(line: string, output = ''): void {
  process.stdout.write(`   $ ${line}\n`);
  const text = output.trimEnd();
  if (text !== '') process.stdout.write(`${text.replace(/^/gm, '     ')}\n`);
}

export function note(text: string): void {
  process.stdout.write(`${text.trimEnd().replace(/^/gm, '   ')}\n`);
}

/** The machine-checkable evidence: `ok: <capability> <detail>`. */
export function ok(capability: string, detail: string): void {
  process.stdout.write(`   ${green('ok:')} ${capability} ${detail}\n`);
}

/** Thrown when what the demo shows did not happen; the demo then tears down and exits 1. */
export class DemoFailure extends Error {}

export function expectThat(holds: boolean, what: string): void {
  if (!holds) throw new DemoFailure(what);
}

export function since(t0: number): string {
  return seconds(Date.now() - t0);
}
