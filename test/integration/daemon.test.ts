// `weft daemon` as systemd runs it: admin API on a unix socket, readiness, metrics, notify
// messages, a clean SIGTERM, and the config errors an operator sees.
import { mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adminRequest } from '../../src/admin/client.ts';
import { NotifySocket } from '../harness/notify-socket.ts';
import { runWeft, WeftProcess } from '../harness/weft-process.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-daemon-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// Only the admin area: subnet and overlay are on by default (as flanneld), so switch them off.
const adminOnly = ['--no-subnet-enabled', '--no-overlay-enabled'];

function startDaemon(args: string[], env: Record<string, string> = {}): WeftProcess {
  const daemon = new WeftProcess(['daemon', ...adminOnly, ...args], env);
  cleanups.push(() => daemon.kill('SIGKILL'));
  return daemon;
}

async function waitReady(socket: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reply = await adminRequest(socket, 'GET', '/readyz').catch(() => undefined);
    if (reply?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`daemon not ready on ${socket}: ${reply?.text ?? 'no answer'}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('weft daemon with only the admin area', () => {
  it('serves readiness, metrics and status, tells systemd, and stops cleanly on SIGTERM', async () => {
    const dir = workDir();
    const socket = join(dir, 'run', 'weft.sock');
    const notify = await NotifySocket.open(join(dir, 'notify.sock'));
    cleanups.push(() => notify.close());
    const daemon = startDaemon(['--admin-socket', socket, '--daemon-shutdown-timeout', '5s'], { NOTIFY_SOCKET: notify.path, WATCHDOG_USEC: '400000' });

    await waitReady(socket);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect((await adminRequest(socket, 'GET', '/healthz')).status).toBe(200);
    const readyz = await adminRequest(socket, 'GET', '/readyz?verbose');
    expect(readyz.body).toEqual({ ready: true, areas: { admin: { ready: true } } });

    const metrics = await adminRequest(socket, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^weft_build_info\{version="0\.1\.0",node="v\d+/m);
    expect(metrics.text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(metrics.text).toMatch(/^nodejs_eventloop_lag_seconds /m);

    const status = (await adminRequest(socket, 'GET', '/v1/status')).body as { ready: boolean; pid: number };
    expect(status.ready).toBe(true);
    expect(status.pid).toBe(daemon.child.pid);
    expect((await adminRequest(socket, 'GET', '/no/such/thing')).status).toBe(404);

    await notify.waitFor('READY=1');
    await notify.waitFor('WATCHDOG=1');

    const begun = Date.now();
    daemon.kill('SIGTERM');
    const run = await daemon.exited;
    const took = Date.now() - begun;
    expect(run.code).toBe(0);
    expect(took).toBeLessThan(5000);
    expect(existsSync(socket)).toBe(false);
    await notify.waitFor('STOPPING=1');
    const events = daemon.logEvents();
    expect(events.find((e) => e.event === 'daemon_stopped')).toMatchObject({ clean: true, level: 'info' });
    process.stdout.write(`daemon: SIGTERM to exit ${took} ms (deadline 5000 ms)\n`);
  });

  it('refuses a socket another daemon is serving, and replaces a stale one left by a crash', async () => {
    const dir = workDir();
    const socket = join(dir, 'weft.sock');
    const first = startDaemon(['--admin-socket', socket]);
    await waitReady(socket);
    const second = await runWeft(['daemon', ...adminOnly, '--admin-socket', socket]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('WEFT_E_ADMIN_SOCKET');
    expect(second.stderr).toContain('in use');

    first.kill('SIGKILL');
    await first.exited;
    expect(existsSync(socket)).toBe(true); // a crash leaves the socket file behind
    const third = startDaemon(['--admin-socket', socket]);
    await waitReady(socket);
    third.kill('SIGTERM');
    expect((await third.exited).code).toBe(0);
  });

  it('serves health and metrics on TCP when admin.listen is set', async () => {
    const dir = workDir();
    const daemon = startDaemon(['--admin-socket', join(dir, 'weft.sock'), '--admin-listen', '127.0.0.1:0']);
    await waitReady(join(dir, 'weft.sock'));
    const listening = daemon.logEvents().find((e) => e.event === 'admin_listening' && typeof e.address === 'string');
    const response = await fetch(`http://${String(listening?.address)}/readyz`);
    expect(response.status).toBe(200);
    daemon.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
  });

  it('exits 1 naming every config problem instead of starting', async () => {
    const dir = workDir();
    const file = join(dir, 'weft.toml');
    writeFileSync(file, '[etcd]\nendpoints = "nope"\n[admin]\nsocket_mode = 600\n');
    const run = await runWeft(['daemon', '--config', file, '--log-level', 'loud']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${file}:2: etcd.endpoints`);
    expect(run.stderr).toContain(`${file}:4: admin.socket_mode`);
    expect(run.stderr).toContain('--log-level');
  });
});

describe('weft config check', () => {
  it('reports all three mistakes of a file with their key paths and lines, exit 1', async () => {
    const dir = workDir();
    const file = join(dir, 'weft.toml');
    writeFileSync(file, ['[etcd]', 'dial_timeout = "fast"', '[dns]', 'listen = ["127.0.0.1"]', '[proxy]', 'enabled = "yes"', ''].join('\n'));
    const run = await runWeft(['config', 'check', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('3 problems');
    expect(run.stderr).toContain(`${file}:2: etcd.dial_timeout`);
    expect(run.stderr).toContain(`${file}:4: dns.listen`);
    expect(run.stderr).toContain(`${file}:6: proxy.enabled`);
  });

  it('accepts a valid file, exit 0', async () => {
    const dir = workDir();
    const file = join(dir, 'weft.toml');
    writeFileSync(file, '[etcd]\nendpoints = ["http://10.0.0.1:2379", "http://10.0.0.2:2379"]\n[log]\nlevel = "debug"\n');
    const run = await runWeft(['config', 'check', file]);
    expect(run.stdout).toContain('ok');
    expect(run.code).toBe(0);
  });
});
