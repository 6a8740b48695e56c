// Runs the "Try it" block of docs/migrating.md (SkyDNS section) as written: etcdctl puts in the
// SkyDNS layout on a real etcd, a real `weft dns` process, and dig, whose output must be what the
// guide shows (the listen port and etcd endpoint replaced by the test's, SOA serials masked).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from '../dns/harness.ts';
import { freePort, startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { guideSteps } from '../harness/guide.ts';
import { WeftProcess } from '../harness/weft-process.ts';

const run = promisify(execFile);

/** dig's lines with runs of blanks as one space, SOA serials masked, in order. */
function normalise(lines: readonly string[]): string[] {
  return lines
    .map((l) => l.trim().split(/\s+/).join(' '))
    .filter((l) => l !== '' && !l.startsWith(';'))
    .map((l) => l.replace(/^(\S+ \d+ IN SOA \S+ \S+) \d+/, '$1 SERIAL'))
    .sort();
}

let etcd: EtcdCluster;
let weft: WeftProcess | undefined;

beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  weft?.kill('SIGTERM');
  await weft?.exited;
  await etcd?.destroy();
});

it('the SkyDNS section of docs/migrating.md answers as it says', async () => {
  const all = guideSteps('## From SkyDNS / CoreDNS-etcd');
  expect(all.filter((s) => s.argv[0] === 'dig').length).toBeGreaterThanOrEqual(10);
  const port = String(await freePort());
  const swap = (argv: string[]): string[] => argv.map((a) => a.replace('127.0.0.1:5354', `127.0.0.1:${port}`).replace('http://127.0.0.1:2379', etcd.endpoint)).map((a) => (a === '5354' ? port : a));
  let checked = 0;
  for (const step of all) {
    const [command, ...args] = swap(step.argv);
    if (command === 'etcdctl') {
      await run('etcdctl', ['--endpoints', etcd.endpoint, ...args], { env: { ...process.env, ETCDCTL_API: '3' } });
    } else if (command === 'weft') {
      weft = new WeftProcess(args);
      const probe = ['@127.0.0.1', '-p', port, '+short', '+tries=1', '+time=1', 'A', '4.rails.staging.east.skydns.local'];
      await waitFor(async () => (await run('dig', probe).catch(() => ({ stdout: '' }))).stdout.includes('10.0.1.125'), 20_000, 100);
    } else if (command === 'dig') {
      const { stdout } = await run('dig', [...args.slice(0, 3), '+tries=1', '+time=3', ...args.slice(3)]);
      expect({ dig: step.argv.join(' '), answer: normalise(stdout.split('\n')) }).toEqual({ dig: step.argv.join(' '), answer: normalise(step.expected) });
      checked += 1;
    } else {
      throw new Error(`the guide runs ${String(command)}, which this test does not know`);
    }
  }
  expect(checked).toBe(all.filter((s) => s.argv[0] === 'dig').length);
});
