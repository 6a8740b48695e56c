// systemd's notify protocol (sd_notify). Node cannot send on a unix datagram socket, so we run
// `systemd-notify` (package systemd), which also waits on a barrier until systemd has read the
// message. Because the sender is that helper process, the unit needs NotifyAccess=all
// (scripts/weft.service has it). Without NOTIFY_SOCKET every call is a no-op.
import { execFile } from 'node:child_process';
import { silentLogger, type Logger } from './log.ts';

export class SystemdNotifier {
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #log: Logger;
  #watchdog: NodeJS.Timeout | undefined;

  constructor(env: Readonly<Record<string, string | undefined>> = process.env, logger: Logger = silentLogger) {
    this.#env = env;
    this.#log = logger;
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
