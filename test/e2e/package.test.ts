// Issue 17 item 4: `npm pack` makes a tarball that installs and runs. scripts/install.sh installs it
// with the pinned Node into a fresh root (a mount namespace whose /etc, /opt and /usr/local are
// overlays: test/harness/mount-sandbox.ts), twice (idempotent), and uninstall leaves nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MountSandbox } from '../harness/mount-sandbox.ts';

const repo = new URL('../../', import.meta.url).pathname;
const installScript = join(repo, 'scripts/install.sh');
const pinnedNode = process.execPath; // the repo's Node 24 (node_modules/node)
let work: string;
let tarball: string;
let listing: string[];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'weft-pack-'));
  // `npm pack` runs `prepare` (tsc -p tsconfig.build.json) first, as `npm publish` would.
  const npm = join(repo, 'node_modules/.bin/npm');
  const name = execFileSync(existsSync(npm) ? npm : 'npm', ['pack', '--pack-destination', work, '--loglevel=error'], { cwd: repo, encoding: 'utf8', env: { ...process.env, PATH: `${join(repo, 'node_modules/.bin')}:${process.env.PATH ?? ''}` } }).trim().split('\n').at(-1)!;
  tarball = join(work, name);
  listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter((l) => l !== '').map((l) => l.replace(/^package\//, ''));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships the bins, the unit, its helper, the example config, the LICENSE and the dependencies', () => {
    for (const file of ['dist/src/cli/main.js', 'dist/cni/main.js', 'scripts/weft.service', 'scripts/weft-notify-exec', 'scripts/install.sh', 'docs/weft.example.toml', 'LICENSE', 'README.md', 'node_modules/pino/package.json', 'node_modules/netlink/package.json']) expect(listing).toContain(file);
    const license = execFileSync('tar', ['-xzOf', tarball, 'package/LICENSE'], { encoding: 'utf8' });
    expect(license).toContain('Apache License');
    expect(license).toContain('Version 2.0, January 2004');
    expect(license).toContain('END OF TERMS AND CONDITIONS');
  });

  it('ships no source map of its own and no reference to one (src/ is not in the package)', () => {
    expect(listing.filter((f) => f.startsWith('dist/') && f.endsWith('.map'))).toEqual([]);
    expect(listing.some((f) => f.startsWith('src/'))).toBe(false);
    const js = execFileSync('tar', ['-xzOf', tarball, '--wildcards', 'package/dist/*.js'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(js).not.toContain('sourceMappingURL');
  });
});

describe('scripts/install.sh in a fresh root', () => {
  let sandbox: MountSandbox;
  beforeAll(async () => {
    sandbox = await MountSandbox.create();
  });
  afterAll(() => sandbox?.destroy());

  it('refuses a Node older than 22.19', async () => {
    const old = ['/usr/bin/node', '/usr/bin/nodejs'].find((p) => existsSync(p) && /^v(1\d|20|21)\./.test(execFileSync(p, ['--version'], { encoding: 'utf8' })));
    if (old === undefined) return; // no old Node on this machine to try; the version check is in install.sh
    const run = await sandbox.run('sh', [installScript, 'install', tarball, '--node', old]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/too old: weft needs >= 22\.19/);
    await sandbox.run('sh', [installScript, 'uninstall']);
  });

  it('installs, runs, installs again to the same files, and uninstalls to nothing', async () => {
    const first = await sandbox.run('sh', [installScript, 'install', tarball, '--node', pinnedNode]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const files = sandbox.written();
    for (const path of ['/opt/weft/node/bin/node', '/opt/weft/bin/weft', '/opt/weft/bin/weft-cni', '/opt/weft/bin/weft-notify-exec', '/opt/weft/lib/weft/dist/src/cli/main.js', '/usr/local/bin/weft', '/etc/systemd/system/weft.service', '/etc/bash_completion.d/weft', '/etc/weft/weft.toml', '/opt/cni/bin/weft-cni', '/etc/cni/net.d/10-weft.conflist']) expect(files).toContain(path);

    // From the installed paths only: a PATH without the repo's node_modules.
    const env = { PATH: '/usr/local/bin:/usr/bin:/bin' };
    const version = await sandbox.run('/usr/local/bin/weft', ['--version'], env);
    expect(version.stdout.trim()).toBe(`weft ${(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version} (node ${process.version})`);
    expect((await sandbox.run('weft', ['-v'], env)).code).toBe(0);
    expect((await sandbox.run('weft', ['config', 'check', '/etc/weft/weft.toml'], env)).stdout).toContain('ok');
    const cni = await sandbox.run('/opt/cni/bin/weft-cni', [], { ...env, CNI_COMMAND: 'VERSION' });
    expect((JSON.parse(cni.stdout) as { supportedVersions: string[] }).supportedVersions).toContain('1.0.0');
    const cniBin = await sandbox.run('/opt/weft/bin/weft-cni', [], { ...env, CNI_COMMAND: 'VERSION' });
    expect(cniBin.code).toBe(0);
    // The installed unit names only files that exist and passes systemd's own checks.
    const verify = await sandbox.run('systemd-analyze', ['verify', '/etc/systemd/system/weft.service']);
    expect(verify.stderr + verify.stdout).toBe('');
    expect(verify.code).toBe(0);
    const completion = await sandbox.run('bash', ['-c', 'source /etc/bash_completion.d/weft; COMP_WORDS=(weft lease ""); COMP_CWORD=2; _weft; echo "${COMPREPLY[*]}"']);
    expect(completion.stdout.trim()).toBe('ls');

    const before = sandbox.snapshot();
    const again = await sandbox.run('sh', [installScript, 'install', tarball, '--node', pinnedNode]);
    expect(again.code).toBe(0);
    expect(sandbox.snapshot()).toEqual(before);

    const removed = await sandbox.run('sh', [installScript, 'uninstall']);
    expect(removed.code).toBe(0);
    // Left in the upper layers: only directories that the real root has too (copied up on the way).
    const left = sandbox.snapshot();
    expect([...left.keys()].filter((path) => !existsSync(path))).toEqual([]);
    expect([...left.values()].filter((what) => what !== 'dir')).toEqual([]);
    const twice = await sandbox.run('sh', [installScript, 'uninstall']);
    expect(twice.code).toBe(0);
  });

  it('keeps an edited config on uninstall', async () => {
    expect((await sandbox.run('sh', [installScript, 'install', tarball, '--node', pinnedNode])).code).toBe(0);
    await sandbox.run('sh', ['-c', 'echo "# edited" >> /etc/weft/weft.toml']);
    const removed = await sandbox.run('sh', [installScript, 'uninstall']);
    expect(removed.stdout).toContain('kept /etc/weft/weft.toml');
    expect(sandbox.written().filter((p) => !existsSync(p))).toEqual(['/etc/weft', '/etc/weft/weft.toml']);
    await sandbox.run('rm', ['-rf', '/etc/weft']);
  });
});
