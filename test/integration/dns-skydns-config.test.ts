// SkyDNS's settings key (<path>/config, skydns server/config.go) on a real etcd, answers checked
// with dig: the domain becomes the zone, ttl the default TTL, min_ttl the SOA minimum and negative
// TTL, hostmaster the SOA mailbox, priority the default SRV priority; the key follows changes; a
// key SkyDNS could not read is refused (status says why) and weft's own settings answer.
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DnsArea } from '../../src/dns/index.ts';
import { dig, startDns } from '../dns/harness.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { testClient } from '../harness/etcd-client.ts';

let etcd: EtcdCluster;
let client: Etcd3;
let area: DnsArea;
let port: number;

const put = (key: string, value: unknown): Promise<unknown> => client.put(`/skydns/${key}`).value(typeof value === 'string' ? value : JSON.stringify(value)).exec();
const skydnsConfig = { domain: 'skydns.local.', ttl: 3600, min_ttl: 60, hostmaster: 'admin@skydns.local.', priority: 20, dns_addr: '0.0.0.0:53', rcache: 1000 };

beforeAll(async () => {
  etcd = await startEtcd();
  client = testClient(etcd.endpoints);
  await put('config', skydnsConfig);
  await put('local/skydns/web', { host: '10.7.0.1' });
  await put('local/skydns/fast', { host: '10.7.0.2', ttl: 5 });
  await put('local/skydns/svc/_tcp/_http/a', { host: '10.7.0.3', port: 8080 });
  await put('internal/weft/web', { host: '10.7.1.1' });
  ({ area, port } = await startDns(client));
});

afterAll(async () => {
  await area?.stop();
  client?.close();
  await etcd?.destroy();
});

interface SkydnsStatus {
  skydnsConfig: { settings?: { ignored: string[] }; error?: string; ttl: number; minTtl: number };
  zones: string[];
}
const status = (): SkydnsStatus => area.status() as SkydnsStatus;

describe('SkyDNS settings key', () => {
  it('is a setting, not a record', () => {
    expect(area.zone.invalid).toEqual([]);
    expect(area.zone.size).toBe(4);
    expect(status().skydnsConfig.settings?.ignored).toEqual(['dns_addr', 'rcache']);
  });

  it('domain is the zone and ttl the default TTL', async () => {
    expect(status().zones).toEqual(['skydns.local.']);
    expect((await dig('web.skydns.local', 'A', { port })).answer).toEqual(['web.skydns.local. 3600 A 10.7.0.1']);
    expect((await dig('fast.skydns.local', 'A', { port })).answer).toEqual(['fast.skydns.local. 5 A 10.7.0.2']);
  });

  it('min_ttl and hostmaster make the SOA, and the negative answers last min_ttl', async () => {
    const got = await dig('nothing.skydns.local', 'A', { port });
    expect(got.rcode).toBe('NXDOMAIN');
    expect(got.authority).toHaveLength(1);
    const [owner, ttl, type, mname, rname, , , , , minimum] = (got.authority[0] ?? '').split(' ');
    expect([owner, ttl, type, mname, rname, minimum]).toEqual(['skydns.local.', '60', 'SOA', 'ns.dns.skydns.local.', 'admin.skydns.local.', '60']);
  });

  it('priority is the SRV priority of values without one', async () => {
    expect((await dig('_http._tcp.svc.skydns.local', 'SRV', { port })).answer).toEqual(['_http._tcp.svc.skydns.local. 3600 SRV 20 100 8080 a._http._tcp.svc.skydns.local.']);
  });

  it('follows a change of the key, refuses a key SkyDNS could not read, and falls back when it is gone', async () => {
    await put('config', { domain: 'example.internal.', ttl: 90 });
    await put('internal/example/db', { host: '10.7.2.1' });
    await vi.waitFor(async () => expect((await dig('db.example.internal', 'A', { port })).answer).toEqual(['db.example.internal. 90 A 10.7.2.1']), { timeout: 5000, interval: 50 });

    await put('config', '{"domain":"skydns.local.","ttl":"3600"}');
    await vi.waitFor(() => expect(status().skydnsConfig.error).toMatch(/\/skydns\/config\.ttl must be a whole number, got string "3600"/), { timeout: 5000, interval: 50 });
    expect(status().zones).toEqual(['weft.internal.']);
    expect((await dig('web.weft.internal', 'A', { port })).answer).toEqual(['web.weft.internal. 300 A 10.7.1.1']);

    await put('config', skydnsConfig);
    await vi.waitFor(() => expect(status().zones).toEqual(['skydns.local.']), { timeout: 5000, interval: 50 });
    await client.delete().key('/skydns/config').exec();
    await vi.waitFor(() => expect(status().zones).toEqual(['weft.internal.']), { timeout: 5000, interval: 50 });
    const soa = await dig('nothing.weft.internal', 'A', { port });
    expect(soa.authority[0]?.split(' ').slice(0, 5)).toEqual(['weft.internal.', '30', 'SOA', 'ns.dns.weft.internal.', 'hostmaster.weft.internal.']);
  });
});

describe('SkyDNS settings key against weft settings', () => {
  it('worker threads answer with the key\'s settings too', async () => {
    await put('config', skydnsConfig);
    const threaded = await startDns(client, { workers: 1 });
    try {
      await vi.waitFor(async () => expect((await dig('web.skydns.local', 'A', { port: threaded.port })).answer).toEqual(['web.skydns.local. 3600 A 10.7.0.1']), { timeout: 5000, interval: 50 });
      // SO_REUSEPORT spreads queries over both threads by source port: ask a few times.
      for (let i = 0; i < 8; i++) expect((await dig('web.skydns.local', 'A', { port: threaded.port })).answer).toEqual(['web.skydns.local. 3600 A 10.7.0.1']);
    } finally {
      await threaded.area.stop();
    }
  });

  it('a zone and TTL set in [dns] win; dns.skydns_config = false ignores the key', async () => {
    await put('config', skydnsConfig);
    const own = await startDns(client, { zones: ['weft.internal.'].concat('corp.internal.'), ttl: 120 });
    const off = await startDns(client, { skydns_config: false });
    try {
      expect((own.area.status() as SkydnsStatus).zones).toEqual(['weft.internal.', 'corp.internal.']);
      expect((await dig('web.weft.internal', 'A', { port: own.port })).answer).toEqual(['web.weft.internal. 120 A 10.7.1.1']);
      const soa = await dig('nothing.weft.internal', 'A', { port: own.port });
      expect(soa.authority[0]?.split(' ').slice(1, 5)).toEqual(['60', 'SOA', 'ns.dns.weft.internal.', 'admin.skydns.local.']); // no weft setting for these
      expect((off.area.status() as SkydnsStatus).zones).toEqual(['weft.internal.']);
      expect((await dig('web.weft.internal', 'A', { port: off.port })).answer).toEqual(['web.weft.internal. 300 A 10.7.1.1']);
    } finally {
      await own.area.stop();
      await off.area.stop();
    }
  });
});
