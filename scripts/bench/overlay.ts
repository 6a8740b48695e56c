// `npm run bench -- overlay [peers=1000] [rounds=3]`: in a throwaway network namespace (never the
// root one), time from N peer leases handed to the overlay area until the kernel has acked every
// route, neighbour and FDB entry (then verified by a dump), and from one more peer until its route
// is present. Goals: < 1 s for 1000 peers, < 50 ms for one peer. Re-executes itself inside the
// namespace (WEFT_BENCH_OVERLAY_NS set) so the area and its netlink sockets live there.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestbed, leftovers } from '../../test/harness/netns.ts';
import { createNetlinkBackend, createOverlayReconciler } from '../../src/overlay/index.ts';
import type { Lease } from '../../src/overlay/lease.ts';
import { createLogger } from '../../src/log.ts';

const peersWanted = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 3);

function peer(i: number): Lease {
  // Peer n: subnet 10.(64 + n/256).(n%256).0/24 inside 10.0.0.0/8, public IP 172.16.(n/256).(n%256), a MAC of its own.
  const n = i + 2;
  const hex = (b: number): string => b.toString(16).padStart(2, '0');
  return {
    subnet: `10.${64 + (n >> 8)}.${n & 255}.0/24`, publicIP: `172.16.${(n >> 8) & 255}.${n & 255}`, backendType: 'vxlan', vni: 1,
    vtepMAC: `0e:00:00:${hex((n >> 16) & 255)}:${hex((n >> 8) & 255)}:${hex(n & 255)}`,
  };
}

async function worker(): Promise<void> {
  const iface = process.env.WEFT_BENCH_OVERLAY_IFACE!;
  const publicIP = process.env.WEFT_BENCH_OVERLAY_IP!;
  const stateDir = await mkdtemp(join(tmpdir(), 'weft-bench-overlay-'));
  const area = createOverlayReconciler({
    network: '10.0.0.0/8', iface, publicIP, port: 0, device: '', mtu: 0, directRouting: false, resyncIntervalMs: 600_000,
    stateDir, ipMasq: false, ipMasqCleanup: true,
    ...(process.env.WEFT_BENCH_DEBUG === undefined ? {} : { logger: createLogger('debug', process.stderr) }),
  });
  const self: Lease = { subnet: '10.64.1.0/24', publicIP, backendType: 'vxlan', vni: 1, vtepMAC: await area.vtepMAC() };
  await area.start(new AbortController().signal);
  area.setLeases(self, []);
  await area.settled();
  const verifier = createNetlinkBackend();
  const scope = { device: 'weft.1', underlay: iface, network: '10.0.0.0/8', ownSubnet: self.subnet, directRouting: false };
  const peers = Array.from({ length: peersWanted + 1 }, (_, i) => peer(i));
  const bulk: number[] = [];
  const one: number[] = [];
  const removal: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let t0 = performance.now();
    area.setLeases(self, peers.slice(0, peersWanted));
    await area.settled();
    bulk.push(performance.now() - t0);
    if (!area.ready()) throw new Error(`overlay not ready after ${peersWanted} peers: ${area.notReadyReason?.()}`);
    const state = await verifier.read(scope);
    if (state.routes.length !== peersWanted || state.neighbours.length !== peersWanted || state.fdb.length !== peersWanted) {
      throw new Error(`after ${peersWanted} peers the kernel holds ${state.routes.length} routes, ${state.neighbours.length} neighbours, ${state.fdb.length} fdb entries`);
    }
    t0 = performance.now();
    area.setLeases(self, peers);
    await area.settled();
    one.push(performance.now() - t0);
    const last = peers[peersWanted]!.subnet;
    if (!(await verifier.read(scope)).routes.some((r) => r.dst === last)) throw new Error(`route to ${last} missing`);
    t0 = performance.now();
    area.setLeases(self, []);
    await area.settled();
    removal.push(performance.now() - t0);
    if ((await verifier.read(scope)).routes.length !== 0) throw new Error('routes left after removing every peer');
  }
  verifier.close();
  await area.stop(new Date(Date.now() + 2_000));
  await rm(stateDir, { recursive: true, force: true });
  const fmt = (xs: number[]): string => `${xs.map((x) => x.toFixed(1)).join(' / ')} ms (best ${Math.min(...xs).toFixed(1)})`;
  console.log(`overlay bench: ${peersWanted} peers, ${rounds} rounds, one host namespace`);
  console.log(`  ${peersWanted} peers handed over -> all ${peersWanted} routes + neigh + fdb acked by the kernel: ${fmt(bulk)}   goal < 1000 ms`);
  console.log(`  1 new peer handed over -> its route, neigh and fdb present:          ${fmt(one)}   goal < 50 ms`);
  console.log(`  all ${peersWanted} peers removed -> routes, neigh, fdb gone:              ${fmt(removal)}`);
  console.log(`  reconcile metrics:\n${(await area.metrics.metrics()).split('\n').filter((l) => /^weft_overlay_(ops_applied|reconciles)_total/.test(l)).map((l) => `    ${l}`).join('\n')}`);
}

async function main(): Promise<void> {
  const bed = await createTestbed({ hosts: 1 });
  try {
    const host = bed.host(1);
    const result = spawnSync('ip', ['netns', 'exec', host.ns, process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
      stdio: 'inherit',
      env: { ...process.env, WEFT_BENCH_OVERLAY_NS: host.ns, WEFT_BENCH_OVERLAY_IFACE: host.link, WEFT_BENCH_OVERLAY_IP: host.ip },
    });
    if (result.status !== 0) process.exitCode = 1;
  } finally {
    await bed.teardown();
    const left = await leftovers(bed.prefix);
    if (left.namespaces.length > 0 || left.links.length > 0) throw new Error(`bench left ${JSON.stringify(left)}`);
  }
}

if (process.env.WEFT_BENCH_OVERLAY_NS === undefined) {
  await main();
  // Then the whole path, from the etcd put, on a real daemon.
  await import('./overlay-etcd.ts');
} else await worker();
