// The shared lease-registry suite (src/subnet/registry.suite.ts) against a real etcd: the rules the
// in-memory registry of the manager's unit tests follows are the ones etcd enforces.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { etcdRegistry } from '../../src/subnet/registry.ts';
import { describeLeaseRegistry } from '../../src/subnet/registry.suite.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { testClient } from '../harness/etcd-client.ts';

let cluster: EtcdCluster;
beforeAll(async () => {
  cluster = await startEtcd();
});
afterAll(async () => {
  await cluster?.destroy();
});

describeLeaseRegistry('etcd', async () => {
  const client = testClient(cluster.endpoints);
  return {
    registry: etcdRegistry(client),
    prefix: `/test-${randomBytes(4).toString('hex')}/network/`,
    byHand: {
      put: async (key, value, lease) => {
        const put = client.put(key).value(value);
        await (lease === undefined || lease === '0' ? put : put.lease(lease)).exec();
      },
      delete: async (key) => void (await client.delete().key(key).exec()),
      revokeLease: async (id) => void (await client.leaseClient.leaseRevoke({ ID: id })),
    },
    elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    teardown: async () => client.close(),
  };
});
