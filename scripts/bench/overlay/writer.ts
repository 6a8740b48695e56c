// The lease writer of `npm run bench -- overlay-etcd`, its own process in the host namespace
// (`writer.ts ENDPOINT TOTAL [SKIP_SUBNET]`, pinned with the load): each stdin line
// `{"from": i, "count": n}` puts peers i..i+n-1 as flannel leases (on one etcd lease, in
// transactions of 100, all sent at once) and answers `{"began": t, "done": t}` (epoch ms).
import { createInterface } from 'node:readline';
import { testClient } from '../../../test/harness/etcd-client.ts';
import { etcdPeers, flannelLease } from './common.ts';

const [endpoint = '', total = '0', skip = ''] = process.argv.slice(2);
const now = (): number => performance.timeOrigin + performance.now();
const leases = etcdPeers(Number(total), skip).map(flannelLease);
const client = testClient([endpoint]);
const etcdLease = client.lease(3600, { autoKeepAlive: false });
await etcdLease.grant();
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  const { from, count } = JSON.parse(line) as { from: number; count: number };
  const began = now();
  const batches: Promise<unknown>[] = [];
  for (let i = from; i < from + count; i += 100) {
    const puts = leases.slice(i, Math.min(from + count, i + 100)).map(({ key, value }) => etcdLease.put(key).value(value));
    batches.push(client.if('/weft-bench/none', 'Version', '==', 0).then(...puts).commit());
  }
  await Promise.all(batches);
  process.stdout.write(`${JSON.stringify({ began, done: now() })}\n`);
}
client.close();
