// Values too large for a DNS message, from a real etcd: a 70 kB TXT value is an invalid record
// (counted, listed in status) and its name answers; several large values at one name, together
// over 64 KiB, get SERVFAIL over UDP and TCP instead of no answer.
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DnsArea } from '../../src/dns/index.ts';
import { dig, startDns, waitFor } from '../dns/harness.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { testClient } from '../harness/etcd-client.ts';

let etcd: EtcdCluster;
let client: Etcd3;
let area: DnsArea;
let port: number;

beforeAll(async () => {
  etcd = await startEtcd();
  client = testClient(etcd.endpoints);
  await client.put('/skydns/internal/weft/huge').value(JSON.stringify({ text: 'x'.repeat(70_000) })).exec();
  for (let i = 0; i < 8; i++) await client.put(`/skydns/internal/weft/many/t${i}`).value(JSON.stringify({ text: `${i}${'y'.repeat(10_000)}` })).exec();
  ({ area, port } = await startDns(client));
});

afterAll(async () => {
  await area?.stop();
  client?.close();
  await etcd?.destroy();
});

it('a 70 kB TXT value is an invalid record: counted, listed, and its name answers NXDOMAIN on UDP and TCP', async () => {
  expect((await dig('huge.weft.internal', 'TXT', { port })).rcode).toBe('NXDOMAIN');
  expect((await dig('huge.weft.internal', 'TXT', { port, args: ['+tcp'] })).rcode).toBe('NXDOMAIN');
  expect((area.status() as { invalidKeys: string[] }).invalidKeys).toEqual(['/skydns/internal/weft/huge']);
  await waitFor(async () => /weft_dns_zone_invalid_records 1\b/.test(await area.metrics.metrics()), 2000);
});

it('values together over 64 KiB get SERVFAIL on UDP and TCP, not silence', async () => {
  expect((await dig('many.weft.internal', 'TXT', { port })).rcode).toBe('SERVFAIL');
  expect((await dig('many.weft.internal', 'TXT', { port, args: ['+tcp'] })).rcode).toBe('SERVFAIL');
});
