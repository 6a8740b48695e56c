// The weft side of `npm run bench -- overlay`, run as its own process inside the host namespace
// (`ip netns exec NS taskset -c CORE node worker.ts IFACE PUBLIC_IP PEERS`): weft's overlay
// reconciler (src/overlay, the code `weft daemon` runs) with its real netlink backend. It starts,
// programs its device for its own lease, says `ready`; then each stdin line names the peer set to
// hand over (`{"count": N}`), and it answers `{"ms": …, "retries": n}`: setLeases -> every op acked (settled).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createOverlayReconciler, type Lease } from '../../../src/overlay/index.ts';
import { createLogger } from '../../../src/log.ts';
import { peerAt } from './common.ts';

const [iface = '', publicIP = '', total = '0'] = process.argv.slice(2);
const stateDir = await mkdtemp(join(tmpdir(), 'weft-bench-overlay-'));
const area = createOverlayReconciler({
  network: '10.0.0.0/8', iface, publicIP, port: 0, device: '', mtu: 0, directRouting: false, resyncIntervalMs: 600_000,
  stateDir, ipMasq: false, ipMasqCleanup: true,
  ...(process.env.WEFT_BENCH_DEBUG === undefined ? {} : { logger: createLogger('debug', process.stderr) }),
});
const self: Lease = { subnet: '10.64.1.0/24', publicIP, backendType: 'vxlan', vni: 1, vtepMAC: await area.vtepMAC() };
const peers: Lease[] = Array.from({ length: Number(total) }, (_, i) => {
  const p = peerAt(i + 2, 64, 0);
  return { subnet: p.subnet, publicIP: p.publicIP, backendType: 'vxlan', vni: 1, vtepMAC: p.vtepMAC };
});
const abort = new AbortController();
await area.start(abort.signal);
area.setLeases(self, []);
await area.settled();
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  const { count } = JSON.parse(line) as { count: number };
  const t0 = performance.now();
  area.setLeases(self, peers.slice(0, count));
  await area.settled();
  // A failed pass (an op refused or its ack lost: the 5 s request timeout) leaves the area not
  // ready until the next pass; the daemon's comes with a notification or the resync. Here it is
  // asked for at once, counted, and its time is part of the figure.
  let retries = 0;
  for (; !area.ready() && retries < 3; retries++) {
    process.stderr.write(`weft worker: ${count} peers: ${area.notReadyReason?.()}\n`);
    area.setLeases(self, peers.slice(0, count));
    await area.settled();
  }
  const ms = performance.now() - t0;
  if (!area.ready()) throw new Error(`overlay not ready after ${count} peers: ${area.notReadyReason?.()}`);
  process.stdout.write(`${JSON.stringify({ ms, retries })}\n`);
}
await area.stop(new Date(Date.now() + 2_000));
abort.abort();
await rm(stateDir, { recursive: true, force: true });
