// Pieces of the DNS benchmark (scripts/bench/dns.ts): dnsperf runs, the query files, and the
// subjects as processes of their own (the real `weft daemon`, the bare Node ceiling), each pinned.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { udpExchange, waitFor } from '../../../test/dns/harness.ts';
import { WeftProcess } from '../../../test/harness/weft-process.ts';
import { coresFor, pin, pinned } from '../lib/method.ts';

const run = promisify(execFile);

export interface PerfFigures {
  readonly qps: number;
  readonly lost: number;
  readonly noerror: number;
  readonly nxdomain: number;
}

/** dnsperf on the load core(s): 8 clients, 200 outstanding queries, for `seconds`. */
export async function dnsperf(port: number, queryFile: string, seconds: number): Promise<PerfFigures> {
  const [command, args] = pinned(coresFor.load, 'dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', queryFile, '-l', String(seconds), '-c', '8', '-q', '200', '-t', '2']);
  const { stdout } = await run(command, args, { timeout: (seconds + 30) * 1000 });
  const number = (pattern: RegExp): number => Number(pattern.exec(stdout)?.[1] ?? NaN);
  const count = (pattern: RegExp): number => Number(pattern.exec(stdout)?.[1] ?? 0); // a code never sent is not listed
  return { qps: number(/Queries per second:\s+([\d.]+)/), lost: number(/Queries lost:\s+(\d+)/), noerror: count(/NOERROR (\d+)/), nxdomain: count(/NXDOMAIN (\d+)/) };
}

/** CPU time (user + system, all threads) a process has used, in ms; clock ticks are 10 ms. */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** A deterministic shuffle, so every run asks in the same order. */
export function shuffle<T>(items: T[]): T[] {
  let seed = 12345;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** A one-question A query for `name`, RD set. */
export function aQuery(name: string): Buffer {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')]));
  return Buffer.concat([Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])]);
}

/** Waits until the server on `port` answers `name` with one record. */
export async function answering(port: number, name: string, what: string, log: () => string): Promise<void> {
  const probe = aQuery(name);
  try {
    await waitFor(async () => (await udpExchange(port, probe, { timeoutMs: 200 }))?.readUInt16BE(6) === 1, 60_000, 100);
  } catch {
    throw new Error(`${what} never answered ${name} on port ${port}\n${log().slice(-4000)}`);
  }
}

export interface WeftDaemon {
  readonly process: WeftProcess;
  readonly dir: string;
}

/** `weft daemon` with only DNS (no subnet, no overlay), pinned to the subject core. */
export function startWeft(etcdEndpoint: string, port: number, upstream: number, extra: readonly string[] = [], env: Record<string, string> = {}): WeftDaemon {
  const dir = mkdtempSync(join(tmpdir(), 'weft-bench-dns-'));
  const daemon = new WeftProcess(
    [
      'daemon', '--etcd-endpoints', etcdEndpoint, '--no-subnet-enabled', '--no-overlay-enabled',
      '--dns-enabled', '--dns-listen', `127.0.0.1:${port}`, '--dns-forward', '--dns-upstream', `127.0.0.1:${upstream}`,
      '--admin-socket', join(dir, 'weft.sock'), '--daemon-state-dir', join(dir, 'state'), '--log-level', 'warn', ...extra,
    ],
    env,
  );
  pin(daemon.child.pid, coresFor.subject);
  return { process: daemon, dir };
}

export const ceilingMain = fileURLToPath(new URL('./ceiling.ts', import.meta.url));

/** The bare Node UDP responder (ceiling.ts) on `port`, pinned to the subject core. */
export function startCeiling(port: number): ChildProcess {
  const [command, args] = pinned(coresFor.subject, process.execPath, [ceilingMain, String(port)]);
  return spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Stops a child by its PID and waits for it. */
export async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}
