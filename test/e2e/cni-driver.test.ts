// The reference runtime (test/cni/driver: Debian's libcni, as containerd and podman use it) drives
// Debian's bridge + host-local on a namespace, with no weft in the loop: proof that the driver and
// the per-host view are sound before weft-cni's own tests rely on them.
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestbed, leftovers, type Testbed } from '../harness/netns.ts';
import { addressesOf, ContainerNamespaces, linksIn, pluginVeths } from '../cni/containers.ts';
import { cniAttachment, cniGC, cniStatus, describeRun, podArgs } from '../cni/driver.ts';
import { createCniHost, type CniHost } from '../cni/host.ts';

let bed: Testbed;
let host: CniHost;
let containers: ContainerNamespaces;
let dir = '';
const network = 'weft-ref';
const reference = (cniVersion = '1.0.0'): object => ({
  cniVersion, name: network,
  plugins: [{ type: 'bridge', bridge: 'weftref0', isGateway: true, ipMasq: false, ipam: { type: 'host-local', ranges: [[{ subnet: '10.5.200.0/24' }]] } }],
});

beforeAll(async () => {
  bed = await createTestbed({ hosts: 1 });
  dir = mkdtempSync(join(tmpdir(), 'weft-cni-driver-'));
  host = await createCniHost({ ns: bed.host(1).ns, root: dir, useInstall: false });
  containers = new ContainerNamespaces(bed.prefix);
});

afterAll(async () => {
  await containers?.removeAll();
  await bed?.teardown();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
  expect(await leftovers(bed.prefix)).toEqual({ namespaces: [], links: [] });
});

describe('the reference CNI runtime (libcni 1.1.2) with bridge + host-local', () => {
  it('ADDs, CHECKs and DELs a container: address, gateway ping, cache, allocation and veth all come and go', async () => {
    const c = await containers.create(1);
    const conflist = host.conflist('ref.conflist', reference());
    const options = host.driverOptions({ args: podArgs('web', c.containerID) });
    const add = await cniAttachment('add', c, conflist, options);
    expect(add.ok, describeRun('ADD', add)).toBe(true);
    const ips = add.json?.ips as { address: string; gateway: string }[];
    expect(add.json?.cniVersion).toBe('1.0.0');
    expect(ips).toHaveLength(1);
    expect(ips[0]?.address).toMatch(/^10\.5\.200\.\d+\/24$/);
    expect(ips[0]?.gateway).toBe('10.5.200.1');
    expect(await addressesOf(c.name, 'eth0')).toEqual([ips[0]?.address]);
    expect((await bed.ping(c.name, '10.5.200.1')).ok).toBe(true);
    expect(host.allocations(network)).toEqual([`${ips[0]?.address.split('/')[0]} ${c.containerID} eth0`]);
    expect(readdirSync(join(host.cacheDir, 'results'))).toEqual([`${network}-${c.containerID}-eth0`]);
    expect(await pluginVeths(host.ns, [bed.host(1).link])).toHaveLength(1);

    const check = await cniAttachment('check', c, conflist, options);
    expect(check.ok, describeRun('CHECK', check)).toBe(true);

    const del = await cniAttachment('del', c, conflist, options);
    expect(del.ok, describeRun('DEL', del)).toBe(true);
    expect(await linksIn(c.name)).toEqual(['lo']);
    expect(host.allocations(network)).toEqual([]);
    expect(await pluginVeths(host.ns, [bed.host(1).link])).toEqual([]);
    expect(existsSync(join(host.cacheDir, 'results', `${network}-${c.containerID}-eth0`))).toBe(false);

    const again = await cniAttachment('del', c, conflist, options);
    expect(again.ok, describeRun('second DEL', again)).toBe(true);
    await containers.remove(c);
  });

  it('passes the plugin\'s CNI error JSON through: incompatible version is code 1', async () => {
    const c = await containers.create(1);
    const conflist = host.conflist('bad.conflist', reference('0.9.9'));
    const add = await cniAttachment('add', c, conflist, host.driverOptions());
    expect(add.ok).toBe(false);
    expect(add.json, describeRun('ADD', add)).toMatchObject({ code: 1 });
    expect(typeof add.json?.msg).toBe('string');
    expect(host.allocations(network)).toEqual([]);
    await containers.remove(c);
  });

  it('keeps each host view apart: the allocations live under the host dir, never in the root /var/lib/cni', async () => {
    const c = await containers.create(1);
    const conflist = host.conflist('ref.conflist', reference());
    const options = host.driverOptions();
    const add = await cniAttachment('add', c, conflist, options);
    expect(add.ok, describeRun('ADD', add)).toBe(true);
    expect(host.allocations(network)).toHaveLength(1);
    expect(existsSync(`/var/lib/cni/networks/${network}`)).toBe(false);
    const del = await cniAttachment('del', c, conflist, options);
    expect(del.ok, describeRun('DEL', del)).toBe(true);
    await containers.remove(c);
  });

  it('sends GC and STATUS as CNI 1.1 does: cniVersion 1.1.0, the valid attachments, CNI_COMMAND and CNI_PATH', async () => {
    // A recording plugin: what libcni 1.1.2 cannot send, the driver must send right.
    const recorder = join(host.binDir, 'weft-record');
    writeFileSync(recorder, `#!/bin/sh\nprintf '%s\\n' "$CNI_COMMAND|$CNI_PATH|$CNI_CONTAINERID" >> "${dir}/record.env"\ncat >> "${dir}/record.json"\necho >> "${dir}/record.json"\n`);
    chmodSync(recorder, 0o755);
    const conflist = host.conflist('record.conflist', { cniVersion: '1.0.0', name: 'weft-rec', plugins: [{ type: 'weft-record', keep: 1 }] });
    const gc = await cniGC(conflist, [{ containerID: 'c1', ifName: 'eth0' }], host.driverOptions());
    expect(gc.ok, describeRun('GC', gc)).toBe(true);
    const status = await cniStatus(conflist, host.driverOptions());
    expect(status.ok, describeRun('STATUS', status)).toBe(true);
    const sent = readFileSync(join(dir, 'record.json'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(sent).toEqual([
      { cniVersion: '1.1.0', name: 'weft-rec', type: 'weft-record', keep: 1, 'cni.dev/valid-attachments': [{ containerID: 'c1', ifname: 'eth0' }] },
      { cniVersion: '1.1.0', name: 'weft-rec', type: 'weft-record', keep: 1 },
    ]);
    expect(readFileSync(join(dir, 'record.env'), 'utf8').trim().split('\n')).toEqual([`GC|${host.binDir}|`, `STATUS|${host.binDir}|`]);
  });
});
