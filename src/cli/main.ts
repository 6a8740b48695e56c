#!/usr/bin/env node
// The `weft` command: finds the subcommand (one or two words) in the static table and loads only
// that command's module. Keep this file's static imports tiny: they are paid by every command.
import { realpathSync } from 'node:fs';
import { enableCompileCache, getCompileCacheDir } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isWeftError } from '../errors.ts';
import { weftVersion } from '../version.ts';
import { processIo, type CommandEntry, type CommandIo } from './command.ts';
import { commands } from './commands.ts';

export { commands };

/**
 * Lets Node keep V8's compiled code (and, from source, the type-stripped text) of the command
 * modules loaded below between runs, in a directory only this user writes: never a shared /tmp,
 * which another user could fill. NODE_COMPILE_CACHE, when set, wins (Node enabled it already).
 */
function cacheCompiledCode(env: Readonly<Record<string, string | undefined>>): void {
  if (getCompileCacheDir() !== undefined) return;
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  if (base !== undefined) enableCompileCache(join(base, 'weft', 'node-compile-cache'));
}

function help(io: CommandIo): void {
  io.out(`weft ${weftVersion}: one daemon per container host (subnets, overlay, DNS, templates, proxy)\n\nusage:`);
  io.out('  weft --version | -v | help [COMMAND]');
  for (const command of commands) io.out(`  ${command.usage}\n      ${command.summary}`);
}

function find(argv: readonly string[]): CommandEntry | undefined {
  const two = `${argv[0]} ${argv[1] ?? ''}`;
  return commands.find((c) => c.name === two) ?? commands.find((c) => c.name === argv[0]);
}

function unknown(argv: readonly string[], io: CommandIo): number {
  io.err(`WEFT_E_USAGE: unknown command '${argv.slice(0, 2).join(' ')}'; run 'weft help' for the list`);
  return 2;
}

export async function main(argv: readonly string[], io: CommandIo = processIo): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-v') argv = ['version', ...argv.slice(1)];
  if (argv[0] === 'help' && argv.length > 1) {
    // `weft help dns add`: the usage of that command; `weft help dns`: every `dns ...` command.
    const wanted = argv.slice(1).join(' ');
    const matching = commands.filter((c) => c.name === wanted || c.name.startsWith(`${wanted} `));
    if (matching.length === 0) return unknown(argv.slice(1), io);
    for (const command of matching) io.out(`usage: ${command.usage}\n${command.summary}`);
    return 0;
  }
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    help(io);
    return argv.length === 0 ? 2 : 0;
  }
  const entry = find(argv);
  if (entry === undefined) return unknown(argv, io);
  const args = argv.slice(entry.name.split(' ').length);
  if (args.includes('--help') || args.includes('-h')) {
    io.out(`usage: ${entry.usage}\n${entry.summary}`);
    return 0;
  }
  try {
    const command = await entry.load();
    return await command.run(args, io);
  } catch (error) {
    io.err(isWeftError(error) ? `${error.code}: ${error.message}` : `weft: unexpected error: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}

// Run when executed (directly or through the npm bin symlink), not when imported by tests.
const invokedAs = process.argv[1] === undefined ? '' : realpathSync(process.argv[1]);
if (invokedAs === fileURLToPath(import.meta.url)) {
  cacheCompiledCode(process.env);
  process.exit(await main(process.argv.slice(2)));
}
