// weft-cni as a runtime drives it: the real plugin process, run in a host netns, delegating to
// Debian's bridge and host-local, registering names through a real admin API backed by a real DNS
// area on etcd. ADD wires the container into the host's subnet and into DNS; CHECK passes; DEL
// and GC undo everything (no veth, no reservation, no DNS key, no state file) and are idempotent.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest } from '../../src/admin/client.ts';
import { CniHost } from '../cni/fixture.ts';
import { dig, waitFor } from '../dns/harness.ts';

const host = new CniHost();
beforeAll(() => host.start());
afterAll(() => host.stop());

/** The record data dig answers for `name` ("NAME TTL TYPE DATA" → DATA). */
async function answers(name: string, type: string): Promise<string[]> {
  return (await dig(name, type, { port: host.dnsPort })).answer.map((r) => r.split(' ').at(-1) ?? '').sort();
}

/** Waits for the DNS area's zone (fed by an etcd watch) to answer `expected`. */
async function answersSoon(name: string, type: string, expected: string[]): Promise<void> {
  await waitFor(async () => JSON.stringify(await answers(name, type)) === JSON.stringify(expected), 10_000, 50).catch(() => undefined);
  expect(await answers(name, type)).toEqual(expected);
}

async function noLeaks(): Promise<void> {
  expect(await host.leaks()).toEqual({ veths: 0, reservations: [], dnsKeys: [], stateFiles: [] });
}

