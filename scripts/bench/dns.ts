// `npm run bench -- dns [seconds=5] [rounds=3]`: dnsperf against weft, dnsmasq and the runtime's
// ceiling serving the same 1000 names (900 that exist, 100 NXDOMAIN); then the forwarded path.
// Setup: etcd holds the 900 names under /skydns (SkyDNS layout); weft is the real `weft daemon`
// (only DNS: no subnet, no overlay) as its own process; dnsmasq answers the same names from a
// hosts file; the ceiling is scripts/bench/dns/ceiling.ts, a bare Node dgram responder that
// parses nothing. All three are pinned to coresFor.subject; dnsperf (8 clients), etcd and the
// upstream dnsmasq that weft forwards to run on coresFor.load. Subjects, interleaved per round
// after a warm-up of each:
//   weft, dnsmasq, ceiling       zone answers (weft from etcd, dnsmasq from its hosts file)
//   weft-fwd, dnsmasq-direct     names outside weft's zones: weft forwards them to the upstream
//                                dnsmasq with its forward cache warm; the peer is dnsmasq (subject
//                                core) answering the same names itself. The 10% NXDOMAIN carry no
//                                SOA from dnsmasq, so they are never cached and are always forwarded.
//   weft-fwd-nocache,            forwarded uncached: a second `weft daemon` with --dns-cache-size 0
//   dnsmasq-fwd-nocache          against dnsmasq --cache-size=0 forwarding to the same upstream.
// Figures per run: qps (dnsperf) and cpuUs, the subject process's own CPU time (/proc, all threads)
// per answered query; for the forwarded subjects that is the forwarder's alone, not its upstream's.
// Writes bench-results/dns.json. Loopback only; every process is ours, killed by PID in `finally`.
// Needs Debian's dnsperf, dnsmasq-base and etcd-server. WEFT_BENCH_DNS_PROF=DIR runs the zone
// daemon with --cpu-prof into DIR.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { Dnsmasq } from '../../test/dns/harness.ts';
import { freePort, startEtcd } from '../../test/harness/etcd.ts';
import { testClient } from '../../test/harness/etcd-client.ts';
import { answering, cpuMs, dnsperf, shuffle, startCeiling, startWeft, stopChild, type WeftDaemon } from './dns/setup.ts';
import { cores, coresFor, interleave, pin, type Subject } from './lib/method.ts';
import { writeResult } from './lib/result.ts';

const seconds = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 3);
const warmupSeconds = Math.min(2, seconds);
const existing = 900;
const missing = 100;
pin(process.pid, coresFor.load);

const etcd = await startEtcd();
for (const member of etcd.members) pin(member.pid, coresFor.load);
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

