// `npm run demo`: a local weft on this machine. Starts a throw-away etcd on a free loopback port,
// runs `weft daemon` against it with its admin socket in a temp dir, and shows what an operator
// sees: status, readiness, metrics. Ctrl-C (or --once) stops everything it started.
// (The overlay issue grows this into 3 hosts in network namespaces with containers pinging.)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminRequest } from '../src/admin/client.ts';
import { startEtcd } from '../test/harness/etcd.ts';
import { weftMain } from '../test/harness/weft-process.ts';

const once = process.argv.includes('--once');
const bold = (text: string): string => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
const step = (text: string): void => void process.stdout.write(`\n${bold(`==> ${text}`)}\n`);
const show = (text: string): void => void process.stdout.write(`${text.replace(/^/gm, '    ')}\n`);

const work = mkdtempSync(join(tmpdir(), 'weft-demo-'));
const socket = join(work, 'weft.sock');

step('starting etcd (Debian etcd-server) on a free loopback port');
const etcd = await startEtcd();
show(`etcd serving at ${etcd.endpoint}, data in ${etcd.workDir}`);

step('starting weft daemon');
const args = ['daemon', '--etcd-endpoints', etcd.endpoint, '--admin-socket', socket, '--log-level', 'warn'];
show(`node ${weftMain} ${args.join(' ')}`);
const daemon = spawn(process.execPath, [weftMain, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });

let finished = false;
async function finish(status: number): Promise<never> {
  if (!finished) {
    finished = true;
    step('stopping');
    daemon.kill('SIGTERM');
    await new Promise((resolve) => (daemon.exitCode === null ? daemon.once('exit', resolve) : resolve(undefined)));
    show(`weft daemon exited with ${daemon.exitCode ?? daemon.signalCode}`);
    await etcd.destroy();
    rmSync(work, { recursive: true, force: true });
    show('etcd stopped, temp files removed');
  }
  process.exit(status);
}
process.once('SIGINT', () => void finish(0));
process.once('SIGTERM', () => void finish(0));

const deadline = Date.now() + 20_000;
let ready = false;
while (!ready && Date.now() < deadline) {
  ready = (await adminRequest(socket, 'GET', '/readyz').catch(() => undefined))?.status === 200;
  if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
}
if (!ready) {
  process.stderr.write('weft daemon did not become ready within 20 s\n');
  await finish(1);
}

step(`weft status (over the admin socket ${socket})`);
const status = spawn(process.execPath, [weftMain, 'status', '--socket', socket], { stdio: 'inherit' });
await new Promise((resolve) => status.once('exit', resolve));

step('GET /readyz');
show((await adminRequest(socket, 'GET', '/readyz')).text.trim());

step('a few of the metrics on GET /metrics');
const metrics = (await adminRequest(socket, 'GET', '/metrics')).text;
show(metrics.split('\n').filter((line) => /^(weft_build_info|process_resident_memory_bytes|nodejs_eventloop_lag_seconds) /.test(line) || line.startsWith('weft_build_info{')).join('\n'));

if (once) await finish(0);
step('running; press Ctrl-C to stop and clean up');
