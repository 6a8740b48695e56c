// weft-cni's bad-input table, run through the real plugin process in a host netns: each case is a
// CNI error JSON on stdout with the spec's code, exit status 1, and nothing left behind (no veth,
// no host-local reservation, no DNS key, no state file). DEL of a gone namespace succeeds.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CniHost } from '../cni/fixture.ts';

const host = new CniHost();
beforeAll(() => host.start());
afterAll(() => host.stop());

async function expectNoLeaks(): Promise<void> {
  expect(await host.leaks()).toEqual({ veths: 0, reservations: [], dnsKeys: [], stateFiles: [] });
}

interface Case {
  readonly what: string;
  readonly env?: Record<string, string>;
  readonly stdin: (ns: string) => unknown;
  readonly code: number;
  readonly msg: RegExp;
  readonly before?: () => void;
  readonly after?: () => void;
}

const named = { CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=bad' };
const cases: Case[] = [
  { what: 'invalid JSON', stdin: () => '{"cniVersion": "1.1.0", "name": ', code: 6, msg: /failed to decode network configuration/ },
  { what: 'an unsupported cniVersion', stdin: () => host.conf({}, '0.2.0'), code: 1, msg: /incompatible CNI versions/ },
  { what: 'a missing CNI_NETNS on ADD', env: { CNI_NETNS: '' }, stdin: () => host.conf(), code: 4, msg: /CNI_NETNS/ },
  { what: 'the daemon down (socket gone)', stdin: () => host.conf({ adminSocket: `${host.dir}/gone.sock` }), code: 11, msg: /not ready; try again later/ },
  { what: 'the daemon not ready', before: () => (host.ready = false), after: () => (host.ready = true), stdin: () => host.conf(), code: 11, msg: /not ready; try again later/ },
  { what: 'the subnet file missing while the daemon starts', before: () => (host.ready = false), after: () => (host.ready = true), stdin: () => host.conf({ subnetFile: `${host.dir}/none.env` }), code: 11, msg: /not ready/ },
  { what: 'the subnet file missing though the daemon is ready', stdin: () => host.conf({ subnetFile: `${host.dir}/none.env` }), code: 7, msg: /does not exist, but the weft daemon is ready/ },
  { what: 'a delegate that is not installed', stdin: () => host.conf({ delegate: { type: 'no-such-plugin' } }), code: 7, msg: /failed to find plugin "no-such-plugin"/ },
  {
    what: 'a name the daemon refuses to register (address outside its cluster network): ADD undone',
    before: () => host.writeSubnetFile('10.88.3.1/24', '10.88.0.0/16'),
    after: () => host.writeSubnetFile('10.77.3.1/24'),
    // Its own bridge: cni0 keeps the gateway address of 10.77.3.0/24 for the other cases.
    stdin: () => host.conf({ delegate: { bridge: 'weft-other' } }),
    code: 7,
    msg: /refuses to register 10\.88\.3\.\d+ for bad/,
  },
];

describe('bad input gets a clear CNI error and leaks nothing', () => {
  it.each(cases)('$what → code $code', async (c) => {
    const ns = await host.container();
    c.before?.();
    try {
      const run = await host.run('ADD', { ...host.attachment('bad1', ns, named), ...c.env }, c.stdin(ns));
      expect(run.status, run.stdout + run.stderr).toBe(1);
      expect(run.json).toMatchObject({ code: c.code, msg: expect.stringMatching(c.msg) as string });
      expect(typeof run.json?.cniVersion).toBe('string');
    } finally {
      c.after?.();
    }
    expect((await host.bed.exec(ns, 'ip', ['-o', 'link'])).stdout).not.toContain('eth0');
    await expectNoLeaks();
    // The runtime still calls DEL after a failed ADD: it succeeds.
    expect((await host.run('DEL', host.attachment('bad1', ns), host.conf())).status).toBe(0);
    await host.removeContainer(ns);
  });

  it('a second ADD of an attached container is 100 and leaves the first attachment alone', async () => {
    const ns = await host.container();
    const env = host.attachment('twice', ns, named);
    const first = await host.run('ADD', env, host.conf());
    expect(first.status, first.stdout + first.stderr).toBe(0);
    const second = await host.run('ADD', env, host.conf());
    expect(second.json).toMatchObject({ code: 100, msg: expect.stringContaining('already attached') as string });
    const address = (first.json as { ips: { address: string }[] }).ips[0]?.address ?? '';
    expect((await host.bed.exec(ns, 'ip', ['-o', 'addr', 'show', 'eth0'])).stdout).toContain(address);
    expect((await host.leaks()).reservations).toHaveLength(1);
    expect((await host.run('DEL', env, host.conf())).status).toBe(0);
    await host.removeContainer(ns);
    await expectNoLeaks();
  });

  it('STATUS with the daemon down is 50', async () => {
    const run = await host.run('STATUS', {}, host.conf({ adminSocket: `${host.dir}/gone.sock` }));
    expect(run.status).toBe(1);
    expect(run.json).toMatchObject({ cniVersion: '1.1.0', code: 50 });
  });
});

describe('DEL is idempotent', () => {
  it('succeeds when the namespace is gone, and releases the address and names', async () => {
    const ns = await host.container();
    const added = await host.run('ADD', host.attachment('gone', ns, named), host.conf());
    expect(added.status, added.stdout + added.stderr).toBe(0);
    await host.removeContainer(ns);
    const run = await host.run('DEL', host.attachment('gone', ns), host.conf());
    expect(run.status, run.stdout + run.stderr).toBe(0);
    await expectNoLeaks();
  });

  it('succeeds with CNI_NETNS empty, without prevResult, and for a container never added', async () => {
    const ns = await host.container();
    expect((await host.run('ADD', host.attachment('empty', ns, named), host.conf())).status).toBe(0);
    expect((await host.run('DEL', host.attachment('empty', ns, { CNI_NETNS: '' }), host.conf())).status).toBe(0);
    expect((await host.run('DEL', host.attachment('never', ns), host.conf())).status).toBe(0);
    await host.removeContainer(ns);
    await expectNoLeaks();
  });

  it('succeeds when the saved state is unusable, removing it', async () => {
    const ns = await host.container();
    expect((await host.run('ADD', host.attachment('torn', ns), host.conf({ dns: false }))).status).toBe(0);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${host.dataDir}/weftnet/torn@eth0`, '{"containerID":');
    expect((await host.run('DEL', host.attachment('torn', ns), host.conf())).status).toBe(0);
    await host.removeContainer(ns);
    // host-local's reservation outlives the lost state; GC cannot know it either: flannel does the same.
    rmSync(`${host.ipamDir}/weftnet`, { recursive: true, force: true });
    await expectNoLeaks();
  });
});
