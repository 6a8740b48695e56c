// etcd stopped (SIGTERM) for 60 s (10 s short) under traffic. Writes issued meanwhile (a DNS
// record, the confd watch key) retry until etcd is back; the time from etcd serving again to both
// being visible to users is the "visible within" figure. Leases: every subnet key keeps its etcd
// lease and create revision.
import { describeSeen, Traffic } from './traffic.ts';
import { readFileSafe, type ChaosWorld } from './world.ts';
import { sleep, timeLimit, type Scenario } from './scenario.ts';

async function subnetLeases(world: ChaosWorld): Promise<Map<string, string>> {
  const r = await world.etcdctl(['get', '--prefix', '/coreos.com/network/subnets/', '-w', 'json']);
  const kvs = (JSON.parse(r.stdout) as { kvs?: { key: string; lease?: number; create_revision: number }[] }).kvs ?? [];
  return new Map(kvs.map((kv) => [Buffer.from(kv.key, 'base64').toString(), `${kv.lease ?? 0}@${kv.create_revision}`]));
}

/** Puts until etcd takes it. */
async function putEventually(world: ChaosWorld, key: string, value: string): Promise<void> {
  while ((await world.etcdctl(['put', key, value])).code !== 0) await sleep(200);
}

export const etcdOutage: Scenario = {
  id: 'etcd-outage',
  name: 'etcd stopped for 60 s',
  goal: '0 lost pings, 0 SERVFAIL for zone names, 0 failed proxy requests, leases kept; changes made during the outage visible within 2 s of etcd\'s return',
  async run({ short, world: getWorld }) {
    const world = await getWorld();
    const outageMs = short ? 10_000 : 60_000;
    const before = await subnetLeases(world);
    const traffic = await Traffic.start(world);
    await sleep(2000);
    const member = world.cluster.etcd.members[0]!;
    await member.stop();
    let landed = 0;
    const writes = Promise.all([putEventually(world, '/skydns/internal/weft/during', '{"host":"10.5.200.2"}'), putEventually(world, '/chaos/watch', 'v-during')]).then(() => (landed = Date.now()));
    await sleep(outageMs);
    await member.start();
    const serving = Date.now();
    await writes;
    // etcd's return: when it logged "serving client traffic", or the writes landed, whichever we saw first.
    const back = Math.min(serving, landed);
    const dig = async (): Promise<boolean> => (await world.cluster.bed.exec(world.cluster.bed.host(2).ns, 'dig', ['@127.0.0.1', '+short', '+time=1', '+tries=1', 'during.weft.internal', 'A'])).stdout.includes('10.5.200.2');
    const [dnsMs, fileMs] = await Promise.all([world.until('the DNS record written during the outage', dig, 30_000), world.until('the watch key written during the outage', async () => readFileSafe(world.watchFile) === 'value v-during\n', 30_000)]);
    const visibleMs = Date.now() - back;
    const landedMs = landed - back;
    await sleep(2000);
    const seen = await traffic.stop();
    const after = await subnetLeases(world);
    const kept = [...before].filter(([key, lease]) => after.get(key) === lease).length;
    const { figures, clean } = describeSeen(seen);
    return {
      seen: [...figures, `${kept} / ${before.size} subnet leases kept`, `changes made during the outage visible ${visibleMs} ms after etcd's return (the retrying writes landed at ${landedMs} ms; DNS on host 2 at ${landedMs + dnsMs} ms, confd file on host 1 at ${landedMs + fileMs} ms)`, ...(clean ? [] : seen.failures)],
      pass: clean && kept === before.size && before.size === 3 && visibleMs <= timeLimit({ short }, 2000),
      ...(short ? { note: `short: ${outageMs / 1000} s outage` } : {}),
    };
  },
};
