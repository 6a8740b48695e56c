import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log.ts';
import { markerName, ReloadMarkers } from './pending.ts';
import { processResource } from './render.ts';
import type { ResourceSpec } from './resource.ts';
import { closeShellRunner } from './shell.ts';

const dir = mkdtempSync(join(tmpdir(), 'weft-pending-test-'));
afterAll(() => {
  closeShellRunner();
  rmSync(dir, { recursive: true, force: true });
});

function resource(reloadCmd: string): ResourceSpec {
  writeFileSync(join(dir, 'app.tmpl'), 'v={{getv "/v"}}\n');
  return { file: join(dir, 'app.toml'), name: 'app', src: join(dir, 'app.tmpl'), dest: join(dir, 'app.conf'), prefix: '/', keys: ['/'], fullKeys: ['/'], mode: 0o644, modeLooksOctal: false, uid: undefined, gid: undefined, checkCmd: '', reloadCmd, wait: undefined, checkTimeout: 5000, reloadTimeout: 5000, sync: true, unknownKeys: [] };
}

describe('a pending reload', () => {
  it('is persisted before the rename, retried while the destination is current, and cleared by a successful reload', async () => {
    const state = join(dir, 'state');
    const markers = new ReloadMarkers(state, silentLogger);
    const failing = resource('echo nope; exit 3');
    const mirror = new Map([['/v', '1']]);
    const flag = markers.flag(failing, false, () => undefined);
    await expect(processResource(failing, mirror, { noop: false, syncOnly: false, reloadPending: flag })).rejects.toMatchObject({ code: 'WEFT_E_TEMPLATE_RELOAD' });
    expect(flag.pending).toBe(true);
    expect(readdirSync(join(state, 'reload-pending'))).toEqual([markerName(failing)]);
    // The retry finds the destination current: it must run reload_cmd again, not report success.
    await expect(processResource(failing, mirror, { noop: false, syncOnly: false, reloadPending: flag })).rejects.toMatchObject({ code: 'WEFT_E_TEMPLATE_RELOAD' });
    // A new process reads the marker back.
    expect(await new ReloadMarkers(state, silentLogger).read(failing)).toMatchObject({ dest: failing.dest });
    const fixed = resource('echo ok');
    expect(await processResource(fixed, mirror, { noop: false, syncOnly: false, reloadPending: flag })).toMatchObject({ status: 'reloaded', reloadOutput: 'ok' });
    expect(flag.pending).toBe(false);
    expect(existsSync(join(state, 'reload-pending', markerName(failing)))).toBe(false);
    expect(await processResource(fixed, mirror, { noop: false, syncOnly: false, reloadPending: flag })).toMatchObject({ status: 'unchanged' });
  });

  it('lives in memory when the state directory cannot be written (logged, never a render failure)', async () => {
    writeFileSync(join(dir, 'not-a-dir'), '');
    const markers = new ReloadMarkers(join(dir, 'not-a-dir'), silentLogger);
    const flag = markers.flag(resource('true'), false, () => undefined);
    await flag.set();
    expect(flag.pending).toBe(true);
    await flag.clear();
    expect(flag.pending).toBe(false);
  });
});
