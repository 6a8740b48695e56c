// Commands the host program runs in-process instead of through /bin/sh: the daemon registers
// `weft proxy check` so the services resource's check_cmd costs a function call, not a Node start
// (~40 ms, more than the whole render). A command is only taken when it is plain words (no shell
// syntax at all) that begin with a registered command's words; anything else goes to the shell.
import type { CommandResult } from './shell.ts';

/** Words of a registered command (e.g. `weft proxy check`) -> its in-process implementation. */
export type BuiltinCommands = ReadonlyMap<string, (args: readonly string[]) => Promise<CommandResult>>;

// Anything the shell would interpret: quotes, expansions, redirections, separators, globs, escapes.
const shellSyntax = /["'`$\\;&|<>(){}*?[\]~#!\n\r]/;

/** The builtin that runs `command`, with its arguments, or undefined when the shell must run it. */
export function matchBuiltin(command: string, builtins: BuiltinCommands | undefined): { run: (args: readonly string[]) => Promise<CommandResult>; args: string[] } | undefined {
  if (builtins === undefined || builtins.size === 0 || shellSyntax.test(command)) return undefined;
  const words = command.trim().split(/[ \t]+/).filter((w) => w !== '');
  for (const [name, run] of builtins) {
    const head = name.split(' ');
    if (head.length <= words.length && head.every((word, i) => words[i] === word)) return { run, args: words.slice(head.length) };
  }
  return undefined;
}
