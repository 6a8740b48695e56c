// `npm run bench -- confd [changes]`: latency from an etcd put to the destination renamed and
// reload_cmd exited, with `weft confd -watch` (no wait), over N sequential changes (default 1000);
// beside it, in the same run, etcd's own put -> watch-event latency on the same key.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IWatchResponse } from 'etcd3';
import { startEtcd } from '../../test/harness/etcd.ts';
import { testClient } from '../../test/harness/etcd-client.ts';
import { WeftProcess } from '../../test/harness/weft-process.ts';

const changes = Number(process.argv[2] ?? 1000);
const dir = mkdtempSync(join(tmpdir(), 'weft-bench-confd-'));
mkdirSync(join(dir, 'conf.d'));
mkdirSync(join(dir, 'templates'));
const dest = join(dir, 'app.conf');
const done = join(dir, 'done');
// reload_cmd appends one line per run (a shell builtin: the cheapest real command); changes are
// sequential, so the (i+1)th line means change i is in place and its reload_cmd has exited.
writeFileSync(join(dir, 'conf.d', 'app.toml'), `[template]\nsrc = "app.tmpl"\ndest = "${dest}"\nkeys = ["/bench"]\nreload_cmd = "echo reloaded >> ${done}"\n`);
writeFileSync(join(dir, 'templates', 'app.tmpl'), 'n={{getv "/bench/n"}}');

const etcd = await startEtcd();
const client = testClient(etcd.endpoints);
await client.put('/bench/n').value('start');
const confd = new WeftProcess(['confd', '-watch', '-confdir', dir, '-node', etcd.endpoint, '-log-level', 'warn']);

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
const doneCount = (): number => (existsSync(done) ? readFileSync(done, 'utf8').split('\n').length - 1 : 0);
// inotify on the directory wakes the bench when reload_cmd writes, instead of a busy loop that
// would compete with weft and etcd for the two cores.
let wake: (() => void) | undefined;
watch(dir, () => wake?.());
async function untilLines(n: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (doneCount() < n) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for reload ${n}`);
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, 50);
    });
  }
}

const watchSeen = new Map<string, number>();
const watcher = await client.watch().key('/bench/n').create();
watcher.on('data', (response: IWatchResponse) => {
  for (const event of response.events) watchSeen.set(event.kv.value.toString(), performance.now());
});

await untilLines(1, 20_000);
const firstReloads = doneCount();
const confdMs: number[] = [];
const watchMs: number[] = [];
for (let i = 0; i < changes; i++) {
  const value = `v${i}`;
  const begun = performance.now();
  await client.put('/bench/n').value(value);
  await untilLines(firstReloads + i + 1);
  confdMs.push(performance.now() - begun);
  await until(() => watchSeen.has(value));
  watchMs.push((watchSeen.get(value) ?? 0) - begun);
}

const pct = (values: number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? NaN;
const f = (n: number): string => n.toFixed(2);
const [c50, c99, w50, w99] = [pct(confdMs, 50), pct(confdMs, 99), pct(watchMs, 50), pct(watchMs, 99)];
process.stdout.write(
  [
    `confd bench: ${changes} sequential changes, no wait, reload_cmd included`,
    `  etcd put -> watch event      p50 ${f(w50)} ms   p99 ${f(w99)} ms`,
    `  etcd put -> file + reload    p50 ${f(c50)} ms   p99 ${f(c99)} ms`,
    `  weft confd above etcd        p50 +${f(c50 - w50)} ms   p99 +${f(c99 - w99)} ms   (goal: p50 <= +5 ms)`,
    '',
  ].join('\n'),
);

await watcher.cancel();
confd.kill('SIGTERM');
await confd.exited;
client.close();
await etcd.destroy();
rmSync(dir, { recursive: true, force: true });
