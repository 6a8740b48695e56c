// Runs inside a host namespace for etcd-partition.test.ts: the daemon's etcd client (createEtcdClient,
// default settings) on every member of a cluster, a PrefixWatch on PREFIX opened on the LAST
// endpoint, and a writer that puts PREFIX/<n> every 200 ms and reads it back. Prints JSON lines: each write and read with its
// duration, every watch event, and the watch status whenever `connected` changes. Exits on SIGTERM.
// usage: node etcd-partition-driver.ts ENDPOINTS(comma-separated) PREFIX
import connectionPool from 'etcd3/lib/connection-pool.js';
import { schema } from '../../src/config/schema.ts';
import { Etcd3 } from 'etcd3';
import { etcdClientOptions } from '../../src/etcd/client.ts';
import { PrefixWatch } from '../../src/etcd/watch.ts';
import { printStatusChanges } from '../harness/json-lines.ts';

const [endpoints = '', prefix = ''] = process.argv.slice(2);
const print = (line: object): void => void process.stdout.write(`${JSON.stringify({ at: Date.now(), ...line })}\n`);

const options = etcdClientOptions({
  endpoints: endpoints.split(','),
  dial_timeout: schema.etcd.dial_timeout.default,
  ca_file: '',
  cert_file: '',
  key_file: '',
  username: '',
  password: '',
});
// Every try of a unary call (the library asks for its options once per try), to explain slow calls.
const callOptions = options.defaultCallOptions;
if (typeof callOptions === 'function') {
  options.defaultCallOptions = (context) => {
    const resolved = callOptions(context);
    if (!context.isStream) print({ type: 'try', method: context.method, deadlineMs: Number(resolved.deadline) - Date.now() });
    return resolved;
  };
}
const global = options.faultHandling?.global;
if (global !== undefined) {
  const execute = global.execute.bind(global);
  Object.assign(global, {
    execute: (fn: Parameters<typeof execute>[0], signal?: AbortSignal) => execute(async (context) => {
      try {
        return await fn(context);
      } catch (error) {
        print({ type: 'try-failed', err: (error as Error).message });
        throw error;
      }
    }, signal),
  });
}
const client = new Etcd3(options);
const watch = new PrefixWatch(client, { prefix }, {
  snapshot: (items) => print({ type: 'snapshot', keys: items.length }),
  put: (item) => print({ type: 'put', key: item.key }),
  delete: (key) => print({ type: 'delete', key }),
});
let running = true;
const poll = printStatusChanges(watch, print);

async function timed(op: string, key: string, call: () => Promise<unknown>): Promise<void> {
  const begun = Date.now();
  try {
    await call();
    print({ type: op, key, begun, ms: Date.now() - begun, ok: true });
  } catch (error) {
    print({ type: op, key, begun, ms: Date.now() - begun, ok: false, err: (error as Error).message });
  }
}

process.on('SIGTERM', () => {
  running = false;
  clearInterval(poll);
  void watch.stop().finally(() => {
    client.close();
    process.exit(0);
  });
});
// The library's test switch: hosts are tried last to first instead of shuffled, so the watch
// stream is on the last endpoint, the member the test cuts off. Back to shuffling once connected.
connectionPool.ConnectionPool.deterministicOrder = true;
await watch.start();
while (watch.status().connected !== true) await new Promise((resolve) => setTimeout(resolve, 20));
connectionPool.ConnectionPool.deterministicOrder = false;
print({ type: 'watching', on: endpoints.split(',').at(-1) });
for (let n = 0; running; n++) {
  const key = `${prefix}${n}`;
  await timed('write', key, () => client.put(key).value(String(n)).exec());
  await timed('read', key, () => client.get(key).string());
  await new Promise((resolve) => setTimeout(resolve, 200));
}
