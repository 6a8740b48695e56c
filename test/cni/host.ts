// One container host as a CNI runtime sees it, inside a test bed's host netns: a plugin dir
// (CNI_PATH) with weft-cni and Debian's reference plugins, libcni's cache dir, conflists, and
// the host's own /run/weft, /run/flannel and /var/lib/cni. Hosts of a test bed share one filesystem, so every
// driver run enters a mount namespace (the one `ip netns exec` makes, slave to the root) where
// this host's dirs are bound over /run/weft (weft-cni's default admin socket), /run/flannel (its
// default subnet file, flannel's path) and /var/lib/cni (host-local's allocations, weft-cni's dataDir): defaults resolve per host, as
// on real machines, and one host's GC never sees another's allocations. Nothing is mounted in
// the root namespace; the mount points /run/weft, /run/flannel and /var/lib/cni are created there if missing.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execOutcome, type DriverOptions } from './driver.ts';

export const referencePluginDir = '/usr/lib/cni';
const repo = fileURLToPath(new URL('../../', import.meta.url));
const pinnedNode = join(repo, 'node_modules', '.bin', 'node');
const nodeBinary = existsSync(pinnedNode) ? pinnedNode : process.execPath;

// $1: dir bound over /run/weft, $2: over /run/flannel, $3: over /var/lib/cni; then the command.
const hostViewScript = 'set -e; mkdir -p /run/weft /run/flannel /var/lib/cni; mount --bind "$1" /run/weft; mount --bind "$2" /run/flannel; mount --bind "$3" /var/lib/cni; shift 3; exec "$@"';

export interface CniHost {
  readonly ns: string;
  readonly root: string;
  readonly binDir: string;
  readonly cacheDir: string;
  /** Seen by the plugins as /run/weft. */
  readonly runDir: string;
  /** Seen by the plugins as /run/flannel. */
  readonly runFlannelDir: string;
  /** Seen by the plugins as /var/lib/cni. */
  readonly varLibCni: string;
  /** The wrapper writes `<CNI_COMMAND>-<CNI_CONTAINERID>` = the plugin's PID here. */
  readonly pidDir: string;
  /** How weft-cni was put in the bin dir: `weft cni install`, or the wrapper around cni/main.ts. */
  readonly installedBy: 'weft cni install' | 'cni/main.ts';
  /** Driver options for this host (prefix enters the host netns and its view). */
  driverOptions(extra?: Partial<DriverOptions>): DriverOptions;
  /** Writes a conflist into the host's dir; returns its path. */
  conflist(file: string, conflist: object): string;
  /** host-local's allocations of a network as `IP CONTAINERID IFNAME` (not `lock`, `last_reserved_ip.*`). */
  allocations(network: string): string[];
}

export interface CniHostOptions {
  ns: string;
  root: string;
  /** The daemon's subnet file and admin socket, linked as /run/flannel/subnet.env and /run/weft/weft.sock. */
  subnetFile?: string;
  adminSocket?: string;
  /**
   * Try `weft cni install` first (default true); without it, the wrapper runs cni/main.ts, or the
   * file named by WEFT_TEST_CNI_PLUGIN (a plugin's main.ts elsewhere, e.g. a branch's worktree).
   */
  useInstall?: boolean;
}

async function installWeftCni(root: string): Promise<string | undefined> {
  const binDir = join(root, 'installed');
  const confDir = join(root, 'net.d');
  mkdirSync(binDir, { recursive: true });
  mkdirSync(confDir, { recursive: true });
  // WEFT_TEST_CNI_FROM_DIST=1 (the bench): install from the build in dist/, as a package would.
  const weftEntry = process.env.WEFT_TEST_CNI_FROM_DIST === '1' ? join(repo, 'dist', 'src', 'cli', 'main.js') : join(repo, 'src', 'cli', 'main.ts');
  const out = await execOutcome(nodeBinary, [weftEntry, 'cni', 'install', '--bin-dir', binDir, '--conf-dir', confDir], { timeoutMs: 60_000 });
  const installed = join(binDir, 'weft-cni');
  if (out.code !== 0 || !existsSync(installed)) return undefined;
  // An install that cannot answer VERSION (e.g. no build in dist/) is no install to test.
  const version = await execOutcome('sh', ['-c', `echo '{"cniVersion":"1.0.0"}' | "$0"`, installed], { timeoutMs: 30_000, env: { ...process.env, CNI_COMMAND: 'VERSION' } });
  return version.code === 0 && version.stdout.includes('supportedVersions') ? installed : undefined;
}

export async function createCniHost(options: CniHostOptions): Promise<CniHost> {
  const { ns, root } = options;
  const dirs = { binDir: join(root, 'bin'), cacheDir: join(root, 'cache'), runDir: join(root, 'run-weft'), runFlannelDir: join(root, 'run-flannel'), varLibCni: join(root, 'var-lib-cni'), pidDir: join(root, 'pids') };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  for (const plugin of readdirSync(referencePluginDir)) symlinkSync(join(referencePluginDir, plugin), join(dirs.binDir, plugin));
  if (options.subnetFile !== undefined) symlinkSync(options.subnetFile, join(dirs.runFlannelDir, 'subnet.env'));
  if (options.adminSocket !== undefined) symlinkSync(options.adminSocket, join(dirs.runDir, 'weft.sock'));
  const override = process.env.WEFT_TEST_CNI_PLUGIN;
  const installed = override !== undefined || options.useInstall === false ? undefined : await installWeftCni(root);
  const main = override ?? join(repo, 'cni', 'main.ts');
  const plugin = installed === undefined ? `"${nodeBinary}" "${main}"` : `"${installed}"`;
  // exec keeps the PID: the one recorded is the plugin's own, for tests that SIGKILL it mid-ADD.
  writeFileSync(join(dirs.binDir, 'weft-cni'), [
    '#!/bin/sh',
    'if [ -n "$WEFT_CNI_PID_DIR" ]; then echo $$ > "$WEFT_CNI_PID_DIR/$CNI_COMMAND-$CNI_CONTAINERID"; fi',
    `exec ${plugin}`,
    '',
  ].join('\n'));
  chmodSync(join(dirs.binDir, 'weft-cni'), 0o755);
  return {
    ns, root, ...dirs,
    installedBy: installed === undefined ? 'cni/main.ts' : 'weft cni install',
    driverOptions: (extra = {}) => ({
      cniPath: [dirs.binDir],
      cacheDir: dirs.cacheDir,
      ...extra,
      prefix: ['ip', 'netns', 'exec', ns, 'sh', '-c', hostViewScript, 'weft-host-view', dirs.runDir, dirs.runFlannelDir, dirs.varLibCni, ...(extra.prefix ?? [])],
      env: { WEFT_CNI_PID_DIR: dirs.pidDir, ...extra.env },
    }),
    conflist(file, conflist) {
      const path = join(root, file);
      writeFileSync(path, JSON.stringify(conflist, null, 2));
      return path;
    },
    allocations(network) {
      const dir = join(dirs.varLibCni, 'networks', network);
      if (!existsSync(dir)) return [];
      return readdirSync(dir).filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip')).map((f) => `${f} ${readFileSync(join(dir, f), 'utf8').trim().split(/\r?\n/).join(' ')}`);
    },
  };
}
