import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCni, supportedVersions } from './main.ts';

const plugin = fileURLToPath(new URL('./main.ts', import.meta.url));

describe('weft-cni entry point', () => {
  it('answers VERSION with the supported versions, echoing the requested cniVersion, even with dummy env', () => {
    const env = { ...process.env, CNI_COMMAND: 'VERSION', CNI_NETNS: 'dummy', CNI_IFNAME: 'dummy', CNI_PATH: 'dummy' };
    const out = execFileSync(process.execPath, [plugin], { env, input: '{"cniVersion":"1.0.0"}' }).toString();
    expect(JSON.parse(out)).toEqual({ cniVersion: '1.0.0', supportedVersions: [...supportedVersions] });
  });

  it('exits 1 with a CNI error JSON on stdout when the environment is incomplete', () => {
    const run = spawnSync(process.execPath, [plugin], { env: { ...process.env, CNI_COMMAND: 'ADD', CNI_NETNS: '' }, input: '{"cniVersion":"1.0.0","name":"weft","type":"weft-cni"}' });
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout.toString())).toMatchObject({ cniVersion: '1.0.0', code: 4, msg: expect.stringContaining('CNI_NETNS') as string });
  });

  it.each([
    ['a config that is not JSON', { CNI_COMMAND: 'VERSION' }, '{nope', 6],
    ['a config that is not JSON (ADD)', { CNI_COMMAND: 'ADD' }, '[1]', 6],
    ['an unsupported cniVersion', { CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0', CNI_PATH: '/usr/lib/cni' }, '{"cniVersion":"0.2.0","name":"n"}', 1],
    ['CHECK on 0.3.1', { CNI_COMMAND: 'CHECK', CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0', CNI_NETNS: '/run/netns/x', CNI_PATH: '/usr/lib/cni' }, '{"cniVersion":"0.3.1","name":"n"}', 1],
    ['GC on 1.0.0', { CNI_COMMAND: 'GC', CNI_PATH: '/usr/lib/cni' }, '{"cniVersion":"1.0.0","name":"n"}', 1],
    ['no network name', { CNI_COMMAND: 'STATUS', CNI_PATH: '/usr/lib/cni' }, '{"cniVersion":"1.1.0"}', 7],
    ['an unknown command', { CNI_COMMAND: 'FROB' }, '{"cniVersion":"1.1.0","name":"n"}', 4],
    ['stdin over 1 MiB', { CNI_COMMAND: 'ADD' }, `{"cniVersion":"1.1.0","name":"n","pad":"${'x'.repeat(1024 * 1024)}"}`, 5],
  ])('returns a CNI error for %s', async (_what, env, stdin, code) => {
    const out = await runCni(env, stdin);
    expect(out.status).toBe(1);
    expect(JSON.parse(out.stdout)).toMatchObject({ code });
  });
});
