// weft-cni's diagnostics: one JSON line on stderr per event (runtimes log a plugin's stderr).
// No pino here on purpose: it would cost the plugin's start.
export function note(event: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(`${JSON.stringify({ plugin: 'weft-cni', event, ...fields })}\n`);
}
