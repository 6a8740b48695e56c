// Extra worker threads share the UDP port (SO_REUSEPORT): whichever thread the kernel hands a
// query to, the answer is the same, and a change in etcd reaches every thread's copy of the zone.
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DnsArea } from '../../src/dns/index.ts';
import { nodeResolver, startDns, waitFor } from '../dns/harness.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { testClient } from '../harness/etcd-client.ts';

let etcd: EtcdCluster;
let client: Etcd3;
let area: DnsArea;
let port: number;

beforeAll(async () => {
  etcd = await startEtcd();
  client = testClient(etcd.endpoints);
  await client.put('/skydns/internal/weft/web').value('{"host":"10.5.1.2"}').exec();
  ({ area, port } = await startDns(client, { workers: 1 }));
});

afterAll(async () => {
  await area?.stop();
  client?.close();
  await etcd?.destroy();
});

/** 40 queries, each from a fresh resolver (a fresh source port), so both threads get some. */
let asked = 0;
async function askMany(name: string): Promise<string[][]> {
  asked += 40;
  return Promise.all(Array.from({ length: 40 }, () => nodeResolver(port).resolve4(name).catch(() => [])));
}

describe('worker threads', () => {
  it('answer the same as the main thread, and follow etcd changes', async () => {
    expect((area.status() as { workers: number }).workers).toBe(1);
    expect(new Set((await askMany('web.weft.internal')).map((a) => a.join()))).toEqual(new Set(['10.5.1.2']));
    await client.put('/skydns/internal/weft/web').value('{"host":"10.5.1.3"}').exec();
    await waitFor(async () => (await askMany('web.weft.internal')).every((a) => a.join() === '10.5.1.3'), 3000, 50);
    // Every query is counted once, whichever thread answered it (workers report once a second).
    const counted = async (): Promise<number> => Number(/weft_dns_queries_total\{type="A",rcode="NOERROR"\} (\d+)/.exec(await area.metrics.metrics())?.[1] ?? 0);
    await waitFor(async () => (await counted()) >= asked, 3000, 100);
    expect(await counted()).toBe(asked);
  });
});
