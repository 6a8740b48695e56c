// The shared kernel-backend suite against the in-memory backend (the netlink backend runs the same
// suite in a namespace: test/e2e/overlay-backend-netlink.test.ts).
import { describeKernelBackend } from './backend.suite.ts';
import { createMemoryBackend } from './memory-backend.ts';
import { formatCidr, parseCidr } from '../net/index.ts';

describeKernelBackend('memory', async () => {
  const underlay = { name: 'eth0', cidr: '10.213.0.11/24', mtu: 1500 };
  const mem = createMemoryBackend({ index: 2, mtu: underlay.mtu, addresses: [underlay.cidr] }, underlay.name);
  return { backend: mem, underlay, outside: (ops) => mem.outside(ops), blackholes: async () => [...mem.blackholes],
    bridgeRoute: async (cidr) => {
      mem.foreignRoute(formatCidr(parseCidr(cidr)!), 'weftbhbr', true);
    },
    teardown: async () => mem.close() };
});
