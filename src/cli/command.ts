// What a `weft` subcommand is: a name of one or two words, a one-line summary, and a function from
// arguments to an exit status. Output goes through `io` so tests can capture it.
export interface CommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** What `weft help` shows of a command: static text, known without loading the command. */
export interface CommandSpec {
  /** e.g. 'daemon', 'config check'. */
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
}

export interface Command extends CommandSpec {
  run(args: readonly string[], io: CommandIo): Promise<number>;
}

/** A row of the command table (src/cli/commands.ts): the spec, and how to load the command. */
export interface CommandEntry extends CommandSpec {
  /** A dynamic import of the command's module: its dependencies load only when it runs. */
  load(): Promise<Command>;
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
