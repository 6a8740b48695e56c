// `kill -9` of host 2's daemon under traffic, then started again with the same state dir: the data
// plane must not notice, and the host keeps its subnet and VTEP MAC; "re-adopted" is the time from
// the new process's start to its /readyz.
import { describeSeen, Traffic } from './traffic.ts';
import type { ChaosWorld } from './world.ts';
import { sleep, timeLimit, type Scenario } from './scenario.ts';

async function vtepMAC(world: ChaosWorld, host: number): Promise<string> {
  const r = await world.cluster.bed.exec(world.cluster.bed.host(host).ns, 'ip', ['-j', '-d', 'link', 'show', 'type', 'vxlan']);
  const links = JSON.parse(r.stdout || '[]') as { ifname: string; address: string }[];
  return links.map((l) => `${l.ifname} ${l.address}`).join(', ');
}

/** Host 2's records under its host lease: the server it registered for `web`, key -> lease. */
async function hostRecords(world: ChaosWorld): Promise<string> {
  const r = await world.etcdctl(['get', '--prefix', '/weft/services/web/servers/', '-w', 'json']);
  const kvs = (JSON.parse(r.stdout) as { kvs?: { key: string; value: string; lease?: number }[] }).kvs ?? [];
  const own = kvs.filter((kv) => Buffer.from(kv.value, 'base64').toString().includes(world.containerIP(2)));
  return own.map((kv) => `lease ${(kv.lease ?? 0).toString(16)}`).join(', ');
}

export const daemonKill: Scenario = {
  id: 'daemon-kill',
  name: 'kill -9 of a daemon under load, restarted',
  goal: 'data plane uninterrupted; same subnet and MAC; state re-adopted within 2 s',
  async run(context) {
    const { world: getWorld } = context;
    const world = await getWorld();
    const { cluster } = world;
    const subnet = cluster.subnetOf(2);
    const mac = await vtepMAC(world, 2);
    const records = await hostRecords(world);
    const traffic = await Traffic.start(world);
    await sleep(2000);
    const daemon = cluster.hosts[1]!.daemon!;
    const exited = new Promise((resolve) => daemon.once('exit', resolve));
    daemon.kill('SIGKILL');
    await exited;
    await sleep(1000);
    const started = Date.now();
    await cluster.startDaemon(2);
    const readyMs = Date.now() - started;
    await sleep(3000);
    const seen = await traffic.stop();
    const subnetAfter = cluster.subnetOf(2);
    const macAfter = await vtepMAC(world, 2);
    const recordsAfter = await hostRecords(world);
    const { figures, clean } = describeSeen(seen);
    return {
      seen: [...figures, `subnet ${subnet} -> ${subnetAfter}`, `VTEP ${mac} -> ${macAfter}`, `host 2's registered server: ${records} -> ${recordsAfter || 'gone'}`, `ready ${readyMs} ms after the restart (process start included)`, ...(clean ? [] : seen.failures)],
      pass: clean && subnet === subnetAfter && mac === macAfter && mac !== '' && records !== '' && recordsAfter === records && readyMs <= timeLimit(context, 2000),
    };
  },
};
