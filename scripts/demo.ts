// `npm run demo`: a 3-host weft cluster on this machine, built from network namespaces, showing
// each capability with the commands a user would run: subnets and the VXLAN overlay, containers
// attached through weft-cni, DNS by name between them, a `web` service behind host 1's proxy, a
// confd resource re-rendered when its key changes, the status page, and a host killed with
// everything converging without it. Then it stays up until Ctrl-C and tears everything down.
//   --once   show, then tear down and exit (used by the tests)
//   --keep   stay up until Ctrl-C (the default; kept for muscle memory)
// Every capability shown ends in `ok: <capability> ...` lines (test/e2e/demo.test.ts reads them).
import type { ChildProcess } from 'node:child_process';
import { DemoFailure, note, section, since, started } from './demo/out.ts';
import { confd, containers, dns, hosts, killHost, services, statusPage, webHost } from './demo/sections.ts';
import { relayStatusPage } from './demo/relay.ts';
import { adminListen, startDemo, type Demo } from './demo/world.ts';

const once = process.argv.includes('--once');

if (process.getuid?.() !== 0) {
  process.stderr.write('the demo builds network namespaces and needs root: sudo npm run demo (after bash scripts/setup.sh)\n');
  process.exit(1);
}

section('1. three hosts', 'Network namespaces on a shared underlay bridge; etcd on the underlay; `weft daemon` on each host\n(subnet lease + VXLAN overlay + DNS; host 1 also runs the proxy, a confd resource and the status page).');
let demo: Demo;
try {
  demo = await startDemo();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}

const servers: ChildProcess[] = [];
let finished = false;
async function finish(status: number): Promise<never> {
  if (!finished) {
    finished = true;
    section('teardown', 'Servers and daemons stopped, etcd stopped, namespaces and links removed.');
    for (const server of servers) server.kill('SIGKILL');
    const left = await demo.cni.teardown();
    note(left.namespaces.length + left.links.length === 0 ? `nothing left with prefix ${demo.cni.bed.prefix} (done in ${since(started)})` : `LEFT BEHIND: ${JSON.stringify(left)}`);
  }
  process.exit(status);
}
process.once('SIGINT', () => void finish(0));
process.once('SIGTERM', () => void finish(0));

try {
  await hosts(demo);
  section('2. containers attached through weft-cni', 'One container per host, attached as a runtime does it: libcni (Debian\'s, via test/cni/driver) runs\nweft-cni with the smallest conflist and the pod name in CNI_ARGS; addresses come from the host\'s subnet.');
  const attached = await containers(demo);
  section('3. the containers find each other by name through weft\'s DNS', 'weft-cni registered each container\'s name with its host\'s daemon (on the host lease); each\ncontainer asks weft\'s DNS at its gateway.');
  await dns(demo, attached);
  section(`4. service \`web\` behind the proxy on host 1 (${webHost})`, 'A server in web-h2 and one in web-h3 register through their host\'s admin socket; host 1\'s daemon renders\nthe services keyspace into the proxy\'s route file and the proxy reloads it.');
  await services(demo, attached, servers);
  section('5. a confd resource rendered from etcd', 'Host 1\'s templates area (confd-compatible) watches the key and re-renders the file when it changes.');
  await confd(demo);
  section('6. the status page', `GET / on host 1's read-only admin listener (--admin-listen ${adminListen}), inside host 1's namespace.`);
  await statusPage(demo);
  section('7. host 3 dies (kill -9 of its daemon and its server); everything converges without it', 'Its names and servers leave with its host lease, its subnet with its subnet lease; the others drop its routes.');
  await killHost(demo, attached, servers);
  section('all shown', `hosts, cni, dns, proxy, confd, converge (and the status page) in ${since(started)}`);
  if (once) await finish(0);
  const relayed = await relayStatusPage(demo, adminListen, 9180);
  note(relayed === undefined
    ? 'The status page: http://127.0.0.1:9180/ (relayed to host 1\'s read-only admin listener; for another machine: ssh -L 9180:127.0.0.1:9180)'
    : `The status page is not relayed here (${relayed}); inside host 1's namespace it is http://${adminListen}/`);
  note(`The cluster stays up (host 3 stays dead). Try, in another shell:\n  ip netns exec ${demo.cni.bed.host(1).ns} curl -s -H 'Host: ${webHost}' http://127.0.0.1:8080/\n  ip netns exec ${demo.cni.bed.host(1).ns} curl -s http://${adminListen}/   # the status page\n  ip netns exec ${attached[0]!.container.name} dig @${attached[0]!.gateway} web-h2.weft.internal\nPress Ctrl-C here to tear everything down.`);
} catch (error) {
  process.stderr.write(error instanceof DemoFailure ? `demo failed: ${error.message}\n` : `demo failed: ${(error as Error).stack ?? String(error)}\n`);
  await finish(1);
}
