// The prefix watch must hand every event to its consumer exactly once, in order, whatever etcd
// does: restart mid-stream, compact past the consumer, or lose the cluster member in use.
import type { Etcd3 } from 'etcd3';
import { afterEach, describe, expect, it } from 'vitest';
import { PrefixWatch, type KeyValue, type WatchHandler } from '../../src/etcd/watch.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { compact, currentRevision, deleteWithRetry, history, putWithRetry, testClient, type HistoryEvent } from '../harness/etcd-client.ts';
import { TcpProxy } from '../harness/tcp-proxy.ts';

class Recorder implements WatchHandler {
  readonly events: HistoryEvent[] = [];
  readonly state = new Map<string, string>();
  readonly snapshots: { revision: number; keys: string[] }[] = [];

  snapshot(items: readonly KeyValue[], revision: number): void {
    this.snapshots.push({ revision, keys: items.map((i) => i.key) });
    this.state.clear();
    for (const item of items) this.state.set(item.key, item.value);
  }

  put(item: KeyValue): void {
    this.events.push({ type: 'put', key: item.key, revision: item.modRevision, value: item.value });
    this.state.set(item.key, item.value);
  }

  delete(key: string, revision: number): void {
    this.events.push({ type: 'delete', key, revision, value: '' });
    this.state.delete(key);
  }

