// Runs inside a host namespace for etcd-blackhole.test.ts: one real etcd client with the given
// keep-alive and a PrefixWatch; prints JSON lines: every watch event, and the watch status whenever
// `connected` changes. Exits on SIGTERM.
// usage: node etcd-blackhole-driver.ts ENDPOINT PREFIX KEEPALIVE_MS KEEPALIVE_TIMEOUT_MS
import { createEtcdClient } from '../../src/etcd/client.ts';
import { PrefixWatch } from '../../src/etcd/watch.ts';
import { printStatusChanges } from '../harness/json-lines.ts';

const [endpoint = '', prefix = '', keepalive = '', timeout = ''] = process.argv.slice(2);
const print = (line: object): void => void process.stdout.write(`${JSON.stringify({ at: Date.now(), ...line })}\n`);

const client = createEtcdClient({
  endpoints: [endpoint],
  dial_timeout: 2000,
  ca_file: '',
  cert_file: '',
  key_file: '',
  username: '',
  password: '',
  keepalive_time: Number(keepalive),
  keepalive_timeout: Number(timeout),
});
const watch = new PrefixWatch(client, { prefix }, {
  snapshot: (items) => print({ type: 'snapshot', keys: items.map((i) => i.key) }),
  put: (item) => print({ type: 'put', key: item.key, value: item.value }),
  delete: (key) => print({ type: 'delete', key }),
});
const poll = printStatusChanges(watch, print);
process.on('SIGTERM', () => {
  clearInterval(poll);
  void watch.stop().finally(() => {
    client.close();
    process.exit(0);
  });
});
await watch.start();
