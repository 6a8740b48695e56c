// Registration story: a host registers a name through its admin API (`weft dns add`), another
// weft resolves it (A and PTR); the registering host is SIGKILLed and the name disappears when
// its etcd lease expires (2 s TTL here), with nobody cleaning up.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandIo } from '../../src/cli/command.ts';
import { dnsAddCommand, dnsLsCommand, dnsRmCommand } from '../../src/cli/dns.ts';
import type { DnsArea } from '../../src/dns/index.ts';
import { HostLease } from '../../src/etcd/index.ts';
import { dig, startDns, waitFor } from '../dns/harness.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { testClient } from '../harness/etcd-client.ts';

const registrar = fileURLToPath(new URL('../dns/registrar.ts', import.meta.url));
const leaseTtlMs = 2000;

let etcd: EtcdCluster;
let client: Etcd3;
let other: { area: DnsArea; port: number };
let child: ChildProcess | undefined;
let dir: string;

function capture(): CommandIo & { text: () => string } {
  let text = '';
  return { out: (t) => (text += `${t}\n`), err: (t) => (text += `${t}\n`), env: {}, text: () => text };
}

async function addresses(name: string, type = 'A'): Promise<string[]> {
  return (await dig(name, type, { port: other.port })).answer.map((l) => l.split(' ').slice(3).join(' '));
}

beforeAll(async () => {
  etcd = await startEtcd();
  client = testClient(etcd.endpoints);
  other = await startDns(client);
  dir = mkdtempSync(join(tmpdir(), 'weft-dns-reg-'));
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await other?.area.stop();
  client?.close();
  await etcd?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('registration through the admin API', () => {
  it('in process: the POST route writes A and PTR under this host lease; another instance resolves both', async () => {
    const leaseClient = testClient(etcd.endpoints);
    const hostLease = new HostLease(leaseClient, { ttl: 10_000 });
    await hostLease.start();
    const { area } = await startDns(leaseClient, { register_allow: ['10.7.0.0/16'] }, { hostLease });
    try {
      const post = area.routes.find((r) => r.method === 'POST')!;
      const created = await post.handle({ method: 'POST', path: '/v1/dns/records', query: new URLSearchParams(), body: { name: 'db', ip: '10.7.0.9' } });
      expect(created).toEqual({ status: 201, body: { name: 'db.weft.internal', ip: '10.7.0.9' } });
      const bad = await post.handle({ method: 'POST', path: '/v1/dns/records', query: new URLSearchParams(), body: { name: 'db', ip: 'nope' } });
      expect(bad).toMatchObject({ status: 400, body: { code: 'WEFT_E_DNS_RECORD' } });
      await waitFor(async () => (await addresses('db.weft.internal')).includes('10.7.0.9'), 2000);
      expect(await addresses('9.0.7.10.in-addr.arpa', 'PTR')).toEqual(['db.weft.internal.']);
      const kv = await client.get('/skydns/internal/weft/db/ip-10-7-0-9').exec();
      expect(kv.kvs[0]?.lease).toBe(hostLease.id());

      // A second name at the same address: both PTRs; removing it leaves the first one's.
      const request = (body: unknown) => ({ method: 'POST', path: '/v1/dns/records', query: new URLSearchParams(), body });
      expect((await post.handle(request({ name: 'db2', ip: '10.7.0.9' }))).status).toBe(201);
      await waitFor(async () => (await addresses('9.0.7.10.in-addr.arpa', 'PTR')).length === 2, 2000);
      expect((await addresses('9.0.7.10.in-addr.arpa', 'PTR')).sort()).toEqual(['db.weft.internal.', 'db2.weft.internal.']);
      const del = area.routes.find((r) => r.method === 'DELETE')!;
      expect((await del.handle({ method: 'DELETE', path: '/v1/dns/records/db2', query: new URLSearchParams(), body: undefined })).status).toBe(200);
      await waitFor(async () => (await addresses('9.0.7.10.in-addr.arpa', 'PTR')).length === 1, 2000);
      expect(await addresses('9.0.7.10.in-addr.arpa', 'PTR')).toEqual(['db.weft.internal.']);

      // Not an address of this cluster: refused, nothing written.
      const outside = await post.handle(request({ name: 'evil', ip: '8.8.8.8' }));
      expect(outside).toMatchObject({ status: 403, body: { code: 'WEFT_E_DNS_REGISTER_DENIED' } });
      expect((await client.getAll().prefix('/skydns/arpa/in-addr/8/').keys())).toEqual([]);
      expect((await client.getAll().prefix('/skydns/internal/weft/evil').keys())).toEqual([]);
    } finally {
      await area.stop();
      await hostLease.stop({ revoke: true });
      leaseClient.close();
    }
    await waitFor(async () => (await dig('db.weft.internal', 'A', { port: other.port })).rcode === 'NXDOMAIN', 3000);
  });

  it('weft dns add/ls/rm against a host; SIGKILL the host and the name goes when its lease expires', async () => {
    const socket = join(dir, 'weft.sock');
    child = spawn(process.execPath, [registrar, etcd.endpoint, socket, String(leaseTtlMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ready = await new Promise<{ dnsPort: number }>((resolve, reject) => {
      child?.stdout?.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()) as { dnsPort: number }));
      child?.once('exit', (code) => reject(new Error(`registrar exited with ${code}`)));
    });
    expect(ready.dnsPort).toBeGreaterThan(0);

    const add = capture();
    expect(await dnsAddCommand.run(['web1', '10.7.0.5', '--socket', socket], add)).toBe(0);
    expect(add.text()).toBe('web1.weft.internal. 10.7.0.5\n');
    expect(await dnsAddCommand.run(['web2.weft.internal', 'fd00::7', '--socket', socket], capture())).toBe(0);
    const refused = capture();
    expect(await dnsAddCommand.run(['web3', '10.7.0.999', '--socket', socket], refused)).toBe(1);
    expect(refused.text()).toMatch(/^WEFT_E_DNS_RECORD: /);

    const ls = capture();
    expect(await dnsLsCommand.run(['--socket', socket], ls)).toBe(0);
    expect(ls.text()).toBe('web1.weft.internal. 10.7.0.5\nweb2.weft.internal. fd00::7\n');

    await waitFor(async () => (await addresses('web1.weft.internal')).includes('10.7.0.5'), 2000);
    expect(await addresses('web2.weft.internal', 'AAAA')).toEqual(['fd00::7']);
    expect(await addresses('5.0.7.10.in-addr.arpa', 'PTR')).toEqual(['web1.weft.internal.']);

    const rm = capture();
    expect(await dnsRmCommand.run(['web2', '--socket', socket], rm)).toBe(0);
    expect(rm.text()).toBe('removed web2.weft.internal. fd00::7\n');
    await waitFor(async () => (await dig('web2.weft.internal', 'AAAA', { port: other.port })).rcode === 'NXDOMAIN', 2000);

    child.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await addresses('web1.weft.internal')).toEqual(['10.7.0.5']);
    await waitFor(async () => (await dig('web1.weft.internal', 'A', { port: other.port })).rcode === 'NXDOMAIN', leaseTtlMs + 4000, 100);
    const gone = Date.now() - killedAt;
    // Gone by lease expiry: not at once, and not later than the TTL plus etcd's lease check interval.
    expect(gone).toBeGreaterThan(500);
    expect(gone).toBeLessThan(leaseTtlMs + 4000);
    expect((await dig('5.0.7.10.in-addr.arpa', 'PTR', { port: other.port })).answer).toEqual([]);
  });
});
