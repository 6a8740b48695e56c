// The shared lease-registry suite against the in-memory registry (etcd runs the same suite in
// test/integration/subnet-registry.test.ts).
import { MemoryKeyspace } from '../etcd/index.ts';
import { createMemoryRegistry } from './memory-registry.ts';
import { describeLeaseRegistry } from './registry.suite.ts';

describeLeaseRegistry('memory', async () => {
  const keyspace = new MemoryKeyspace();
  return {
    registry: createMemoryRegistry(keyspace),
    prefix: '/test/network/',
    byHand: {
      put: async (key, value, lease) => void keyspace.put(key, value, lease),
      delete: async (key) => void keyspace.delete(key),
      revokeLease: async (id) => keyspace.revoke(id),
    },
    elapse: async (ms) => keyspace.advance(ms),
    teardown: async () => undefined,
  };
});
