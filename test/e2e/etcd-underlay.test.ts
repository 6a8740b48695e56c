// Daemons in host namespaces must reach etcd: the harness runs etcd inside the underlay namespace,
// on the underlay bridge address, and every host reaches it there.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { createTestbed, leftovers, type Testbed } from '../harness/netns.ts';

let bed: Testbed;
let etcd: EtcdCluster;

beforeAll(async () => {
  bed = await createTestbed({ hosts: 2 });
  etcd = await startEtcd({ netns: bed.underlay.ns, host: bed.underlay.ip });
});

afterAll(async () => {
  await etcd?.destroy();
  await bed?.teardown();
  const left = await leftovers(bed.prefix);
  expect(left).toEqual({ namespaces: [], links: [] });
});

it('serves etcd on the underlay to every host namespace', async () => {
  expect(etcd.endpoint).toBe(`http://${bed.underlay.ip}:2379`);
  const put = await bed.exec(bed.host(1).ns, 'etcdctl', ['--endpoints', etcd.endpoint, 'put', '/weft/e2e/from-host1', 'hello']);
  expect(put.stderr).toBe('');
  expect(put.code).toBe(0);
  const get = await bed.exec(bed.host(2).ns, 'etcdctl', ['--endpoints', etcd.endpoint, 'get', '--print-value-only', '/weft/e2e/from-host1']);
  expect(get.stdout.trim()).toBe('hello');
});
