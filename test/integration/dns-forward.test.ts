// Forwarding to a real upstream (dnsmasq on a free loopback port): failover past a dead upstream,
// TCP retry on truncation, the TTL cache (answers survive the upstream's death, TTLs count down),
// and the allow list: a client outside it gets REFUSED for anything but our own zone.
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DnsArea } from '../../src/dns/index.ts';
import { dig, Dnsmasq, nodeResolver, startDns } from '../dns/harness.ts';
import { freePort, startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { testClient } from '../harness/etcd-client.ts';

let etcd: EtcdCluster;
let client: Etcd3;
let upstream: Dnsmasq;
let area: DnsArea;
let port: number;
let deadPort: number;

const hosts = ['10.9.0.1 fwd.test', ...Array.from({ length: 100 }, (_, i) => `10.9.1.${i + 1} many.fwd.test`)].join('\n');

beforeAll(async () => {
  etcd = await startEtcd();
  client = testClient(etcd.endpoints);
  await client.put('/skydns/internal/weft/web').value('{"host":"10.5.1.2"}').exec();
  upstream = await Dnsmasq.start(hosts, ['--local=/fwd.test/', '--local-ttl=60']);
  deadPort = await freePort(); // nothing listens here: the first upstream never answers
  ({ area, port } = await startDns(client, {
    forward: true,
    upstreams: [`127.0.0.1:${deadPort}`, `127.0.0.1:${upstream.port}`],
    allow: ['127.0.0.1/32'],
    forward_timeout: 300,
  }));
});

afterAll(async () => {
  await area?.stop();
  await upstream?.stop();
  client?.close();
  await etcd?.destroy();
});

function ttlOf(line: string | undefined): number {
  return Number(line?.split(' ')[1]);
}

describe('forwarding', () => {
  it('forwards a name outside our zones, failing over past a dead upstream, with RA set', async () => {
    const got = await dig('fwd.test', 'A', { port });
    expect(got.rcode).toBe('NOERROR');
    expect(got.flags.ra).toBe(true);
    expect(got.flags.aa).toBe(false);
    expect(got.answer.map((l) => l.split(' ')[3])).toEqual(['10.9.0.1']);
    expect(ttlOf(got.answer[0])).toBeLessThanOrEqual(60);
    expect(await nodeResolver(port).resolve4('FWD.test')).toEqual(['10.9.0.1']);
  });

  it('passes the upstream NXDOMAIN through', async () => {
    expect((await dig('missing.fwd.test', 'A', { port })).rcode).toBe('NXDOMAIN');
  });

  it('retries over TCP when the upstream truncates, so all 100 records arrive', async () => {
    const tcp = await dig('many.fwd.test', 'A', { port, args: ['+tcp'] });
    expect(tcp.answer).toHaveLength(100);
    const udp = await dig('many.fwd.test', 'A', { port, args: ['+ignore', '+bufsize=1232'] });
    expect(udp.flags.tc).toBe(true);
  });

  it('still answers our zone authoritatively', async () => {
    const got = await dig('web.weft.internal', 'A', { port });
    expect(got.flags.aa).toBe(true);
    expect(got.answer).toEqual(['web.weft.internal. 300 A 10.5.1.2']);
  });

  it('a client outside the allow list gets REFUSED for forwarded names, but our zone answers it', async () => {
    const outside = await dig('fwd.test', 'A', { port, args: ['-b', '127.0.0.2'] });
    expect(outside.rcode).toBe('REFUSED');
    expect(outside.answer).toEqual([]);
    expect(outside.flags.ra).toBe(false);
    const zone = await dig('web.weft.internal', 'A', { port, args: ['-b', '127.0.0.2'] });
    expect(zone.answer).toEqual(['web.weft.internal. 300 A 10.5.1.2']);
  });

  it('serves from the cache after the upstream dies, counting TTLs down', async () => {
    const before = await dig('fwd.test', 'A', { port });
    const hits = (await area.dnsMetrics.cacheHits.get()).values.find((v) => v.labels.cache === 'forward')?.value ?? 0;
    await upstream.stop();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const after = await dig('fwd.test', 'A', { port });
    expect(after.answer.map((l) => l.split(' ')[3])).toEqual(['10.9.0.1']);
    expect(ttlOf(after.answer[0])).toBeLessThan(ttlOf(before.answer[0]));
    const hitsAfter = (await area.dnsMetrics.cacheHits.get()).values.find((v) => v.labels.cache === 'forward')?.value ?? 0;
    expect(hitsAfter).toBe(hits + 1);
    expect((await dig('many.fwd.test', 'A', { port, args: ['+tcp'] })).answer).toHaveLength(100);
  });

  it('a name no upstream can answer gets SERVFAIL, not a hang', async () => {
    const started = Date.now();
    const got = await dig('uncached.fwd.test', 'A', { port });
    expect(got.rcode).toBe('SERVFAIL');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('records forward latency and query counts by type and rcode', async () => {
    const text = await area.metrics.metrics();
    expect(text).toMatch(/weft_dns_forward_duration_seconds_count\{upstream="127\.0\.0\.1:\d+",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/weft_dns_queries_total\{type="A",rcode="REFUSED"\} [1-9]/);
    expect(text).toMatch(/weft_dns_zone_records 1/);
  });
});