describe('ADD, CHECK, DEL', () => {
  it('wires a container into the host subnet and DNS, checks it, and DEL removes everything (twice)', async () => {
    const ns = await host.container();
    const env = host.attachment('c1', ns, { CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0' });
    const added = await host.run('ADD', env, host.conf({ runtimeConfig: { aliases: ['www'] } }));
    expect(added.status, added.stdout + added.stderr).toBe(0);
    const result = added.json as { cniVersion: string; ips: { address: string; gateway: string; version?: string }[]; interfaces: { name: string; sandbox?: string }[]; routes: { dst: string }[] };
    expect(result.cniVersion).toBe('1.1.0');
    expect(result.ips[0]?.address).toMatch(/^10\.77\.3\.\d+\/24$/);
    expect(result.ips[0]?.gateway).toBe('10.77.3.1');
    expect(result.ips[0]?.version).toBeUndefined();
    expect(result.interfaces.find((i) => i.sandbox !== undefined)?.name).toBe('eth0');
    expect(result.routes).toContainEqual({ dst: '10.77.0.0/16', gw: '10.77.3.1' });
    const address = result.ips[0]?.address.split('/')[0] ?? '';
    expect((await host.bed.exec(ns, 'ip', ['-4', '-o', 'addr', 'show', 'eth0'])).stdout).toContain(`${address}/24`);
    expect((await host.bed.ping(ns, '10.77.3.1')).ok).toBe(true);

    for (const name of ['web-0.weft.internal', 'www.weft.internal']) await answersSoon(name, 'A', [address]);
    const reverse = `${address.split('.').reverse().join('.')}.in-addr.arpa`;
    await answersSoon(reverse, 'PTR', ['web-0.weft.internal.', 'www.weft.internal.']);

    const checked = await host.run('CHECK', env, host.conf({ runtimeConfig: { aliases: ['www'] }, prevResult: result }));
    expect(checked.status, checked.stdout + checked.stderr).toBe(0);
    // A daemon restart loses the names (they live on its etcd lease): CHECK writes them back.
    expect((await adminRequest(host.socket, 'DELETE', '/v1/dns/records/www.weft.internal')).status).toBe(200);
    await answersSoon('www.weft.internal', 'A', []);
    expect((await host.run('CHECK', env, host.conf({ runtimeConfig: { aliases: ['www'] }, prevResult: result }))).status).toBe(0);
    await answersSoon('www.weft.internal', 'A', [address]);

    for (let i = 0; i < 2; i++) {
      const deleted = await host.run('DEL', env, host.conf({ runtimeConfig: { aliases: ['www'] }, prevResult: result }));
      expect(deleted.status, deleted.stdout + deleted.stderr).toBe(0);
      expect(deleted.stdout).toBe('');
    }
    await answersSoon('web-0.weft.internal', 'A', []);
    await noLeaks();
    await host.removeContainer(ns);
  });

  it('answers in the 0.4.0 and 0.3.1 result shapes, and two containers on the bridge reach each other', async () => {
    const a = await host.container();
    const b = await host.container();
    const ra = await host.run('ADD', host.attachment('ca', a), host.conf({}, '0.4.0'));
    const rb = await host.run('ADD', host.attachment('cb', b), host.conf({}, '0.3.1'));
    expect([ra.status, rb.status], ra.stdout + rb.stdout).toEqual([0, 0]);
    const ipA = (ra.json as { cniVersion: string; ips: { version: string; address: string }[] }).ips[0];
    expect(ra.json?.cniVersion).toBe('0.4.0');
    expect(ipA?.version).toBe('4');
    expect((rb.json as { ips: { version: string }[] }).ips[0]?.version).toBe('4');
    expect((await host.bed.ping(b, ipA?.address.split('/')[0] ?? '')).ok).toBe(true);
    for (const [id, ns] of [['ca', a], ['cb', b]] as const) expect((await host.run('DEL', host.attachment(id, ns), host.conf({}, '0.4.0'))).status).toBe(0);
    await host.removeContainer(a);
    await host.removeContainer(b);
    await noLeaks();
  });
});

describe('GC', () => {
  it('releases attachments missing from cni.dev/valid-attachments, keeps the valid ones, and is idempotent', async () => {
    const keep = await host.container();
    const stale = await host.container();
    for (const [id, ns] of [['keep', keep], ['stale', stale]] as const) {
      const added = await host.run('ADD', host.attachment(id, ns, { CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAME=${id}` }), host.conf());
      expect(added.status, added.stdout + added.stderr).toBe(0);
    }
    // The runtime lost the stale container: its namespace is gone without a DEL.
    await host.removeContainer(stale);
    for (let i = 0; i < 2; i++) {
      const collected = await host.run('GC', {}, host.conf({ 'cni.dev/valid-attachments': [{ containerID: 'keep', ifname: 'eth0' }] }));
      expect(collected.status, collected.stdout + collected.stderr).toBe(0);
    }
    const left = await host.leaks();
    expect(left.reservations).toHaveLength(1);
    expect(left.stateFiles).toEqual(['keep@eth0']);
    expect(left.dnsKeys.some((k) => k.includes('/stale'))).toBe(false);
    expect(left.dnsKeys.some((k) => k.includes('/keep'))).toBe(true);
    expect((await host.run('GC', {}, host.conf({ 'cni.dev/valid-attachments': [] }))).status).toBe(0);
    await host.removeContainer(keep);
    await noLeaks();
  });
});

describe('killed mid-ADD', () => {
  it('GC releases what the orphaned delegate allocated', async () => {
    // A bridge that announces itself, waits, then runs the real one: weft-cni is killed meanwhile.
    const bin = join(host.dir, 'slowbin');
    const mark = join(host.dir, 'delegate-started');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'bridge'), `#!/bin/sh\n[ "$CNI_COMMAND" = ADD ] && touch ${mark} && sleep 1\nexec /usr/lib/cni/bridge\n`);
    chmodSync(join(bin, 'bridge'), 0o755);
    const ns = await host.container();
    let pid = 0;
    const running = host.run('ADD', host.attachment('killed', ns, { CNI_PATH: `${bin}:/usr/lib/cni` }), host.conf({ dns: false }), (p) => (pid = p));
    await waitFor(async () => existsSync(mark), 30_000, 20);
    process.kill(pid, 'SIGKILL');
    expect((await running).status).toBeNull();
    // The orphaned bridge finishes its ADD: an address is reserved that nobody will DEL.
    await waitFor(async () => (await host.leaks()).reservations.length === 1, 30_000, 50);
    expect((await host.leaks()).stateFiles).toEqual(['killed@eth0']);
    const collected = await host.run('GC', {}, host.conf({ 'cni.dev/valid-attachments': [] }));
    expect(collected.status, collected.stdout + collected.stderr).toBe(0);
    await host.removeContainer(ns);
    await noLeaks();
  });
});

describe('STATUS', () => {
  it('succeeds when the daemon is ready, returns 50 while it is not or cannot be reached', async () => {
    expect((await host.run('STATUS', {}, host.conf())).status).toBe(0);
    host.ready = false;
    const notReady = await host.run('STATUS', {}, host.conf());
    host.ready = true;
    expect(notReady.status).toBe(1);
    expect(notReady.json).toMatchObject({ cniVersion: '1.1.0', code: 50, msg: 'the weft daemon is not ready', details: expect.stringContaining('no lease yet') as string });
    const down = await host.run('STATUS', {}, host.conf({ adminSocket: `${host.dir}/nobody.sock` }));
    expect(down.json).toMatchObject({ code: 50, details: expect.stringContaining('not reachable') as string });
  });
});
