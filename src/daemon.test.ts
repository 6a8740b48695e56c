import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adminRequest } from './admin/index.ts';
import type { Area } from './area.ts';
import { loadConfigOrThrow } from './config/index.ts';
import { Daemon, runDaemon, validateConfig } from './daemon.ts';
import { isWeftError } from './errors.ts';
import { silentLogger } from './log.ts';
import { SystemdNotifier } from './systemd.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function makeDaemon(areas: Area[], shutdownTimeout = '1s'): { daemon: Daemon; socket: string } {
  const dir = mkdtempSync(join(tmpdir(), 'weft-daemon-unit-'));
  dirs.push(dir);
  const socket = join(dir, 'weft.sock');
  const config = loadConfigOrThrow({ flags: ['--admin-socket', socket, '--daemon-shutdown-timeout', shutdownTimeout] });
  return { daemon: new Daemon({ config, logger: silentLogger, notifier: new SystemdNotifier({}), areas }), socket };
}

class FakeArea implements Area {
  readonly name: string;
  readonly journal: string[];
  isReady = true;
  failStart = false;
  hangOnStop = false;

  constructor(name: string, journal: string[]) {
    this.name = name;
    this.journal = journal;
  }

  async start(): Promise<void> {
    this.journal.push(`start ${this.name}`);
    if (this.failStart) throw new Error('boom');
  }

  deadlineMs: number | undefined;

  async stop(deadline: Date): Promise<void> {
    this.deadlineMs = deadline.getTime() - Date.now();
    this.journal.push(`stop ${this.name}`);
    if (this.hangOnStop) await new Promise(() => undefined);
  }

  ready(): boolean {
    return this.isReady;
  }

  readonly notReadyReason = (): string => `${this.name} is waiting for etcd`;
}

describe('daemon lifecycle', () => {
  it('starts areas in order and stops them in reverse', async () => {
    const journal: string[] = [];
    const { daemon } = makeDaemon([new FakeArea('etcd', journal), new FakeArea('subnet', journal)]);
    await daemon.start();
    expect(await daemon.stop('test')).toBe(0);
    expect(journal).toEqual(['start etcd', 'start subnet', 'stop subnet', 'stop etcd']);
  });

  it('answers /readyz 503 with the reason until every area is ready', async () => {
    const journal: string[] = [];
    const subnet = new FakeArea('subnet', journal);
    subnet.isReady = false;
    const { daemon, socket } = makeDaemon([subnet]);
    await daemon.start();
    const notReady = await adminRequest(socket, 'GET', '/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.text).toContain('- subnet: subnet is waiting for etcd');
    subnet.isReady = true;
    expect((await adminRequest(socket, 'GET', '/readyz')).status).toBe(200);
    await daemon.stop('test');
  });

  it('stops what it started when an area fails to start', async () => {
    const journal: string[] = [];
    const broken = new FakeArea('dns', journal);
    broken.failStart = true;
    const { daemon } = makeDaemon([new FakeArea('etcd', journal), broken, new FakeArea('proxy', journal)]);
    const failure = await daemon.start().catch((error: unknown) => error);
    expect(isWeftError(failure, 'WEFT_E_AREA_START')).toBe(true);
    expect(journal).toEqual(['start etcd', 'start dns', 'stop etcd']);
  });

  it('gives up on an area that misses the shutdown deadline and reports an unclean stop', async () => {
    const journal: string[] = [];
    const stuck = new FakeArea('templates', journal);
    stuck.hangOnStop = true;
    const { daemon } = makeDaemon([new FakeArea('etcd', journal), stuck], '200ms');
    await daemon.start();
    expect(await daemon.stop('test')).toBe(1);
    expect(journal).toEqual(['start etcd', 'start templates', 'stop templates', 'stop etcd']);
  });
});

describe('runDaemon', () => {
  it('calls onStarted once every area has started, before the stop signal (the CLI collects the start-up garbage then)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-daemon-unit-'));
    dirs.push(dir);
    const config = loadConfigOrThrow({ flags: ['--admin-socket', join(dir, 'weft.sock'), '--daemon-shutdown-timeout', '1s'] });
    const journal: string[] = [];
    const before = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };
    const running = runDaemon({ config, logger: silentLogger, notifier: new SystemdNotifier({}), areas: [new FakeArea('etcd', journal)], onStarted: () => journal.push('onStarted') });
    while (!journal.includes('onStarted')) await new Promise((resolve) => setTimeout(resolve, 5));
    process.emit('SIGTERM', 'SIGTERM');
    expect(await running).toBe(0);
    // runDaemon's signal handlers (the second-signal exit included) must not outlive the test.
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      for (const listener of process.listeners(signal)) if (!before[signal].includes(listener)) process.off(signal, listener);
    }
    expect(journal).toEqual(['start etcd', 'onStarted', 'stop etcd']);
  });
});

