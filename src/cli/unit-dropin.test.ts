import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from './main.ts';
import { unitWritable } from './unit-dropin.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function dropin(flags: string[]): Promise<string> {
  let out = '';
  expect(await main(['config', 'dropin', ...flags], { out: (t) => (out += `${t}\n`), err: (t) => (out += `ERR ${t}\n`), env: {} })).toBe(0);
  return out;
}

describe('weft config dropin', () => {
  it('knows the paths scripts/weft.service already grants', () => {
    const unit = readFileSync(new URL('../../scripts/weft.service', import.meta.url), 'utf8');
    expect(/^ReadWritePaths=(.*)$/m.exec(unit)?.[1]?.split(' ').map((p) => p.replace(/^-/, ''))).toEqual(unitWritable);
  });

  it('adds nothing for the defaults', async () => {
    const out = await dropin([]);
    expect(out).not.toMatch(/^ReadWritePaths=/m);
    expect(out).not.toContain('CapabilityBoundingSet');
  });

  it('grants template destination directories and moved paths, and chown only when a resource sets an owner', async () => {
    const confdir = mkdtempSync(join(tmpdir(), 'weft-dropin-'));
    dirs.push(confdir);
    mkdirSync(join(confdir, 'conf.d'));
    const resource = (dest: string, extra = ''): string => `[template]\nsrc = "x.tmpl"\ndest = "${dest}"\nkeys = ["/x"]\n${extra}`;
    writeFileSync(join(confdir, 'conf.d', 'nginx.toml'), resource('/etc/nginx/conf.d/upstreams.conf'));
    writeFileSync(join(confdir, 'conf.d', 'state.toml'), resource('/run/weft/x.conf'));
    const flags = ['--templates-enabled', '--templates-confdir', confdir, '--subnet-file', '/run/custom/subnet.env'];
    const plain = await dropin(flags);
    expect(plain).toMatch(/^ReadWritePaths=-\/etc\/nginx\/conf\.d -\/run\/custom$/m);
    expect(plain).not.toContain('CapabilityBoundingSet');

    writeFileSync(join(confdir, 'conf.d', 'haproxy.toml'), resource('/etc/haproxy/haproxy.cfg', 'uid = 0\ngid = 0\n'));
    const owned = await dropin(flags);
    expect(owned).toMatch(/^ReadWritePaths=-\/etc\/haproxy -\/etc\/nginx\/conf\.d -\/run\/custom$/m);
    expect(owned).toMatch(/^CapabilityBoundingSet=CAP_CHOWN CAP_FOWNER$/m);
  });
});
