// The namespace test bed itself: the topology later e2e tests stand on really carries traffic, and
// teardown leaves nothing of the run behind, even when setup fails halfway.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWeftError } from '../../src/errors.ts';
import { createTestbed, leftovers, newRunId, testbedNames } from '../harness/netns.ts';
import type { Testbed } from '../harness/netns.ts';

// Gone, or a zombie waiting for a reaper (it has left its namespaces already).
function processGone(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

describe('network-namespace test bed with 3 hosts and 2 containers per host', () => {
  let bed: Testbed;

  beforeAll(async () => {
    bed = await createTestbed({ hosts: 3, containersPerHost: 2, killGraceMs: 300 });
  });

  afterAll(async () => {
    await bed?.teardown();
  });

  it('names everything with the run prefix and keeps link names within 15 chars', async () => {
    expect(bed.prefix).toMatch(/^weft[a-z0-9]{4}-$/);
    expect(bed.hosts).toHaveLength(3);
    expect(bed.containers).toHaveLength(6);
    const names = testbedNames(bed.runId);
    expect(names.containerHostLink(99, 99)).toHaveLength(15);
    const left = await leftovers(bed.prefix);
    expect(left.namespaces.sort()).toEqual(
      [bed.underlay.ns, ...bed.hosts.map((h) => h.ns), ...bed.containers.map((c) => c.ns)].sort(),
    );
    // Every link lives inside a namespace; the root namespace holds nothing of the run.
    expect(left.links).toEqual([]);
  });

  it('each host reaches every other host and the underlay over the bridge', async () => {
    const pairs = bed.hosts.flatMap((from) =>
      [...bed.hosts.filter((to) => to !== from).map((to) => to.ip), bed.underlay.ip].map((to) => [from.ns, to] as const),
    );
    const results = await Promise.all(pairs.map(([from, to]) => bed.ping(from, to)));
    for (const result of results) expect(result.ok, result.output).toBe(true);
  });

  it('a container reaches its host across its veth, and another host through its forwarding host', async () => {
    // Test-only plan: container c of host h sits on 10.214.h.(4(c-1))/30, host side .1, container .2.
    for (const host of bed.hosts) {
      for (const container of host.containers) {
        const base = 4 * (container.index - 1);
        const gateway = `10.214.${host.index}.${base + 1}`;
        await bed.addAddress(host.ns, container.hostLink, `${gateway}/30`);
        await bed.addressContainer(container, `10.214.${host.index}.${base + 2}/30`, gateway);
      }
      const { stdout } = await bed.exec(host.ns, 'ip', ['-o', 'link', 'show']);
      for (const container of host.containers) expect(stdout).toContain(container.hostLink);
    }
    const toHost = await Promise.all(
      bed.containers.map((c) => bed.ping(c.ns, `10.214.${c.hostIndex}.${4 * (c.index - 1) + 1}`)),
    );
    for (const result of toHost) expect(result.ok, result.output).toBe(true);

    const [h1, h2] = [bed.host(1), bed.host(2)];
    await bed.exec(h2.ns, 'ip', ['route', 'add', `10.214.1.0/24`, 'via', h1.ip]);
    const across = await bed.ping(h1.containers[0]!.ns, h2.ip);
    expect(across.ok, across.output).toBe(true);
  });

  it('a process spawned in the underlay is reachable from a host at underlay.ip', async () => {
    const server = bed.runInUnderlay(process.execPath, [
      '-e',
      `require('node:net').createServer((s) => s.end('weft-underlay\\n'))` +
        `.listen(7379, '${bed.underlay.ip}', () => console.log('listening'))`,
    ]);
    const [line] = (await once(server.stdout!, 'data')) as [Buffer];
    expect(line.toString()).toContain('listening');
    const client = await bed.exec(bed.host(3).ns, process.execPath, [
      '-e',
      `require('node:net').connect(7379, '${bed.underlay.ip}').on('data', (d) => process.stdout.write(d))`,
    ]);
    expect(client.stderr).toBe('');
    expect(client.stdout).toBe('weft-underlay\n');
  });

  it('a missing command inside a namespace is a harness error naming the command', async () => {
    const error = await bed.exec(bed.underlay.ns, 'weft-no-such-command').catch((e: unknown) => e);
    expect(isWeftError(error, 'WEFT_E_HARNESS')).toBe(true);
    expect((error as Error).message).toContain("'weft-no-such-command' not found");
  });

  it('teardown kills its processes by PID and leaves no namespace or link of the run', async () => {
    const sleeper = bed.spawn(bed.host(2).ns, 'sleep', ['300']);
    // Ignores SIGTERM, so teardown has to escalate to SIGKILL.
    const stubborn = bed.spawn(bed.host(1).ns, process.execPath, [
      '-e',
      `process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000)`,
    ]);
    await once(stubborn.stdout!, 'data');
    // A grandchild the test bed never saw: teardown finds it inside the namespace.
    const forker = bed.spawn(bed.container(3, 2).ns, process.execPath, [
      '-e',
      `const c = require('node:child_process').spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });` +
        `c.unref(); console.log(c.pid); setInterval(() => {}, 1000)`,
    ]);
    const [grandchild] = (await once(forker.stdout!, 'data')) as [Buffer];
    const pids = [...bed.pids, Number(grandchild.toString())];
    expect(pids).toContain(sleeper.pid);
    expect(pids).toHaveLength(5); // underlay server, sleeper, stubborn, forker, grandchild

    await bed.teardown();

    expect(await leftovers(bed.prefix)).toEqual({ namespaces: [], links: [] });
    for (const pid of pids) expect(processGone(pid), `pid ${pid}`).toBe(true);
    await bed.teardown(); // idempotent
    expect(() => bed.spawn(bed.underlay.ns, 'true')).toThrow(/torn down/);
  });
});

describe('network-namespace test bed setup failures', () => {
  it('a setup that fails halfway removes what it had created', async () => {
    const runId = newRunId();
    // 70000 is above the veth maximum: the underlay and host 1 exist when its veth fails.
    const error = await createTestbed({ hosts: 2, containersPerHost: 1, underlayMtu: 70_000, runId }).catch(
      (e: unknown) => e,
    );
    expect(isWeftError(error, 'WEFT_E_HARNESS')).toBe(true);
    expect((error as Error).message).toMatch(/'ip -n weft\w{4}-h1 link add .*mtu 70000.*' failed/);
    expect(await leftovers(testbedNames(runId).prefix)).toEqual({ namespaces: [], links: [] });
  });

  it('never deletes a namespace it did not create, even one with its own names', async () => {
    const first = await createTestbed({ hosts: 1 });
    try {
      const error = await createTestbed({ hosts: 1, runId: first.runId }).catch((e: unknown) => e);
      expect(isWeftError(error, 'WEFT_E_HARNESS')).toBe(true);
      expect((error as Error).message).toMatch(/'ip netns add weft\w{4}-ul' failed/);
      const left = await leftovers(first.prefix);
      expect(left.namespaces.sort()).toEqual([first.underlay.ns, first.host(1).ns].sort());
      expect((await first.ping(first.host(1).ns, first.underlay.ip)).ok).toBe(true);
    } finally {
      await first.teardown();
    }
  });
});