describe('shutdown deadline shares', () => {
  // Regression (review, issue 11 item 8): a hanging templates area used the whole 10 s and left
  // dns and etcd 0 ms; etcd could not revoke the host lease before the process exited.
  it('gives each area an equal share of the time left, so the last ones still get theirs', async () => {
    const journal: string[] = [];
    const etcd = new FakeArea('etcd', journal);
    const dns = new FakeArea('dns', journal);
    const stuck = new FakeArea('templates', journal);
    stuck.hangOnStop = true;
    const { daemon } = makeDaemon([etcd, dns, stuck], '900ms');
    await daemon.start();
    expect(await daemon.stop('test')).toBe(1);
    expect(journal.slice(-3)).toEqual(['stop templates', 'stop dns', 'stop etcd']);
    // admin, templates, dns, etcd share 900 ms: templates gets ~225 ms; dns and etcd then split what is left.
    expect(stuck.deadlineMs).toBeLessThanOrEqual(230);
    expect(dns.deadlineMs).toBeGreaterThan(150);
    expect(etcd.deadlineMs).toBeGreaterThan(150);
  });
});

describe('config validation before anything starts', () => {
  it('refuses to start a daemon whose config has area problems, naming every key', async () => {
    const config = loadConfigOrThrow({ flags: ['--no-subnet-enabled', '--overlay-enabled', '--dns-enabled', '--dns-upstream', 'nope'] });
    const daemon = new Daemon({ config, logger: silentLogger, notifier: new SystemdNotifier({}) });
    const failure = await daemon.start().catch((error: unknown) => error);
    expect(isWeftError(failure, 'WEFT_E_CONFIG')).toBe(true);
    expect((failure as Error).message).toContain('overlay.enabled');
    expect((failure as Error).message).toContain('dns.upstreams');
    expect(daemon.readiness().areas).toEqual({ admin: { ready: false, reason: 'starting' } });
  });

  it('checks a disabled area only in config check (the daemon does not load its code)', async () => {
    const config = loadConfigOrThrow({ flags: ['--dns-upstream', 'nope'] });
    expect((await validateConfig(config)).map((p) => p.path)).toEqual([]);
    expect((await validateConfig(config, 'all')).map((p) => p.path)).toEqual(['dns.upstreams']);
  });
});

describe('systemd notifier', () => {
  it.each([
    [{}, undefined],
    [{ WATCHDOG_USEC: '1000000' }, 500],
    [{ WATCHDOG_USEC: '1000000', WATCHDOG_PID: String(process.pid) }, 500],
    [{ WATCHDOG_USEC: '1000000', WATCHDOG_PID: '1' }, undefined],
    [{ WATCHDOG_USEC: 'x' }, undefined],
  ])('watchdog interval for %j is %s ms', (env, expected) => {
    expect(new SystemdNotifier(env).watchdogIntervalMs()).toBe(expected);
  });
});
