// Regenerates src/overlay/testdata/netlink-messages.json, the real rtnetlink notifications the
// decoder's unit tests replay: run as root, `node test/e2e/capture-netlink-fixtures.ts`. It works
// in a namespace of its own (deleted at the end): applies the overlay's ops with the netlink backend
// and records, per op, every notification (type + payload hex) the kernel multicasts.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Protocol, createNetlink, rt } from 'netlink';
import type { KernelOp } from '../../src/overlay/kernel-state.ts';

const ns = `weftcap${process.pid % 10000}`;
const out = new URL('../../src/overlay/testdata/netlink-messages.json', import.meta.url).pathname;

if (process.argv[2] !== 'inside') {
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    execFileSync('ip', ['-n', ns, 'link', 'add', 'ul0', 'type', 'veth', 'peer', 'name', 'ul1']);
    execFileSync('ip', ['-n', ns, 'addr', 'add', '10.213.0.11/24', 'dev', 'ul0']);
    for (const l of ['ul0', 'ul1']) execFileSync('ip', ['-n', ns, 'link', 'set', l, 'up']);
    execFileSync('ip', ['netns', 'exec', ns, process.execPath, new URL(import.meta.url).pathname, 'inside'], { stdio: 'inherit' });
  } finally {
    execFileSync('ip', ['netns', 'del', ns]);
  }
} else {
  const { createNetlinkBackend } = await import('../../src/overlay/netlink.ts');
  const backend = createNetlinkBackend();
  const sub = createNetlink(Protocol.ROUTE, { ref: false, recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });
  for (const g of [rt.MulticastGroups.LINK, rt.MulticastGroups.NEIGH, rt.MulticastGroups.IPV4_ROUTE, rt.MulticastGroups.IPV4_IFADDR]) sub.addMembership(g);
  let label = '';
  const captured: { label: string; type: number; hex: string }[] = [];
  sub.on('message', (messages) => {
    for (const m of messages) captured.push({ label, type: m.type, hex: Buffer.from(m.data).toString('hex') });
  });
  const device = { name: 'weft.1', vni: 1, port: 8472, local: '10.213.0.11', underlay: 'ul0', mtu: 1450, mac: '0a:58:0a:05:01:00', learning: false, gbp: false, up: false, addresses: [] };
  const steps: [string, KernelOp][] = [
    ['link-add', { kind: 'link-add', device }],
    ['link-up', { kind: 'link-set', name: 'weft.1', up: true }],
    ['addr-add', { kind: 'addr-add', dev: 'weft.1', cidr: '10.5.1.0/32' }],
    ['fdb-set', { kind: 'fdb-set', dev: 'weft.1', fdb: { mac: '02:00:00:00:00:02', dst: '10.213.0.12' } }],
    ['neigh-set', { kind: 'neigh-set', dev: 'weft.1', neigh: { ip: '10.5.2.0', mac: '02:00:00:00:00:02' } }],
    ['route-set', { kind: 'route-set', route: { dst: '10.5.2.0/24', gateway: '10.5.2.0', dev: 'weft.1', onlink: true } }],
    ['route-direct', { kind: 'route-set', route: { dst: '10.5.3.0/24', gateway: '10.213.0.13', dev: 'ul0', onlink: false } }],
    ['route-outside', { kind: 'route-set', route: { dst: '10.99.0.0/24', gateway: '10.99.0.0', dev: 'weft.1', onlink: true } }],
    ['route-del', { kind: 'route-del', route: { dst: '10.5.2.0/24', gateway: '10.5.2.0', dev: 'weft.1', onlink: true } }],
    ['neigh-del', { kind: 'neigh-del', dev: 'weft.1', neigh: { ip: '10.5.2.0', mac: '02:00:00:00:00:02' } }],
    ['fdb-del', { kind: 'fdb-del', dev: 'weft.1', fdb: { mac: '02:00:00:00:00:02', dst: '10.213.0.12' } }],
    ['addr-del', { kind: 'addr-del', dev: 'weft.1', cidr: '10.5.1.0/32' }],
    ['link-del', { kind: 'link-del', name: 'weft.1' }],
  ];
  for (const [name, op] of steps) {
    label = name;
    const result = await backend.apply([op]);
    if (result.failures.length > 0) throw new Error(`${name}: ${result.failures[0]!.error.message}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  backend.close();
  sub.close();
  writeFileSync(out, `${JSON.stringify(captured, null, 1)}\n`);
  console.log(`captured ${captured.length} messages into ${out}`);
}
