// What a `weft` subcommand is: a name of one or two words, a one-line summary, and a function from
// arguments to an exit status. Output goes through `io` so tests can capture it.
export interface CommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface Command {
  /** e.g. 'daemon', 'config check'. */
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  run(args: readonly string[], io: CommandIo): Promise<number>;
}

export const processIo: CommandIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  env: process.env,
};

/** Splits `--config FILE` / `--config=FILE` out of the arguments; the rest are config flags. */
export function takeOption(args: readonly string[], name: string): { value: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === `--${name}` || arg === `-${name}`) value = args[++i];
    else if (arg.startsWith(`--${name}=`)) value = arg.slice(name.length + 3);
    else rest.push(arg);
  }
  return { value, rest };
}

export function takeSwitch(args: readonly string[], name: string): { on: boolean; rest: string[] } {
  const rest = args.filter((a) => a !== `--${name}` && a !== `-${name}`);
  return { on: rest.length !== args.length, rest };
}
