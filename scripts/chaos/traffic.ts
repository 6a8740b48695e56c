// Traffic through a chaos cluster while a scenario breaks something: pings between containers on
// different hosts (every 100 ms) and probe.ts (DNS + proxy) in host 1. `stop()` says what users saw.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { readFileSafe, type ChaosWorld } from './world.ts';

export interface Seen {
  readonly pings: { sent: number; lost: number };
  readonly dns: { queries: number; servfail: number; timeouts: number; other: number };
  readonly http: { requests: number; failed: number };
  /** Changes of a key a confd resource watches: how many, how many not rendered within 30 s, the slowest. */
  readonly confd: { changes: number; missed: number; slowestMs: number };
  readonly failures: readonly string[];
}

const probeScript = join(import.meta.dirname, 'probe.ts');

/** Replies missing among the sequence numbers up to the highest answered (the last one may be in flight). */
export function pingLoss(output: string): { sent: number; lost: number } {
  const seqs = new Set([...output.matchAll(/icmp_seq=(\d+) /g)].map((m) => Number(m[1])));
  const highest = Math.max(0, ...seqs);
  return { sent: highest, lost: highest - seqs.size };
}

function collect(child: ChildProcess): () => string {
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  return () => out;
}

export class Traffic {
  readonly #pings: { child: ChildProcess; out: () => string }[] = [];
  #probe: { child: ChildProcess; out: () => string } | undefined;
  #ticking = true;
  #ticks: Promise<Seen['confd']> = Promise.resolve({ changes: 0, missed: 0, slowestMs: 0 });

  /** Writes /chaos/tick every second (retrying while etcd is away) and times its rendering from the write. */
  async #tick(world: ChaosWorld): Promise<Seen['confd']> {
    const seen = { changes: 0, missed: 0, slowestMs: 0 };
    for (let i = 1; this.#ticking; i++) {
      while (this.#ticking && (await world.etcdctl(['put', '/chaos/tick', `t${i}`])).code !== 0) await new Promise((resolve) => setTimeout(resolve, 200));
      if (!this.#ticking) break;
      seen.changes++;
      // 30 s: a watch on a silently partitioned member is stale until the keep-alive (6 s + 2 s) says so.
      const ms = await world.until('tick', async () => readFileSafe(world.tickFile) === `value t${i}\n`, 30_000).catch(() => undefined);
      if (ms === undefined) seen.missed++;
      else seen.slowestMs = Math.max(seen.slowestMs, ms);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    return seen;
  }

  static async start(world: ChaosWorld): Promise<Traffic> {
    const traffic = new Traffic();
    const { bed } = world.cluster;
    // Both directions across hosts, through every host's overlay.
    for (const [from, to] of [[1, 2], [2, 3], [3, 1]] as const) {
      const child = bed.spawn(bed.container(from, 1).ns, 'ping', ['-n', '-i', '0.1', '-W', '1', world.containerIP(to)]);
      traffic.#pings.push({ child, out: collect(child) });
    }
    const child = bed.spawn(bed.host(1).ns, process.execPath, [probeScript, '127.0.0.1', world.dnsName, 'http://127.0.0.1:8080/', world.serviceHost]);
    const out = collect(child);
    traffic.#probe = { child, out };
    traffic.#ticks = traffic.#tick(world);
    await world.until('probe running', async () => out().includes('probing'), 10_000);
    return traffic;
  }

  async stop(): Promise<Seen> {
    const exited = (child: ChildProcess): Promise<void> => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
    this.#ticking = false;
    for (const p of this.#pings) p.child.kill('SIGINT');
    await Promise.all(this.#pings.map((p) => exited(p.child)));
    const probe = this.#probe!;
    probe.child.kill('SIGTERM');
    await exited(probe.child);
    const line = probe.out().split('\n').find((l) => l.startsWith('{'));
    const counts = JSON.parse(line ?? '{}') as Record<string, number> & { failures?: string[] };
    const pings = this.#pings.map((p) => pingLoss(p.out()));
    return {
      pings: { sent: pings.reduce((a, p) => a + p.sent, 0), lost: pings.reduce((a, p) => a + p.lost, 0) },
      dns: { queries: counts.dnsQueries ?? 0, servfail: counts.dnsServfail ?? 0, timeouts: counts.dnsTimeouts ?? 0, other: counts.dnsOther ?? 0 },
      http: { requests: counts.httpRequests ?? 0, failed: counts.httpFailed ?? 0 },
      confd: await this.#ticks,
      failures: counts.failures ?? ['probe printed nothing'],
    };
  }
}

/** The figures every traffic-carrying row shows, and whether they are all zero losses. */
export function describeSeen(seen: Seen): { figures: string[]; clean: boolean } {
  const figures = [
    `${seen.pings.lost} / ${seen.pings.sent} pings lost`,
    `${seen.dns.servfail} SERVFAIL, ${seen.dns.timeouts} timeouts, ${seen.dns.other} other / ${seen.dns.queries} DNS queries`,
    `${seen.http.failed} / ${seen.http.requests} proxy requests failed`,
    `confd watch: ${seen.confd.changes - seen.confd.missed} / ${seen.confd.changes} changes rendered, slowest ${seen.confd.slowestMs} ms after the write`,
  ];
  const clean = seen.pings.sent > 0 && seen.pings.lost === 0 && seen.dns.queries > 0 && seen.dns.servfail + seen.dns.timeouts + seen.dns.other === 0 && seen.http.requests > 0 && seen.http.failed === 0 && seen.confd.changes > 0 && seen.confd.missed === 0;
  return { figures, clean };
}