const local = ['--local=/weft.internal/', '--local=/fwd.test/', '--local-ttl=300', '--cache-size=10000'];
const started: { daemons: WeftDaemon[]; children: ChildProcess[]; dnsmasqs: Dnsmasq[] } = { daemons: [], children: [], dnsmasqs: [] };
try {
  // The upstream weft forwards to, beside dnsperf: a backend, not a subject.
  const upstream = await Dnsmasq.start(fwdHostLines.join('\n'), local);
  started.dnsmasqs.push(upstream);
  pin(upstream.child.pid, coresFor.load);
  const peer = await Dnsmasq.start([...hostLines, ...fwdHostLines].join('\n'), local);
  started.dnsmasqs.push(peer);
  pin(peer.child.pid, coresFor.subject);
  const peerFwd = await Dnsmasq.start('', ['--no-resolv', `--server=127.0.0.1#${upstream.port}`, '--cache-size=0']);
  started.dnsmasqs.push(peerFwd);
  pin(peerFwd.child.pid, coresFor.subject);

  const weftPort = await freePort();
  const prof = process.env.WEFT_BENCH_DNS_PROF;
  const weft = startWeft(etcd.endpoint, weftPort, upstream.port, ['--dns-cache-size', '10000'], prof === undefined ? {} : { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${prof}` });
  started.daemons.push(weft);
  const nocachePort = await freePort();
  const nocache = startWeft(etcd.endpoint, nocachePort, upstream.port, ['--dns-cache-size', '0']);
  started.daemons.push(nocache);
  const ceilingPort = await freePort();
  const ceiling = startCeiling(ceilingPort);
  started.children.push(ceiling);

  await answering(weftPort, 'h0.bench.weft.internal', 'weft', () => weft.process.stdout + weft.process.stderr);
  await answering(nocachePort, 'f0.fwd.test', 'weft (no cache)', () => nocache.process.stdout + nocache.process.stderr);
  await answering(ceilingPort, 'h0.bench.weft.internal', 'the ceiling', () => '');

  const zoneFile = join(peer.dir, 'zone.queries');
  const fwdFile = join(peer.dir, 'fwd.queries');
  writeFileSync(zoneFile, `${shuffle(zoneQueries).join('\n')}\n`);
  writeFileSync(fwdFile, `${shuffle(fwdQueries).join('\n')}\n`);

  // qps is what the goal is about; cpuUs (the subject's CPU time per answered query) is steadier
  // on a busy machine, where the subject may get only part of its core.
  const subject = (name: string, port: number, file: string, pid: number | undefined): Subject => ({
    name,
    async measure(round) {
      const before = pid === undefined ? NaN : cpuMs(pid);
      const r = await dnsperf(port, file, round === 0 ? warmupSeconds : seconds);
      const used = pid === undefined ? NaN : cpuMs(pid) - before;
      const answered = r.noerror + r.nxdomain;
      return { qps: r.qps, cpuUs: (1000 * used) / Math.max(1, answered), lost: r.lost, nxdomainPct: (100 * r.nxdomain) / Math.max(1, answered) };
    },
  });
  const subjects = [
    subject('weft', weftPort, zoneFile, weft.process.child.pid),
    subject('dnsmasq', peer.port, zoneFile, peer.child.pid),
    subject('ceiling', ceilingPort, zoneFile, ceiling.pid),
    subject('weft-fwd', weftPort, fwdFile, weft.process.child.pid),
    subject('dnsmasq-direct', peer.port, fwdFile, peer.child.pid),
    subject('weft-fwd-nocache', nocachePort, fwdFile, nocache.process.child.pid),
    subject('dnsmasq-fwd-nocache', peerFwd.port, fwdFile, peerFwd.child.pid),
  ];
  process.stdout.write(`dns bench: dnsperf ${seconds}s per run (warm-up ${warmupSeconds}s), ${rounds} rounds, 8 clients, ${existing + missing} names (${missing} NXDOMAIN); subjects on core ${coresFor.subject}, dnsperf/etcd/upstream on ${coresFor.load} (${cores} cores)\n`);
  const records = await interleave(subjects, {
    rounds,
    warmup: 1,
    onRound: (r) => process.stdout.write(`round ${r.round} ${r.subject.padEnd(20)} ${String(Math.round(r.figures.qps ?? NaN)).padStart(7)} qps  ${(r.figures.cpuUs ?? NaN).toFixed(1).padStart(5)} us CPU/query  lost ${r.figures.lost}  load ${r.load1.toFixed(2)}\n`),
  });
  const version = (command: string, args: string[], pattern: RegExp): string => {
    const out = spawnSync(command, args, { encoding: 'utf8' });
    return pattern.exec(`${out.stdout}${out.stderr}`)?.[1] ?? 'unknown';
  };
  writeResult({
    bench: 'dns',
    title: 'DNS: zone answers from etcd and forwarded names (dnsperf)',
    versions: { dnsmasq: version('/usr/sbin/dnsmasq', ['--version'], /version (\S+)/), dnsperf: version('dnsperf', ['-h'], /Version (\S+)/) },
    method: {
      seconds, rounds, warmupSeconds, clients: 8, outstanding: 200, names: existing + missing, nxdomain: missing,
      subjectCores: coresFor.subject, loadCores: coresFor.load, weft: 'weft daemon (DNS only), own process', ceiling: 'scripts/bench/dns/ceiling.ts (bare dgram echo + fixed A)',
      forwarded: 'weft-fwd: cache warm (NXDOMAIN uncached); nocache: --dns-cache-size 0 vs dnsmasq --cache-size=0, same upstream',
    },
    metrics: [
      { name: 'qps', unit: 'queries/s', better: 'higher' },
      { name: 'cpuUs', unit: 'µs CPU/query', better: 'lower', label: "subject's CPU per answered query" },
    ],
    subjects: subjects.map((s) => s.name),
    rounds: records,
    pairs: [['weft', 'dnsmasq'], ['weft', 'ceiling'], ['weft-fwd', 'dnsmasq-direct'], ['weft-fwd-nocache', 'dnsmasq-fwd-nocache']],
    goals: (result) => {
      const ceilingRatio = result.ratios.find((r) => r.pair === 'weft/ceiling' && r.metric === 'qps');
      return [{ text: '>= 0.9x of the ceiling on zone answers (qps)', met: (ceilingRatio?.median ?? 0) >= 0.9 }];
    },
  });
} finally {
  for (const daemon of started.daemons) {
    await stopChild(daemon.process.child);
    rmSync(daemon.dir, { recursive: true, force: true });
  }
  for (const child of started.children) await stopChild(child);
  for (const server of started.dnsmasqs) await server.stop();
  client.close();
  await etcd.destroy();
}
