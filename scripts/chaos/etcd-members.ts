// A 3-member etcd (each member its own underlay address) under traffic, plus a client writing to
// etcd through weft: host 3's admin API registering a server every 250 ms. First the leader is
// killed (-9) and started again; then the new leader is partitioned away (iptables in the underlay
// namespace drops everything to and from its address) for longer than the keep-alive timeout, and
// let back. Users and the admin client must see no error.
import { adminRequest } from '../../src/admin/client.ts';
import { describeSeen, Traffic } from './traffic.ts';
import { ChaosWorld } from './world.ts';
import { sleep, type Scenario } from './scenario.ts';

async function leaderIndex(world: ChaosWorld): Promise<number> {
  const r = await world.etcdctl(['endpoint', 'status', '-w', 'json']);
  const members = JSON.parse(r.stdout || '[]') as { Endpoint: string; Status: { header: { member_id: number }; leader: number } }[];
  const leader = members.find((m) => m.Status.header.member_id === m.Status.leader);
  const index = world.cluster.etcd.members.findIndex((m) => m.endpoint === leader?.Endpoint);
  if (index < 0) throw new Error(`no leader among ${r.stdout}${r.stderr}`);
  return index;
}

/** Registrations through the admin API (each one an etcd put under the host lease), until stopped. */
function adminWrites(world: ChaosWorld): { stop(): Promise<{ writes: number; failed: string[]; slowestMs: number }> } {
  let running = true;
  const failed: string[] = [];
  let writes = 0;
  let slowestMs = 0;
  const socket = world.cluster.hosts[2]!.socket;
  const loop = (async () => {
    while (running) {
      const begun = Date.now();
      writes++;
      const reply = await adminRequest(socket, 'POST', '/v1/services/web/servers', { url: `http://${world.containerIP(3)}:8080`, id: 'chaos-writer', weight: 1 + (writes % 5) }).catch((error: Error) => ({ status: -1, text: error.message }));
      slowestMs = Math.max(slowestMs, Date.now() - begun);
      if (reply.status !== 201) failed.push(`${new Date(begun).toISOString()} ${reply.status} ${'text' in reply ? String(reply.text).slice(0, 120) : ''}`);
      await sleep(250);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { writes, failed, slowestMs };
    },
  };
}

async function partition(world: ChaosWorld, ip: string, action: '-I' | '-D'): Promise<void> {
  for (const side of ['-s', '-d']) {
    const r = await world.cluster.bed.exec(world.cluster.bed.underlay.ns, 'iptables', [action, 'INPUT', side, ip, '-j', 'DROP']);
    if (r.code !== 0) throw new Error(`iptables ${action} ${side} ${ip}: ${r.stderr}`);
  }
}

export const etcdMembers: Scenario = {
  id: 'etcd-members',
  name: 'a 3-member etcd cluster: the leader killed; a member partitioned away and back',
  goal: '0 client-visible errors',
  async run({ short }) {
    const world = await ChaosWorld.start({ etcdMembers: 3 });
    try {
      const members = world.cluster.etcd.members;
      const traffic = await Traffic.start(world);
      const writer = adminWrites(world);
      await sleep(2000);
      const killed = members[await leaderIndex(world)]!;
      await killed.stop('SIGKILL');
      await sleep(short ? 5000 : 20_000);
      await killed.start();
      await sleep(3000);
      const cut = members[await leaderIndex(world)]!;
      await partition(world, cut.spec.host, '-I');
      await sleep(short ? 20_000 : 60_000);
      await partition(world, cut.spec.host, '-D');
      await sleep(5000);
      const written = await writer.stop();
      const seen = await traffic.stop();
      const { figures, clean } = describeSeen(seen);
      return {
        seen: [
          ...figures,
          `${written.failed.length} / ${written.writes} admin-API writes to etcd failed (slowest ${written.slowestMs} ms)`,
          `leader ${killed.spec.name} killed -9 for ${short ? 5 : 20} s; then leader ${cut.spec.name} partitioned for ${short ? 20 : 60} s`,
          ...(clean ? [] : seen.failures), ...written.failed.slice(0, 5),
        ],
        pass: clean && written.failed.length === 0 && written.writes > 0,
        ...(short ? { note: 'short: 5 s kill, 20 s partition' } : {}),
      };
    } finally {
      await world.teardown();
    }
  },
};
