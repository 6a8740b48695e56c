// One `weft daemon` of the memory bench: started through the real CLI inside the host namespace,
// pinned to the subject core; its RSS read from /proc/<pid>/status and its V8 heap from the
// prom-client default metrics on the admin socket.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { adminRequest } from '../../../src/admin/client.ts';
import type { WeftCluster } from '../../../test/harness/cluster.ts';
import { coresFor, pinned } from '../lib/method.ts';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The value of one unlabelled sample (or the sum over its label sets) in Prometheus text. */
export function metric(text: string, name: string): number {
  let sum = NaN;
  for (const line of text.split('\n')) {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([^ ]+)`).exec(line);
    if (match !== null) sum = (Number.isNaN(sum) ? 0 : sum) + Number(match[1]);
  }
  return sum;
}

export interface MemorySample {
  readonly rssMB: number;
  /** Anonymous pages: heap, malloc, stacks; what this daemon alone costs the host. */
  readonly rssAnonMB: number;
  /** File-backed pages, mostly the node binary's code and data: shared with every Node process. */
  readonly rssFileMB: number;
  readonly heapUsedMB: number;
  readonly heapTotalMB: number;
  readonly externalMB: number;
}

export class BenchDaemon {
  readonly child: ChildProcess;
  readonly cluster: WeftCluster;
  readonly socket: string;
  log = '';

  constructor(cluster: WeftCluster, socket: string, main: string, args: readonly string[], nodeOptions = process.env.WEFT_BENCH_NODE_OPTIONS) {
    this.cluster = cluster;
    this.socket = socket;
    const [command, argv] = pinned(coresFor.subject, process.execPath, [main, ...args]);
    const env = { ...process.env, ...(nodeOptions === undefined ? {} : { NODE_OPTIONS: nodeOptions }) };
    this.child = cluster.bed.spawn(cluster.bed.host(1).ns, command, argv, { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.log = (this.log + chunk).slice(-20_000)));
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.log = (this.log + chunk).slice(-20_000)));
  }

  async metrics(): Promise<string> {
    return (await adminRequest(this.socket, 'GET', '/metrics')).text;
  }

  /** Waits until `check` holds (polled every 200 ms), failing if the daemon exits first. */
  async until(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await check().catch(() => false)) return;
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`weft daemon exited before ${what}:\n${this.log.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${this.log.slice(-3000)}`);
      await sleep(200);
    }
  }

  async ready(): Promise<void> {
    await this.until('readiness', async () => (await adminRequest(this.socket, 'GET', '/readyz', undefined, 2000)).status === 200);
  }

  /** VmRSS first (so the scrape's own allocations do not count), then the heap figures V8 reports. */
  async sample(): Promise<MemorySample> {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kib = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) / 1024;
    if (process.env.WEFT_BENCH_MEMORY_SMAPS !== undefined) process.stdout.write(execFileSync('python3', [process.env.WEFT_BENCH_MEMORY_SMAPS, String(this.child.pid)], { encoding: 'utf8' }));
    const text = await this.metrics();
    const mb = (name: string): number => metric(text, name) / 2 ** 20;
    return { rssMB: kib('VmRSS'), rssAnonMB: kib('RssAnon'), rssFileMB: kib('RssFile'), heapUsedMB: mb('nodejs_heap_size_used_bytes'), heapTotalMB: mb('nodejs_heap_size_total_bytes'), externalMB: mb('nodejs_external_memory_bytes') };
  }

  /** SIGUSR2 (the daemon runs with --heapsnapshot-signal=SIGUSR2) and moves the snapshot to `file`. */
  async snapshot(file: string): Promise<void> {
    const dir = `/proc/${this.child.pid}/cwd`;
    const before = new Set(readdirSync(dir));
    this.child.kill('SIGUSR2');
    let written: string | undefined;
    await this.until('the heap snapshot', async () => {
      written = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
      // V8 writes the file in one go; a size that stops changing means it is complete.
      if (written === undefined) return false;
      const size = statSync(`${dir}/${written}`).size;
      await sleep(1000);
      return size > 0 && statSync(`${dir}/${written}`).size === size;
    });
    copyFileSync(`${dir}/${written}`, file);
    rmSync(`${dir}/${written}`);
    process.stdout.write(`heap snapshot: ${file}\n`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
