import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCni, supportedVersions } from './main.ts';

const plugin = fileURLToPath(new URL('./main.ts', import.meta.url));

describe('weft-cni VERSION', () => {
  it('answers VERSION with the supported versions, echoing the requested cniVersion', () => {
    const out = execFileSync(process.execPath, [plugin], { env: { ...process.env, CNI_COMMAND: 'VERSION' }, input: '{"cniVersion":"1.0.0"}' }).toString();
    expect(JSON.parse(out)).toEqual({ cniVersion: '1.0.0', supportedVersions: [...supportedVersions] });
  });

  it('returns a CNI error JSON with a non-zero exit for commands it does not do yet', () => {
    const run = spawnSync(process.execPath, [plugin], { env: { ...process.env, CNI_COMMAND: 'ADD' }, input: '{"cniVersion":"1.0.0"}' });
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout.toString())).toMatchObject({ cniVersion: '1.0.0', code: 4 });
  });

  it('returns CNI error 6 for a config that is not JSON', () => {
    expect(JSON.parse(runCni({ CNI_COMMAND: 'VERSION' }, '{nope').stdout)).toMatchObject({ code: 6, msg: 'failed to decode network configuration' });
  });
});
