// Preload (`node --import ./test/harness/module-trace.ts ...`) that records the URL of every module
// the process resolves, import or require, and writes them one per line to $WEFT_MODULE_TRACE at
// exit: the startup tests read a command's module graph from it instead of timing the command.
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const out = process.env.WEFT_MODULE_TRACE;
const seen = new Set<string>();
if (out !== undefined && out !== '') {
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      seen.add(resolved.url);
      return resolved;
    },
  });
  process.on('exit', () => writeFileSync(out, [...seen].join('\n')));
}
