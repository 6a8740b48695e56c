#!/usr/bin/env node
// The `weft` command: finds the subcommand (one or two words) and runs it.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isWeftError } from '../errors.ts';
import { weftVersion } from '../version.ts';
import { processIo, type Command, type CommandIo } from './command.ts';
import { cniCommands } from './cni.ts';
import { confdCommand } from './confd.ts';
import { configCheck, configFlagsCommand, configShow } from './config.ts';
import { daemonCommand } from './daemon.ts';
import { dnsCommands } from './dns.ts';
import { leaseLs } from './lease.ts';
import { networkInit, networkShow } from './network.ts';
import { statusCommand } from './status.ts';

const versionCommand: Command = {
  name: 'version',
  usage: 'weft version',
  summary: 'Print the weft version and the Node.js runtime.',
  async run(_args, io) {
    io.out(`weft ${weftVersion} (node ${process.version})`);
    return 0;
  },
};

export const commands: readonly Command[] = [daemonCommand, statusCommand, networkInit, networkShow, leaseLs, ...dnsCommands, ...cniCommands, confdCommand, configCheck, configShow, configFlagsCommand, versionCommand];

function help(io: CommandIo): void {
  io.out(`weft ${weftVersion}: one daemon per container host (subnets, overlay, DNS, templates, proxy)\n\nusage:`);
  for (const command of commands) io.out(`  ${command.usage}\n      ${command.summary}`);
}

export async function main(argv: readonly string[], io: CommandIo = processIo): Promise<number> {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    help(io);
    return argv.length === 0 ? 2 : 0;
  }
  const two = `${argv[0]} ${argv[1] ?? ''}`;
  const command = commands.find((c) => c.name === two) ?? commands.find((c) => c.name === argv[0]);
  if (command === undefined) {
    io.err(`WEFT_E_USAGE: unknown command '${argv.slice(0, 2).join(' ')}'; run 'weft help' for the list`);
    return 2;
  }
  const args = argv.slice(command.name.split(' ').length);
  if (args.includes('--help') || args.includes('-h')) {
    io.out(`usage: ${command.usage}\n${command.summary}`);
    return 0;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    io.err(isWeftError(error) ? `${error.code}: ${error.message}` : `weft: unexpected error: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}

// Run when executed (directly or through the npm bin symlink), not when imported by tests.
const invokedAs = process.argv[1] === undefined ? '' : realpathSync(process.argv[1]);
if (invokedAs === fileURLToPath(import.meta.url)) process.exit(await main(process.argv.slice(2)));
