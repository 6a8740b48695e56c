// etcd going away must not take names with it: the zone keeps answering from its last snapshot,
// and what was written meanwhile shows up within a second of etcd coming back.
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DnsArea } from '../../src/dns/index.ts';
import { dig, startDns, waitFor } from '../dns/harness.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { putWithRetry, testClient } from '../harness/etcd-client.ts';
import { TcpProxy } from '../harness/tcp-proxy.ts';

let etcd: EtcdCluster;
let writer: Etcd3;

beforeAll(async () => {
  etcd = await startEtcd();
  writer = testClient(etcd.endpoints);
  await writer.put('/skydns/internal/weft/web').value('{"host":"10.5.1.2"}').exec();
});

afterAll(async () => {
  writer?.close();
  await etcd?.destroy();
});

async function answers(port: number, name: string): Promise<string[]> {
  return (await dig(name, 'A', { port })).answer.map((l) => l.split(' ')[3] ?? '');
}

describe('etcd outage', () => {
  it('cut off from etcd: names still answer; a record written meanwhile appears within 1 s of the return', async () => {
    const member = etcd.members[0]!;
    const proxy = await new TcpProxy({ host: member.spec.host, port: member.spec.clientPort }).listen();
    const client = testClient([proxy.endpoint]);
    let area: DnsArea | undefined;
    try {
      const started = await startDns(client);
      area = started.area;
      expect(await answers(started.port, 'web.weft.internal')).toEqual(['10.5.1.2']);
      proxy.cut();
      await waitFor(async () => area?.status !== undefined && (area.status() as { watch: { connected: boolean } }).watch.connected === false, 5000);
      await writer.put('/skydns/internal/weft/late').value('{"host":"10.5.9.9"}').exec();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await answers(started.port, 'web.weft.internal')).toEqual(['10.5.1.2']);
      expect((await dig('late.weft.internal', 'A', { port: started.port })).rcode).toBe('NXDOMAIN');
      proxy.restore();
      const took = await waitFor(async () => (await answers(started.port, 'late.weft.internal')).includes('10.5.9.9'), 5000, 20);
      expect(took).toBeLessThan(1000);
    } finally {
      await area?.stop();
      client.close();
      await proxy.close();
    }
  });

  it('etcd stopped: names still answer; after it restarts a new record appears within 1 s', async () => {
    const client = testClient(etcd.endpoints);
    const { area, port } = await startDns(client);
    try {
      await etcd.members[0]!.stop();
      for (let i = 0; i < 3; i++) {
        expect(await answers(port, 'web.weft.internal')).toEqual(['10.5.1.2']);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(area.ready()).toBe(true);
      await etcd.members[0]!.start();
      await putWithRetry(writer, '/skydns/internal/weft/after', '{"host":"10.5.9.10"}');
      const took = await waitFor(async () => (await answers(port, 'after.weft.internal')).includes('10.5.9.10'), 5000, 20);
      expect(took).toBeLessThan(1000);
    } finally {
      await area.stop();
      client.close();
    }
  });
});
