// Plain etcd helpers for tests: a client with weft's settings, a put that retries while etcd is
// away, the ground-truth event history from etcd itself, and a compaction.
import { Etcd3, type IKeyValue, type IWatchResponse } from 'etcd3';
import { createEtcdClient } from '../../src/etcd/client.ts';

export function testClient(endpoints: readonly string[], dialTimeout = 2000): Etcd3 {
  return createEtcdClient({ endpoints, dial_timeout: dialTimeout, ca_file: '', cert_file: '', key_file: '', username: '', password: '' });
}

/** Retries until etcd takes the write (used across restarts and failovers). */
export async function putWithRetry(client: Etcd3, key: string, value: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.put(key).value(value).exec();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export async function deleteWithRetry(client: Etcd3, key: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.delete().key(key).exec();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export interface HistoryEvent {
  readonly type: 'put' | 'delete';
  readonly key: string;
  readonly revision: number;
  readonly value: string;
}

function historyEvent(type: string, kv: IKeyValue): HistoryEvent {
  return { type: type === 'Delete' ? 'delete' : 'put', key: kv.key.toString(), revision: Number(kv.mod_revision), value: kv.value.toString() };
}

/**
 * Every event under `prefix` with a revision in [fromRevision, untilRevision], as etcd recorded it.
 * `untilRevision` must be the revision of an event under the prefix (tests write a last sentinel key).
 */
export async function history(client: Etcd3, prefix: string, fromRevision: number, untilRevision: number): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  const watcher = client.watch().prefix(prefix).startRevision(String(fromRevision)).watcher();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`history: did not reach revision ${untilRevision}`)), 15_000);
    watcher.on('data', (response: IWatchResponse) => {
      for (const event of response.events) events.push(historyEvent(event.type, event.kv));
      if (events.some((e) => e.revision >= untilRevision)) {
        clearTimeout(timer);
        resolve();
      }
    });
    watcher.on('error', reject);
  });
  await watcher.cancel();
  return events.filter((e) => e.revision <= untilRevision);
}

export async function compact(client: Etcd3, revision: number): Promise<void> {
  await client.kv.compact({ revision: String(revision), physical: true });
}

export async function currentRevision(client: Etcd3): Promise<number> {
  return Number((await client.get('/weft-test/.none').exec()).header.revision);
}
