// `kill -9` of host 2's daemon under traffic, then started again with the same state dir: the data
// plane must not notice, and the host keeps its subnet and VTEP MAC; "re-adopted" is the time from
// the new process's start to its /readyz.
import { describeSeen, Traffic } from './traffic.ts';
import type { ChaosWorld } from './world.ts';
import { sleep, type Scenario } from './scenario.ts';

async function vtepMAC(world: ChaosWorld, host: number): Promise<string> {
  const r = await world.cluster.bed.exec(world.cluster.bed.host(host).ns, 'ip', ['-j', '-d', 'link', 'show', 'type', 'vxlan']);
  const links = JSON.parse(r.stdout || '[]') as { ifname: string; address: string }[];
  return links.map((l) => `${l.ifname} ${l.address}`).join(', ');
}

export const daemonKill: Scenario = {
  id: 'daemon-kill',
  name: 'kill -9 of a daemon under load, restarted',
  goal: 'data plane uninterrupted; same subnet and MAC; state re-adopted within 2 s',
  async run({ world: getWorld }) {
    const world = await getWorld();
    const { cluster } = world;
    const subnet = cluster.subnetOf(2);
    const mac = await vtepMAC(world, 2);
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
    const { figures, clean } = describeSeen(seen);
    return {
      seen: [...figures, `subnet ${subnet} -> ${subnetAfter}`, `VTEP ${mac} -> ${macAfter}`, `ready ${readyMs} ms after the restart (process start included)`, ...(clean ? [] : seen.failures)],
      pass: clean && subnet === subnetAfter && mac === macAfter && mac !== '' && readyMs <= 2000,
    };
  },
};
