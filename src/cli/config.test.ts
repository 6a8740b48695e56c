import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from './main.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function check(text: string): Promise<{ status: number; out: string; err: string; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-config-check-'));
  dirs.push(dir);
  const file = join(dir, 'weft.toml');
  writeFileSync(file, text);
  let out = '';
  let err = '';
  const status = await main(['config', 'check', file], { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), env: {} });
  return { status, out, err, file };
}

describe('weft config check runs every area\'s validate', () => {
  it('reports values that parse but an area cannot use, with key paths and lines, exit 1', async () => {
    const { status, err, file } = await check('[subnet]\nenabled = false\n\n[overlay]\nenabled = true\n\n[dns]\nupstreams = ["nope"]\n');
    expect(status).toBe(1);
    expect(err).toContain(`${file}:5: overlay.enabled:`);
    expect(err).toContain(`${file}:8: dns.upstreams: "nope" is not an IP address`);
  });

  it('reports parse problems and area problems together', async () => {
    const { status, err, file } = await check('[etcd]\ndial_timeout = 5\n\n[admin]\nlisten = "localhost"\n\n[proxy]\nroute_file = "routes.toml"\n');
    expect(status).toBe(1);
    expect(err).toContain(`${file}:2: etcd.dial_timeout:`);
    expect(err).toContain(`${file}:5: admin.listen:`);
    expect(err).toContain(`${file}:8: proxy.route_file:`);
  });

  it('passes a good file', async () => {
    const { status, out } = await check('[dns]\nenabled = true\nupstreams = ["10.0.0.2", "[fd00::2]:53"]\n');
    expect(status).toBe(0);
    expect(out).toContain(': ok');
  });
});

describe('weft config show', () => {
  it('prints durations as the config file writes them', async () => {
    let out = '';
    const status = await main(['config', 'show', '--config', new URL('../../docs/weft.example.toml', import.meta.url).pathname], { out: (t) => (out += `${t}\n`), err: () => undefined, env: {} });
    expect(status).toBe(0);
    const shown = JSON.parse(out) as { config: { daemon: { shutdown_timeout: unknown }; subnet: { lease_ttl: unknown } } };
    expect(shown.config.daemon.shutdown_timeout).toBe('10s');
    expect(shown.config.subnet.lease_ttl).toBe('24h');
  });
});