  async waitFor(key: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.state.has(key)) {
      if (Date.now() > deadline) throw new Error(`consumer never saw ${key}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function stateOf(client: Etcd3, prefix: string): Promise<Map<string, string>> {
  return new Map(Object.entries(await client.getAll().prefix(prefix).strings()));
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function etcd(members = 1): Promise<EtcdCluster> {
  const cluster = await startEtcd({ members });
  cleanups.push(() => cluster.destroy());
  return cluster;
}

function client(endpoints: readonly string[]): Etcd3 {
  const c = testClient(endpoints);
  cleanups.push(() => c.close());
  return c;
}

async function watch(c: Etcd3, prefix: string, recorder: Recorder): Promise<PrefixWatch> {
  const w = new PrefixWatch(c, { prefix }, recorder);
  cleanups.push(() => w.stop());
  await w.start();
  return w;
}

describe('prefix watch', () => {
  it('delivers a snapshot first, then every put and delete once, in order', async () => {
    const cluster = await etcd();
    const writer = client(cluster.endpoints);
    await writer.put('/w/a').value('1');
    await writer.put('/w/b').value('2');
    await writer.put('/other').value('x');
    const recorder = new Recorder();
    await watch(client(cluster.endpoints), '/w/', recorder);
    expect(recorder.snapshots).toHaveLength(1);
    expect(recorder.snapshots[0]?.keys).toEqual(['/w/a', '/w/b']);
    const from = (await currentRevision(writer)) + 1;
    await writer.put('/w/c').value('3');
    await writer.delete().key('/w/a');
    await writer.put('/other').value('y');
    await writer.put('/w/end').value('end');
    await recorder.waitFor('/w/end');
    const truth = await history(writer, '/w/', from, await currentRevision(writer));
    expect(recorder.events).toEqual(truth);
    expect(recorder.events.map((e) => `${e.type} ${e.key}`)).toEqual(['put /w/c', 'delete /w/a', 'put /w/end']);
  });

  it('loses and duplicates nothing across an etcd restart mid-stream', async () => {
    const cluster = await etcd();
    const writer = client(cluster.endpoints);
    const recorder = new Recorder();
    const w = await watch(client(cluster.endpoints), '/r/', recorder);
    const from = recorder.snapshots[0]!.revision + 1;

    for (let i = 0; i < 100; i++) await putWithRetry(writer, `/r/k${i}`, `v${i}`);
    const member = cluster.members[0]!;
    await member.stop();
    await member.start();
    // Written as soon as etcd is back, before the watch stream has necessarily resumed.
    for (let i = 0; i < 100; i++) {
      await putWithRetry(writer, `/r/k${i}`, `w${i}`);
      if (i % 10 === 0) await deleteWithRetry(writer, `/r/k${i}`);
    }
    await putWithRetry(writer, '/r/zz-end', 'end');
    await recorder.waitFor('/r/zz-end');

    const truth = await history(writer, '/r/', from, await currentRevision(writer));
    expect(truth.length).toBeGreaterThan(200);
    expect(recorder.events).toEqual(truth);
    expect(recorder.snapshots).toHaveLength(1);
    expect(recorder.state).toEqual(await stateOf(writer, '/r/'));
    expect(w.status().connected).toBe(true);
  });

  it('takes a new snapshot when etcd compacted past the consumer while it was cut off', async () => {
    const cluster = await etcd();
    const writer = client(cluster.endpoints);
    const member = cluster.members[0]!;
    const proxy = await new TcpProxy({ host: member.spec.host, port: member.spec.clientPort }).listen();
    cleanups.push(() => proxy.close());
    const recorder = new Recorder();
    const w = await watch(client([proxy.endpoint]), '/c/', recorder);
    const from = recorder.snapshots[0]!.revision + 1;

    for (let i = 0; i < 20; i++) await writer.put(`/c/before${i}`).value(`${i}`);
    await writer.put('/c/cut-here').value('x');
    await recorder.waitFor('/c/cut-here');
    const beforeCut = await history(writer, '/c/', from, await currentRevision(writer));
    expect(recorder.events).toEqual(beforeCut);

    proxy.cut();
    for (let i = 0; i < 20; i++) await writer.put(`/c/after${i}`).value(`${i}`);
    await writer.delete().key('/c/before0');
    await compact(writer, await currentRevision(writer));
    proxy.restore();

    await recorder.waitFor('/c/after19');
    expect(recorder.snapshots).toHaveLength(2);
    expect(recorder.events).toEqual(beforeCut); // nothing replayed, nothing invented
    expect(recorder.state).toEqual(await stateOf(writer, '/c/'));
    expect(recorder.state.has('/c/before0')).toBe(false);

    // And the watch goes on after the re-snapshot.
    await writer.put('/c/later').value('1');
    await recorder.waitFor('/c/later');
    expect(recorder.events.at(-1)?.key).toBe('/c/later');
    expect(w.status().snapshots).toBe(2);
  });

  it('moves to another member when the one it watches through dies, exactly once', async () => {
    const cluster = await etcd(3);
    const recorder = new Recorder();
    const consumer = client(cluster.endpoints);
    await watch(consumer, '/f/', recorder);
    const from = recorder.snapshots[0]!.revision + 1;

    const watched = await memberWithWatcher(cluster);
    const survivors = cluster.members.filter((m) => m !== watched).map((m) => m.endpoint);
    const writer = client(survivors);
    for (let i = 0; i < 50; i++) await putWithRetry(writer, `/f/k${i}`, `a${i}`);
    await watched.stop('SIGKILL');
    for (let i = 0; i < 50; i++) await putWithRetry(writer, `/f/k${i}`, `b${i}`);
    await putWithRetry(writer, '/f/zz-end', 'end');
    await recorder.waitFor('/f/zz-end');

    const truth = await history(writer, '/f/', from, await currentRevision(writer));
    expect(truth.length).toBe(101);
    expect(recorder.events).toEqual(truth);
    expect(recorder.state).toEqual(await stateOf(writer, '/f/'));
  });
});

/** The member whose etcd reports a live watcher: ours is the only watch in this test. */
async function memberWithWatcher(cluster: EtcdCluster): Promise<EtcdCluster['members'][number]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    for (const member of cluster.members) {
      const text = await (await fetch(`${member.endpoint}/metrics`)).text();
      const match = /^etcd_debugging_mvcc_watcher_total (\d+)/m.exec(text);
      if (Number(match?.[1] ?? 0) > 0) return member;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('no member reports a watcher');
}
