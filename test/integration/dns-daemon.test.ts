// The DNS area inside the real `weft daemon`: a name registered with `weft dns add` on one daemon
// resolves on another; SIGKILL the first and the name goes when its host lease expires.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { adminRequest } from '../../src/admin/client.ts';
import { dig, waitFor } from '../dns/harness.ts';
import { freePort, startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { runWeft, WeftProcess } from '../harness/weft-process.ts';

let etcd: EtcdCluster;
let dir: string;
const daemons: WeftProcess[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
  dir = mkdtempSync(join(tmpdir(), 'weft-dns-daemon-'));
});
afterAll(async () => {
  for (const d of daemons) {
    d.kill('SIGKILL');
    await d.exited;
  }
  await etcd?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function daemon(name: string): Promise<{ socket: string; port: number; process: WeftProcess }> {
  const socket = join(dir, `${name}.sock`);
  const port = await freePort();
  const process = new WeftProcess(['daemon', '--no-subnet-enabled', '--no-overlay-enabled', '--admin-socket', socket, '--etcd-endpoints', etcd.endpoint, '--etcd-host-lease-ttl', '2s', '--dns-enabled', '--dns-listen', `127.0.0.1:${port}`, '--no-dns-forward', '--dns-register-allow', '10.5.0.0/16']);
  daemons.push(process);
  await waitFor(async () => (await adminRequest(socket, 'GET', '/readyz').catch(() => undefined))?.status === 200, 20_000);
  return { socket, port, process };
}

it('resolves a name registered on another daemon, until that daemon dies and its lease expires', async () => {
  const a = await daemon('a');
  const b = await daemon('b');
  const add = await runWeft(['dns', 'add', 'web.weft.internal', '10.5.7.9', '--socket', a.socket]);
  expect(add.stderr).toBe('');
  expect(add.code).toBe(0);

  await waitFor(async () => (await dig('web.weft.internal', 'A', { port: b.port })).answer.some((r) => r.includes('10.5.7.9')), 5000);
  const ptr = await dig('9.7.5.10.in-addr.arpa', 'PTR', { port: b.port });
  expect(ptr.answer.join('\n')).toContain('web.weft.internal.');

  // A second name at that address on the other daemon: both PTRs; removing it keeps web's.
  expect((await runWeft(['dns', 'add', 'www', '10.5.7.9', '--socket', b.socket])).code).toBe(0);
  const ptrs = async (): Promise<string[]> => (await dig('9.7.5.10.in-addr.arpa', 'PTR', { port: b.port })).answer.map((l) => l.split(' ').at(-1) ?? '').sort();
  await waitFor(async () => (await ptrs()).length === 2, 5000);
  expect(await ptrs()).toEqual(['web.weft.internal.', 'www.weft.internal.']);
  expect((await runWeft(['dns', 'rm', 'www', '--socket', b.socket])).code).toBe(0);
  await waitFor(async () => (await ptrs()).length === 1, 5000);
  expect(await ptrs()).toEqual(['web.weft.internal.']);

  // Outside the cluster network and dns.register_allow: refused with its code.
  const outside = await runWeft(['dns', 'add', 'evil', '8.8.8.8', '--socket', a.socket]);
  expect(outside.code).toBe(1);
  expect(outside.stderr).toMatch(/^WEFT_E_DNS_REGISTER_DENIED: 8\.8\.8\.8 may not be registered/);

  const killed = Date.now();
  a.process.kill('SIGKILL');
  const gone = await waitFor(async () => (await dig('web.weft.internal', 'A', { port: b.port })).rcode === 'NXDOMAIN', 15_000);
  process.stdout.write(`dns: name gone ${Date.now() - killed} ms after SIGKILL (host lease TTL 2 s)\n`);
  expect(gone).toBeGreaterThan(0);
  expect(Date.now() - killed).toBeGreaterThan(1000); // it went because the lease expired, not before
});
