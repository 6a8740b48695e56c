// A silently dead etcd connection (packets dropped, no RST) is noticed by the gRPC keep-alive: etcd
// runs in the underlay namespace, a client with a PrefixWatch in a host namespace; iptables drops
// etcd's port inside the underlay. The watch must report the loss within keepalive_time +
// keepalive_timeout (+ margin), and after the rule is gone deliver the put made meanwhile.
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { collectJsonLines, untilLine, type JsonLine } from '../harness/json-lines.ts';
import { createTestbed, leftovers, type Testbed } from '../harness/netns.ts';

const driver = fileURLToPath(new URL('./etcd-blackhole-driver.ts', import.meta.url));
// Not below etcd's --grpc-keepalive-min-time (5 s), as in production.
const keepaliveMs = 5000;
const keepaliveTimeoutMs = 2000;
// Scheduling slack on a loaded 2-core machine; without keep-alive the loss is never noticed.
const marginMs = 8000;

let bed: Testbed;
let etcd: EtcdCluster;
let child: ChildProcess | undefined;
let lines: JsonLine[] = [];

beforeAll(async () => {
  bed = await createTestbed({ hosts: 1 });
  etcd = await startEtcd({ netns: bed.underlay.ns, host: bed.underlay.ip });
}, 60_000);

afterAll(async () => {
  child?.kill('SIGTERM');
  await etcd?.destroy();
  await bed?.teardown();
  expect(await leftovers(bed.prefix)).toEqual({ namespaces: [], links: [] });
}, 60_000);

const until = <T>(what: string, find: () => T | undefined, timeoutMs: number): Promise<T> => untilLine(lines, what, find, timeoutMs);

async function etcdctl(args: string[]): Promise<void> {
  // Inside the underlay namespace, over lo: not affected by the rule on the bridge.
  const run = await bed.exec(bed.underlay.ns, 'etcdctl', ['--endpoints', etcd.endpoint, ...args]);
  expect(run.stderr).toBe('');
}

async function iptables(action: '-A' | '-D'): Promise<void> {
  const run = await bed.exec(bed.underlay.ns, 'iptables', [action, 'INPUT', '-p', 'tcp', '--dport', '2379', '!', '-i', 'lo', '-j', 'DROP']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
}

const event = (type: string, key?: string) => () => lines.find((l) => l.type === type && (key === undefined || l.key === key));

it('notices a blackholed etcd within keepalive_time + keepalive_timeout and resumes without loss', async () => {
  const prefix = '/weft/e2e/blackhole/';
  child = bed.spawn(bed.host(1).ns, process.execPath, [driver, etcd.endpoint, prefix, String(keepaliveMs), String(keepaliveTimeoutMs)]);
  lines = collectJsonLines(child);

  await until('snapshot', event('snapshot'), 30_000);
  await until('connected watch', () => lines.find((l) => l.type === 'status' && l.connected === true), 30_000);
  await etcdctl(['put', `${prefix}before`, '1']);
  await until('put before the cut', event('put', `${prefix}before`), 30_000);

  const seenBefore = lines.length;
  await iptables('-A');
  const cut = Date.now();
  const lost = await until('disconnect', () => lines.slice(seenBefore).find((l) => l.type === 'status' && l.connected === false), keepaliveMs + keepaliveTimeoutMs + marginMs + 20_000);
  const noticedMs = (lost.at as number) - cut;
  console.log(`etcd blackhole noticed after ${noticedMs} ms (keepalive ${keepaliveMs} + ${keepaliveTimeoutMs} ms): ${String(lost.lastError)}`);
  expect(noticedMs).toBeLessThan(keepaliveMs + keepaliveTimeoutMs + marginMs);

  await etcdctl(['put', `${prefix}during`, '2']);
  await iptables('-D');
  const during = await until('put made during the cut', event('put', `${prefix}during`), 60_000);
  expect(during.value).toBe('2');
  expect(lines.filter((l) => l.type === 'put' && l.key === `${prefix}before`)).toHaveLength(1);
  expect(lines.filter((l) => l.type === 'snapshot')).toHaveLength(1);
}, 180_000);
