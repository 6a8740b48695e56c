// `npm run bench -- dns [seconds]`: dnsperf against weft and against dnsmasq serving the same 1000
// names (900 that exist, 100 NXDOMAIN), in one run; then a forwarded-and-cached run (weft forwarding
// to dnsmasq, cache warm). Everything on free loopback ports; every process is ours, killed by PID.
// Needs Debian's dnsperf, dnsmasq-base and etcd-server.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Dnsmasq, startDns } from '../../test/dns/harness.ts';
import { startEtcd } from '../../test/harness/etcd.ts';
import { testClient } from '../../test/harness/etcd-client.ts';

const run = promisify(execFile);
const seconds = Number(process.argv[2] ?? 8);
const existing = 900;
const missing = 100;
// Extra answering threads (SO_REUSEPORT; on 2 cores they compete with dnsperf, so none by default);
// dnsperf runs 8 clients so the kernel spreads them over the threads.
const workers = Number(process.env.WEFT_BENCH_DNS_WORKERS ?? 0);

function shuffle<T>(items: T[]): T[] {
  let seed = 12345;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

async function dnsperf(port: number, queryFile: string): Promise<{ qps: number; lost: number; nxdomain: number; noerror: number }> {
  const { stdout } = await run('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', queryFile, '-l', String(seconds), '-c', '8', '-q', '200', '-t', '2'], { timeout: (seconds + 30) * 1000 });
  const number = (pattern: RegExp): number => Number(pattern.exec(stdout)?.[1] ?? NaN);
  return {
    qps: number(/Queries per second:\s+([\d.]+)/),
    lost: number(/Queries lost:\s+(\d+)/),
    noerror: number(/NOERROR (\d+)/),
    nxdomain: number(/NXDOMAIN (\d+)/),
  };
}

function report(label: string, r: { qps: number; lost: number; nxdomain: number; noerror: number }): void {
  const total = r.noerror + r.nxdomain;
  process.stdout.write(`${label.padEnd(34)} ${r.qps.toFixed(0).padStart(8)} qps   lost ${r.lost}   NXDOMAIN ${((100 * r.nxdomain) / Math.max(1, total)).toFixed(1)}%\n`);
}

const etcd = await startEtcd();
const client = testClient(etcd.endpoints);
const hostLines: string[] = [];
const fwdHostLines: string[] = [];
const zoneQueries: string[] = [];
const fwdQueries: string[] = [];
for (let i = 0; i < existing; i++) {
  const ip = `10.${20 + (i >> 8)}.${i & 0xff}.1`;
  await client.put(`/skydns/internal/weft/bench/h${i}`).value(JSON.stringify({ host: ip })).exec();
  hostLines.push(`${ip} h${i}.bench.weft.internal`);
  fwdHostLines.push(`${ip} f${i}.fwd.test`);
  zoneQueries.push(`h${i}.bench.weft.internal A`);
  fwdQueries.push(`f${i}.fwd.test A`);
}
for (let i = 0; i < missing; i++) {
  zoneQueries.push(`missing${i}.bench.weft.internal A`);
  fwdQueries.push(`missing${i}.fwd.test A`);
}

const dnsmasq = await Dnsmasq.start([...hostLines, ...fwdHostLines].join('\n'), ['--local=/weft.internal/', '--local=/fwd.test/', '--local-ttl=300', '--cache-size=10000']);
const { area, port } = await startDns(client, { forward: true, upstreams: [`127.0.0.1:${dnsmasq.port}`], cache_size: 10_000, workers });
try {
  const zoneFile = join(dnsmasq.dir, 'zone.queries');
  const fwdFile = join(dnsmasq.dir, 'fwd.queries');
  writeFileSync(zoneFile, `${shuffle(zoneQueries).join('\n')}\n`);
  writeFileSync(fwdFile, `${shuffle(fwdQueries).join('\n')}\n`);
  process.stdout.write(`dns benchmark: dnsperf ${seconds}s per run, 8 clients, 1000 names (${missing} NXDOMAIN), weft with ${workers} extra worker thread(s), node ${process.version}\n`);

  const weftZone = await dnsperf(port, zoneFile);
  const dnsmasqZone = await dnsperf(dnsmasq.port, zoneFile);
  report('weft (zone from etcd)', weftZone);
  report('dnsmasq (same names, hosts file)', dnsmasqZone);
  process.stdout.write(`ratio weft/dnsmasq (zone answers)   ${(weftZone.qps / dnsmasqZone.qps).toFixed(2)}x\n`);

  await dnsperf(port, fwdFile).catch(() => undefined); // warms the forward cache
  const weftForward = await dnsperf(port, fwdFile);
  const dnsmasqDirect = await dnsperf(dnsmasq.port, fwdFile);
  report('weft (forwarded, cached)', weftForward);
  report('dnsmasq (same names, direct)', dnsmasqDirect);
  process.stdout.write(`ratio weft/dnsmasq (forwarded+cached) ${(weftForward.qps / dnsmasqDirect.qps).toFixed(2)}x\n`);
} finally {
  await area.stop();
  await dnsmasq.stop();
  client.close();
  await etcd.destroy();
}
