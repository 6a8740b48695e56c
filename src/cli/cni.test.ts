import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConflist, installCni, pluginEntry, uninstallCni, wrapperScript } from './cni.ts';
import type { CommandIo } from './command.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup(): { binDir: string; confDir: string; io: CommandIo; lines: string[] } {
  const root = mkdtempSync(join(tmpdir(), 'weft-cni-install-'));
  dirs.push(root);
  const lines: string[] = [];
  return { binDir: join(root, 'bin'), confDir: join(root, 'net.d'), lines, io: { out: (t) => lines.push(t), err: (t) => lines.push(t), env: {} } };
}

describe('weft cni install / uninstall', () => {
  it('installs a wrapper that runs the plugin (VERSION answers) and the conflist; a second install changes nothing', () => {
    const { binDir, confDir, io, lines } = setup();
    installCni({ binDir, confDir, force: false }, process.execPath, pluginEntry(), io);
    const wrapper = join(binDir, 'weft-cni');
    expect(statSync(wrapper).mode & 0o777).toBe(0o755);
    const out = execFileSync(wrapper, [], { env: { CNI_COMMAND: 'VERSION' }, input: '{"cniVersion":"1.0.0"}' }).toString();
    expect(JSON.parse(out)).toMatchObject({ cniVersion: '1.0.0', supportedVersions: expect.arrayContaining(['1.1.0']) as string[] });
    expect(JSON.parse(readFileSync(join(confDir, '10-weft.conflist'), 'utf8'))).toMatchObject({ name: 'weft', plugins: [{ type: 'weft-cni' }, { type: 'portmap' }] });
    lines.length = 0;
    installCni({ binDir, confDir, force: false }, process.execPath, pluginEntry(), io);
    expect(lines.every((l) => l.endsWith('unchanged'))).toBe(true);
  });

  it("keeps an edited conflist and refuses someone else's weft-cni unless --force", () => {
    const { binDir, confDir, io, lines } = setup();
    installCni({ binDir, confDir, force: false }, process.execPath, pluginEntry(), io);
    writeFileSync(join(confDir, '10-weft.conflist'), '{"name":"weft","plugins":[{"type":"weft-cni","dns":false}]}');
    installCni({ binDir, confDir, force: false }, process.execPath, pluginEntry(), io);
    expect(lines.at(-1)).toMatch(/kept/);
    writeFileSync(join(binDir, 'weft-cni'), '#!/bin/sh\necho other\n');
    expect(() => installCni({ binDir, confDir, force: false }, process.execPath, pluginEntry(), io)).toThrow(/not written by weft cni install/);
    installCni({ binDir, confDir, force: true }, process.execPath, pluginEntry(), io);
    expect(readFileSync(join(confDir, '10-weft.conflist'), 'utf8')).toBe(defaultConflist());
  });

  it('uninstall removes exactly what install wrote, and is idempotent', () => {
    const { binDir, confDir, io, lines } = setup();
    installCni({ binDir, confDir, force: false }, process.execPath, pluginEntry(), io);
    writeFileSync(join(binDir, 'bridge'), 'not ours');
    uninstallCni({ binDir, confDir, force: false }, io);
    expect(() => statSync(join(binDir, 'weft-cni'))).toThrow();
    expect(() => statSync(join(confDir, '10-weft.conflist'))).toThrow();
    expect(readFileSync(join(binDir, 'bridge'), 'utf8')).toBe('not ours');
    lines.length = 0;
    uninstallCni({ binDir, confDir, force: false }, io);
    expect(lines.every((l) => l.endsWith('not there'))).toBe(true);
    writeFileSync(join(binDir, 'weft-cni'), 'someone else');
    uninstallCni({ binDir, confDir, force: false }, io);
    expect(readFileSync(join(binDir, 'weft-cni'), 'utf8')).toBe('someone else');
  });

  it("writes the conflist cni/README.md shows first", () => {
    const readme = readFileSync(new URL('../../cni/README.md', import.meta.url), 'utf8');
    expect(JSON.parse(/```json\n([\s\S]*?)```/.exec(readme)?.[1] ?? '')).toEqual(JSON.parse(defaultConflist()));
  });

  it('quotes paths with spaces and quotes in the wrapper', () => {
    expect(wrapperScript("/opt/my node/bin/node", "/opt/it's/cni/main.js")).toContain(`exec '/opt/my node/bin/node' '/opt/it'\\''s/cni/main.js' "$@"`);
  });
});
