// `weft cni install` / `weft cni uninstall`: put weft-cni where container runtimes look for CNI
// plugins (a small /bin/sh wrapper that execs this Node with the plugin's entry, both absolute
// paths resolved at install time) and a conflist beside the runtime's other networks. Idempotent;
// uninstall removes only files install wrote (the wrapper's marker line, a conflist naming weft-cni).
import { mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WeftError } from '../errors.ts';
import { takeOption, takeSwitch, type Command, type CommandIo } from './command.ts';
import { spec } from './commands.ts';

export const wrapperName = 'weft-cni';
export const conflistName = '10-weft.conflist';
const marker = '# written by `weft cni install`; `weft cni uninstall` removes it';

/** The plugin's entry beside this CLI: dist/cni/main.js when built, cni/main.ts from the sources. */
export function pluginEntry(cliUrl: string = import.meta.url): string {
  return fileURLToPath(new URL(cliUrl.endsWith('.js') ? '../../cni/main.js' : '../../cni/main.ts', cliUrl));
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

export function wrapperScript(node: string, entry: string): string {
  return `#!/bin/sh\n${marker}\nexec ${shellQuote(node)} ${shellQuote(entry)} "$@"\n`;
}

/** The conflist for containerd/CRI-O/Kubernetes: weft-cni, then portmap for hostPort mappings. */
export function defaultConflist(): string {
  const conflist = {
    cniVersion: '1.0.0',
    name: 'weft',
    plugins: [
      { type: 'weft-cni', capabilities: { aliases: true } },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
  return `${JSON.stringify(conflist, null, 2)}\n`;
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new WeftError('WEFT_E_CNI_INSTALL', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

function writeAtomic(path: string, text: string, mode: number): void {
  const temp = `${path}.weft-tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    writeFileSync(temp, text, { mode });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new WeftError('WEFT_E_CNI_INSTALL', `cannot write ${path}: ${(error as Error).message}; run 'weft cni install' as root or pick --bin-dir/--conf-dir`, { cause: error });
  }
}

function isOurConflist(text: string): boolean {
  try {
    const parsed = JSON.parse(text) as { plugins?: { type?: unknown }[] };
    return Array.isArray(parsed.plugins) && parsed.plugins.some((p) => p.type === 'weft-cni');
  } catch {
    return false;
  }
}

interface Dirs {
  readonly binDir: string;
  readonly confDir: string;
  readonly force: boolean;
}

function parseDirs(args: readonly string[], io: CommandIo, usage: string): Dirs | undefined {
  const bin = takeOption(args, 'bin-dir');
  const conf = takeOption(bin.rest, 'conf-dir');
  const force = takeSwitch(conf.rest, 'force');
  if (force.rest.length > 0 || bin.value === '' || conf.value === '') {
    io.err(`WEFT_E_USAGE: usage: ${usage}`);
    return undefined;
  }
  return { binDir: bin.value ?? '/opt/cni/bin', confDir: conf.value ?? '/etc/cni/net.d', force: force.on };
}

export function installCni(dirs: Dirs, node: string, entry: string, io: CommandIo): void {
  const wrapperPath = join(dirs.binDir, wrapperName);
  const wrapper = wrapperScript(node, entry);
  const existing = readIfExists(wrapperPath);
  if (existing !== undefined && !existing.includes(marker) && !dirs.force) {
    throw new WeftError('WEFT_E_CNI_INSTALL', `${wrapperPath} exists and was not written by weft cni install; move it away or pass --force`);
  }
  if (existing === wrapper) io.out(`${wrapperPath}: unchanged`);
  else {
    writeAtomic(wrapperPath, wrapper, 0o755);
    io.out(`${wrapperPath}: written (runs ${node} ${entry})`);
  }
  const conflistPath = join(dirs.confDir, conflistName);
  const conflist = defaultConflist();
  const current = readIfExists(conflistPath);
  if (current === conflist) io.out(`${conflistPath}: unchanged`);
  else if (current !== undefined && !dirs.force) io.out(`${conflistPath}: exists and differs from the default; kept (--force replaces it)`);
  else {
    writeAtomic(conflistPath, conflist, 0o644);
    io.out(`${conflistPath}: written`);
  }
}

export function uninstallCni(dirs: Dirs, io: CommandIo): void {
  const wrapperPath = join(dirs.binDir, wrapperName);
  const wrapper = readIfExists(wrapperPath);
  if (wrapper === undefined) io.out(`${wrapperPath}: not there`);
  else if (!wrapper.includes(marker)) io.out(`${wrapperPath}: not written by weft cni install; left alone`);
  else {
    rmSync(wrapperPath);
    io.out(`${wrapperPath}: removed`);
  }
  const conflistPath = join(dirs.confDir, conflistName);
  const conflist = readIfExists(conflistPath);
  if (conflist === undefined) io.out(`${conflistPath}: not there`);
  else if (!isOurConflist(conflist)) io.out(`${conflistPath}: does not name weft-cni; left alone`);
  else {
    rmSync(conflistPath);
    io.out(`${conflistPath}: removed`);
  }
}

export const cniInstallCommand: Command = {
  ...spec('cni install'),
  async run(args, io) {
    const dirs = parseDirs(args, io, this.usage);
    if (dirs === undefined) return 2;
    installCni(dirs, realpathSync(process.execPath), realpathSync(pluginEntry()), io);
    return 0;
  },
};

export const cniUninstallCommand: Command = {
  ...spec('cni uninstall'),
  async run(args, io) {
    const dirs = parseDirs(args, io, this.usage);
    if (dirs === undefined) return 2;
    uninstallCni(dirs, io);
    return 0;
  },
};

