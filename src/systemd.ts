// systemd's notify protocol (sd_notify). Node cannot open a unix datagram socket, so there are two
// ways out. Preferred: scripts/weft-notify-exec (the unit's ExecStart) connects one to
// NOTIFY_SOCKET and execs us with it on fd 3, named "notify" in the sd_listen_fds(3) variables; we
// write each message to that fd, so the datagram carries our own PID and the unit can say
// NotifyAccess=main (a reload_cmd cannot speak for weft). Fallback (started without the wrapper):
// the `systemd-notify` helper (package systemd), whose PID is not ours: that needs
// NotifyAccess=all. Without NOTIFY_SOCKET every call is a no-op.
import { execFile } from 'node:child_process';
import { write } from 'node:fs';
import { silentLogger, type Logger } from './log.ts';

export class SystemdNotifier {
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #log: Logger;
  readonly #fd: number | undefined;
  #watchdog: NodeJS.Timeout | undefined;

  constructor(env: Readonly<Record<string, string | undefined>> = process.env, logger: Logger = silentLogger) {
    this.#env = env;
    this.#log = logger;
    this.#fd = inheritedNotifyFd(env);
    if (this.channel === 'helper') {
      this.#log.warn({ event: 'sd_notify_helper', notifySocket: env.NOTIFY_SOCKET }, 'started without weft-notify-exec: notifications go through systemd-notify, which a unit with NotifyAccess=main ignores (docs/systemd.md)');
    }
  }

  /** How messages leave: 'fd' (our own PID, NotifyAccess=main), 'helper' (systemd-notify), or 'off'. */
  get channel(): 'fd' | 'helper' | 'off' {
    if (!this.enabled) return 'off';
    return this.#fd === undefined ? 'helper' : 'fd';
  }

  get enabled(): boolean {
    return (this.#env.NOTIFY_SOCKET ?? '') !== '';
  }

  /** The watchdog interval systemd asked for, halved as sd_watchdog_enabled(3) advises; undefined if none. */
  watchdogIntervalMs(): number | undefined {
    const usec = Number(this.#env.WATCHDOG_USEC ?? '');
    if (!Number.isFinite(usec) || usec <= 0) return undefined;
    const pid = this.#env.WATCHDOG_PID;
    if (pid !== undefined && pid !== '' && Number(pid) !== process.pid) return undefined;
    return Math.max(1, Math.floor(usec / 2000));
  }

  notify(...assignments: string[]): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    const fd = this.#fd;
    if (fd !== undefined) {
      return new Promise((resolve) => {
        // One write on a connected datagram socket is one datagram: systemd reads it whole.
        write(fd, Buffer.from(assignments.join('\n')), (error) => {
          if (error !== null) this.#log.warn({ event: 'sd_notify_failed', err: error.message, assignments }, 'writing to the notify socket failed');
          resolve();
        });
      });
    }
    return new Promise((resolve) => {
      execFile('systemd-notify', [`--pid=${process.pid}`, ...assignments], { env: { ...process.env, NOTIFY_SOCKET: this.#env.NOTIFY_SOCKET }, timeout: 5000 }, (error, _stdout, stderr) => {
        if (error !== null) this.#log.warn({ event: 'sd_notify_failed', err: error.message, stderr: stderr.trim(), assignments }, 'systemd-notify failed (is the systemd package installed?)');
        resolve();
      });
    });
  }

  ready(status = 'ready'): Promise<void> {
    return this.notify('READY=1', `STATUS=${status}`);
  }

  stopping(): Promise<void> {
    this.stopWatchdog();
    return this.notify('STOPPING=1', 'STATUS=stopping');
  }

  startWatchdog(): void {
    const interval = this.watchdogIntervalMs();
    if (interval === undefined || this.#watchdog !== undefined) return;
    this.#watchdog = setInterval(() => void this.notify('WATCHDOG=1'), interval);
    this.#watchdog.unref();
    this.#log.info({ event: 'watchdog_enabled', intervalMs: interval }, 'systemd watchdog pings enabled');
  }

  stopWatchdog(): void {
    if (this.#watchdog !== undefined) clearInterval(this.#watchdog);
    this.#watchdog = undefined;
  }
}

/**
 * The notify socket weft-notify-exec left on fd 3 for this very process (LISTEN_PID), or undefined.
 * The LISTEN_* variables are removed from process.env so that commands we run (reload_cmd) do not
 * take fd 3 for a listening socket of their own.
 */
export function inheritedNotifyFd(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const names = (env.LISTEN_FDNAMES ?? '').split(':');
  const count = Number(env.LISTEN_FDS ?? '');
  const index = names.indexOf('notify');
  const mine = env.LISTEN_PID === String(process.pid);
  if (mine && env === process.env) for (const key of ['LISTEN_FDS', 'LISTEN_FDNAMES', 'LISTEN_PID']) delete process.env[key];
  if (!mine || !Number.isInteger(count) || index < 0 || index >= count) return undefined;
  return 3 + index; // SD_LISTEN_FDS_START
}
