// `npm run bench -- memory --soak SECONDS`: the "all" daemon under load on its two hot paths at
// once (dnsperf at the DNS port over all names, wrk at the proxy over all service hosts, both in
// the host namespace on coresFor.load), RSS and heap sampled every 10 s. Growth is the least-squares
// slope (MiB/min) of the samples after warm-up (the first third, at most 60 s), and the lowest heap
// of each half after warm-up (the live floor under the collector's sawtooth); flat memory is an
// RSS slope near 0 and the same floor in both halves. Writes bench-results/memory-soak.json.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { coresFor, pinned } from '../lib/method.ts';
import { writeResult } from '../lib/result.ts';
import type { BenchDaemon, MemorySample } from './daemon.ts';
import { dnsName, serviceHost, type FixtureSizes } from './fixture.ts';

export interface SoakOptions {
  readonly daemon: BenchDaemon;
  readonly ns: string;
  readonly seconds: number;
  readonly sizes: FixtureSizes;
  readonly ports: { readonly dns: number; readonly proxy: number };
  readonly routeCount: number;
}

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] ?? 0) - mx) * ((ys[i] ?? 0) - my);
    den += ((xs[i] ?? 0) - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

function collect(child: ReturnType<BenchDaemon['cluster']['bed']['spawn']>): Promise<string> {
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  return new Promise((resolve) => child.once('exit', () => resolve(out)));
}

export async function soak(options: SoakOptions): Promise<void> {
  const { daemon, ns, seconds, sizes } = options;
  const bed = daemon.cluster.bed;
  const queries = join(tmpdir(), `weft-bench-memory-queries-${process.pid}`);
  const script = join(tmpdir(), `weft-bench-memory-wrk-${process.pid}.lua`);
  writeFileSync(queries, Array.from({ length: sizes.names }, (_, i) => `${dnsName(i)} A\n`).join(''));
  // Each request names the next service: the whole route table is exercised, not one cached entry.
  writeFileSync(script, `local i = 0\nrequest = function()\n  i = (i + 1) % ${options.routeCount}\n  return wrk.format("GET", "/", { Host = "s" .. i .. ".bench.test" })\nend\n`);
  if (serviceHost(0) !== 's0.bench.test') throw new Error('wrk script out of step with the fixture');
  const [dc, da] = pinned(coresFor.load, 'dnsperf', ['-s', '127.0.0.1', '-p', String(options.ports.dns), '-d', queries, '-l', String(seconds), '-c', '4', '-Q', '5000', '-t', '2']);
  const [wc, wa] = pinned(coresFor.load, 'wrk', ['-t1', '-c16', `-d${seconds}s`, '--timeout', '5s', '-s', script, `http://127.0.0.1:${options.ports.proxy}/`]);
  const dnsperf = bed.spawn(ns, dc, da);
  const wrk = bed.spawn(ns, wc, wa);
  const outputs = Promise.all([collect(dnsperf), collect(wrk)]);
  const samples: (MemorySample & { t: number })[] = [];
  const began = Date.now();
  for (let t = 0; t <= seconds; t += 10) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, began + t * 1000 - Date.now())));
    const sample = { t, ...(await daemon.sample()) };
    samples.push(sample);
    process.stdout.write(`t=${String(t).padStart(4)} s  rss ${sample.rssMB.toFixed(1)} MiB  heap used ${sample.heapUsedMB.toFixed(1)} MiB (total ${sample.heapTotalMB.toFixed(1)}, external ${sample.externalMB.toFixed(1)})\n`);
  }
  const [dnsOut, wrkOut] = await outputs;
  rmSync(queries, { force: true });
  rmSync(script, { force: true });
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(dnsOut)?.[1] ?? NaN);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(wrkOut)?.[1] ?? NaN);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(wrkOut)?.[1] ?? 0);
  const warm = Math.min(60, seconds / 3);
  const after = samples.filter((s) => s.t >= warm);
  const minutes = after.map((s) => s.t / 60);
  // A collected heap saws between its live floor and V8's next limit: the floors of the two halves
  // say whether the live data grows, whatever phase the samples caught.
  const half = Math.ceil(after.length / 2);
  const floor = (part: readonly MemorySample[]): number => Math.min(...part.map((s) => s.heapUsedMB));
  const figures = {
    rssSlopeMBPerMin: slope(minutes, after.map((s) => s.rssMB)),
    heapSlopeMBPerMin: slope(minutes, after.map((s) => s.heapUsedMB)),
    rssFirstMB: after[0]?.rssMB ?? NaN,
    rssLastMB: after.at(-1)?.rssMB ?? NaN,
    heapFirstMB: after[0]?.heapUsedMB ?? NaN,
    heapLastMB: after.at(-1)?.heapUsedMB ?? NaN,
    heapFloorFirstHalfMB: floor(after.slice(0, half)),
    heapFloorSecondHalfMB: floor(after.slice(half)),
    rssMaxMB: Math.max(...after.map((s) => s.rssMB)),
    // The RSS saws with V8's heap (between ~170 and ~300 MiB under this load): a slope fitted over a
    // sawtooth depends on the phase the run ends in; the peaks of the two halves say if it grows.
    rssPeakFirstHalfMB: Math.max(...after.slice(0, half).map((s) => s.rssMB)),
    rssPeakSecondHalfMB: Math.max(...after.slice(half).map((s) => s.rssMB)),
    dnsQps: qps,
    proxyRps: rps,
    proxyNon2xx: non2xx,
  };
  writeResult({
    bench: 'memory-soak',
    title: `Memory of weft daemon (all areas) under ${seconds} s of DNS + proxy load`,
    method: {
      load: `dnsperf -c 4 -Q 5000 over ${sizes.names} names + wrk -t1 -c16 over ${options.routeCount} Host headers, on ${coresFor.load}; daemon on ${coresFor.subject}`,
      seconds,
      warmupSeconds: warm,
      sampling: 'every 10 s: VmRSS from /proc/<pid>/status, heap from prom-client nodejs_heap_size_used_bytes',
      samples: JSON.stringify(samples.map((s) => [s.t, Number(s.rssMB.toFixed(1)), Number(s.heapUsedMB.toFixed(1))])),
    },
    metrics: [
      { name: 'rssSlopeMBPerMin', unit: 'MiB/min', better: 'lower', label: 'RSS growth after warm-up' },
      { name: 'heapSlopeMBPerMin', unit: 'MiB/min', better: 'lower', label: 'heap growth after warm-up' },
      { name: 'rssFirstMB', unit: 'MiB', better: 'lower' },
      { name: 'rssLastMB', unit: 'MiB', better: 'lower' },
      { name: 'heapFirstMB', unit: 'MiB', better: 'lower' },
      { name: 'heapLastMB', unit: 'MiB', better: 'lower' },
      { name: 'heapFloorFirstHalfMB', unit: 'MiB', better: 'lower', label: 'lowest heap used, first half after warm-up' },
      { name: 'heapFloorSecondHalfMB', unit: 'MiB', better: 'lower', label: 'lowest heap used, second half' },
      { name: 'rssMaxMB', unit: 'MiB', better: 'lower', label: 'highest RSS after warm-up' },
      { name: 'rssPeakFirstHalfMB', unit: 'MiB', better: 'lower', label: 'highest RSS, first half after warm-up' },
      { name: 'rssPeakSecondHalfMB', unit: 'MiB', better: 'lower', label: 'highest RSS, second half' },
      { name: 'dnsQps', unit: 'queries/s', better: 'higher' },
      { name: 'proxyRps', unit: 'requests/s', better: 'higher' },
      { name: 'proxyNon2xx', unit: 'responses', better: 'lower' },
    ],
    subjects: ['weft all'],
    rounds: [{ round: 1, subject: 'weft all', load1: 0, figures }],
    pairs: [],
    // Flat: the live floor does not rise by more than 10% and RSS does not keep climbing (< 1 MiB/min).
    goals: () => [{ text: 'memory of the DNS and proxy hot paths flat under load after warm-up (second half vs first: heap floor +<10%, RSS peak +<5%)', met: figures.heapFloorSecondHalfMB <= 1.1 * figures.heapFloorFirstHalfMB && figures.rssPeakSecondHalfMB <= 1.05 * figures.rssPeakFirstHalfMB }],
  });
}
