// The sections of `npm run demo`, in order. Each runs the commands a user would, prints them with
// their output, and ends with `ok:` lines once what it shows has been seen to hold.
import { readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { digA, dnsZone, eventually } from '../../test/cni/cluster.ts';
import { command, expectThat, note, ok, since } from './out.ts';
import { adminListen, attach, greetingKey, hostLeaseTtl, serve, subnetLeaseTtl, type Attached, type Demo } from './world.ts';

export const webHost = 'web.example.test';
const short = (text: string): string => text.trim().split('\n').filter(Boolean).join(', ');

export async function hosts(demo: Demo): Promise<void> {
  const { cni } = demo;
  note(`etcd: ${cni.cluster.etcd.endpoint} (inside ${cni.bed.underlay.ns})`);
  for (const h of cni.cluster.hosts) note(`${h.host.ns}: underlay ${h.host.ip}, subnet ${cni.cluster.subnetOf(h.host.index)}, admin socket ${h.socket}`);
  const leases = await cni.cluster.weft(cni.bed.host(1), ['lease', 'ls', '--etcd-endpoints', cni.cluster.etcd.endpoint]);
  command('weft lease ls', leases.stdout);
  note(`(short leases for the demo: subnet lease ${subnetLeaseTtl}, host lease ${hostLeaseTtl}; kept alive while the host lives)`);
  const subnets = cni.cluster.hosts.map((h) => cni.cluster.subnetOf(h.host.index));
  expectThat(subnets.every((s) => leases.stdout.includes(s)), `every host's subnet in weft lease ls:\n${leases.stdout}`);
  ok('hosts', `3 hosts running weft, subnets ${subnets.join(' ')} leased in etcd`);
}

export async function containers(demo: Demo): Promise<Attached[]> {
  const attached: Attached[] = [];
  for (const [n, name] of [[1, 'app-h1'], [2, 'web-h2'], [3, 'web-h3']] as const) {
    const at = await attach(demo, n, name);
    command(`ip netns exec ${demo.cni.bed.host(n).ns} cni-driver add /run/netns/${at.container.name} … 10-weft.conflist  # CNI_ARGS K8S_POD_NAME=${name}`, `eth0 ${at.ip}, gateway ${at.gateway} (weft-cni via ${demo.cni.hosts[n - 1]!.installedBy})`);
    attached.push(at);
  }
  note(`conflist: ${JSON.stringify({ cniVersion: '1.0.0', name: 'weft', plugins: [{ type: 'weft-cni' }] })}`);
  for (const at of attached) {
    const subnet = demo.cni.cluster.subnetOf(at.host).replace(/0\/24$/, '');
    expectThat(at.ip.startsWith(subnet), `${at.name}'s ${at.ip} in host ${at.host}'s subnet`);
    ok('cni', `${at.name} attached on h${at.host} through weft-cni: ${at.ip}`);
  }
  for (const from of attached) {
    for (const to of attached) {
      if (from === to) continue;
      const ping = await demo.cni.bed.ping(from.container.name, to.ip);
      expectThat(ping.ok, ping.output);
    }
  }
  ok('cni', 'every container pings every other across the VXLAN overlay (6/6)');
  return attached;
}

export async function dns(demo: Demo, attached: readonly Attached[]): Promise<void> {
  for (const from of attached) {
    for (const to of attached) {
      if (from === to) continue;
      const fqdn = `${to.name}.${dnsZone}`;
      const answer = await eventually(`${fqdn} from ${from.name}`, () => digA(demo.cni.bed, from.container.name, from.gateway, fqdn), (r) => r.addresses.includes(to.ip));
      if (from === attached[0]) command(`ip netns exec ${from.container.name} dig +short @${from.gateway} ${fqdn}`, answer.addresses.join('\n'));
      ok('dns', `${from.name} resolves ${fqdn} -> ${answer.addresses.join(',')}`);
    }
  }
}

/** `curl` through host 1's proxy, `count` times; returns who answered. */
async function curls(demo: Demo, count: number): Promise<string[]> {
  const bodies: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await demo.cni.bed.exec(demo.cni.bed.host(1).ns, 'curl', ['-s', '--max-time', '5', '-H', `Host: ${webHost}`, 'http://127.0.0.1:8080/']);
    bodies.push(r.code === 0 ? r.stdout.trim() : `curl exit ${r.code}`);
  }
  command(`ip netns exec ${demo.cni.bed.host(1).ns} curl -s -H 'Host: ${webHost}' http://127.0.0.1:8080/   # ${count} times`, bodies.join('\n'));
  return bodies;
}

const urlOf = (at: Attached): string => `http://${at.ip}:8080`;

export async function services(demo: Demo, attached: readonly Attached[], servers: ChildProcess[]): Promise<void> {
  const { cni } = demo;
  const add = ['service', 'add', 'web', '--rule', `Host(\`${webHost}\`)`, '--health-path', '/healthz', '--health-interval', '500ms', '--health-timeout', '400ms', '--middleware', '{"retry":{"attempts":3}}'];
  const added = await cni.cluster.weft(cni.bed.host(1), [...add, '--etcd-endpoints', cni.cluster.etcd.endpoint]);
  expectThat(added.code === 0, `weft service add: ${added.stderr}`);
  command(`weft ${add.map((a) => (/[ `{]/.test(a) ? `'${a}'` : a)).join(' ')}`, added.stdout);
  for (const at of attached.slice(1)) {
    servers.push(await serve(demo, at, 8080));
    const socket = cni.cluster.hosts[at.host - 1]!.socket;
    const r = await cni.cluster.weft(cni.bed.host(at.host), ['service', 'register', 'web', urlOf(at), '--socket', socket]);
    expectThat(r.code === 0, `weft service register on h${at.host}: ${r.stderr}`);
    command(`ip netns exec ${cni.bed.host(at.host).ns} weft service register web ${urlOf(at)} --socket ${socket}`, r.stdout);
  }
  const routes = await eventually('both servers in host 1\'s route file', async () => readFileSync(demo.routeFile, 'utf8'), (t) => attached.slice(1).every((at) => t.includes(urlOf(at))));
  command(`grep url ${demo.routeFile}`, routes.split('\n').filter((l) => l.includes('url')).join('\n'));
  // The proxy reloads right after the route file is replaced: wait for its first answer.
  await eventually('the proxy answers for web', async () => (await demo.cni.bed.exec(cni.bed.host(1).ns, 'curl', ['-s', '--max-time', '2', '-H', `Host: ${webHost}`, 'http://127.0.0.1:8080/healthz'])).stdout, (t) => t === 'ok');
  const bodies = await curls(demo, 6);
  expectThat(bodies.every((b) => b === 'web-h2' || b === 'web-h3') && new Set(bodies).size === 2, `both servers answer through the proxy: ${bodies.join(', ')}`);
  ok('proxy', `${webHost} on h1's proxy answered by ${[...new Set(bodies)].sort().join(' and ')} (${bodies.length} requests)`);
}

export async function confd(demo: Demo): Promise<void> {
  note(`resource ${demo.confdir}/conf.d/greeting.toml:\n${readFileSync(`${demo.confdir}/conf.d/greeting.toml`, 'utf8')}template greeting.tmpl:\n${readFileSync(`${demo.confdir}/templates/greeting.tmpl`, 'utf8')}`);
  const before = await eventually('the resource rendered', async () => readFileSync(demo.rendered, 'utf8').trim(), (t) => t !== '').catch(() => '');
  command(`cat ${demo.rendered}`, before);
  for (const value of ['hello from etcd', 'bonjour']) {
    const previous = readFileSync(demo.rendered, 'utf8').trim();
    command(`etcdctl put ${greetingKey} '${value}'`, await demo.cni.etcdctl(['put', greetingKey, value]));
    const t0 = Date.now();
    const after = await eventually('the rendered file changed', async () => readFileSync(demo.rendered, 'utf8').trim(), (t) => t === `greeting = ${value}`);
    command(`cat ${demo.rendered}`, after);
    ok('confd', `${demo.rendered} re-rendered in ${since(t0)}: "${previous}" -> "${after}"`);
  }
}

export async function statusPage(demo: Demo): Promise<void> {
  const ns = demo.cni.bed.host(1).ns;
  const page = await demo.cni.bed.exec(ns, 'curl', ['-s', '-o', '/dev/null', '-w', '%{http_code} %{content_type} %{size_download} bytes', `http://${adminListen}/`]);
  command(`ip netns exec ${ns} curl -s http://${adminListen}/`, page.stdout);
  expectThat(page.stdout.startsWith('200 text/html'), `status page: ${page.stdout}${page.stderr}`);
  ok('status', `status page http://${adminListen}/ (host 1's read-only admin listener, inside ${ns})`);
}

export async function killHost(demo: Demo, attached: readonly Attached[], servers: ChildProcess[]): Promise<void> {
  const { cni } = demo;
  const [app, web2, web3] = attached as [Attached, Attached, Attached];
  const subnet3 = cni.cluster.subnetOf(3);
  const routesOn = async (n: number): Promise<string> => (await cni.bed.exec(cni.bed.host(n).ns, 'ip', ['route', 'show', 'dev', 'weft.1'])).stdout;
  command(`ip netns exec ${cni.bed.host(1).ns} ip route show dev weft.1`, await routesOn(1));
  const t0 = Date.now();
  cni.cluster.hosts[2]!.daemon?.kill('SIGKILL');
  servers.at(-1)?.kill('SIGKILL');
  command(`kill -9 <weft daemon on ${cni.bed.host(3).ns}> <web-h3's server>`);
  note(`host lease TTL ${hostLeaseTtl} (DNS names, service servers), subnet lease TTL ${subnetLeaseTtl} (routes)`);
  const gone = (what: string, probe: () => Promise<string>, holds: (t: string) => boolean) => eventually(what, probe, holds, 30_000).then((t) => ({ t, at: since(t0) }));
  const [dnsGone, routeFile, lease, routes1, routes2] = await Promise.all([
    gone('web-h3 gone from DNS', async () => (await digA(cni.bed, app.container.name, app.gateway, `web-h3.${dnsZone}`)).status, (s) => s === 'NXDOMAIN'),
    gone('web-h3 gone from the route file', async () => readFileSync(demo.routeFile, 'utf8'), (t) => !t.includes(urlOf(web3))),
    gone('host 3\'s subnet lease expired', async () => (await cni.cluster.weft(cni.bed.host(1), ['lease', 'ls', '--etcd-endpoints', cni.cluster.etcd.endpoint])).stdout, (t) => !t.includes(subnet3)),
    gone('host 1 dropped the route to host 3', () => routesOn(1), (t) => !t.includes(subnet3)),
    gone('host 2 dropped the route to host 3', () => routesOn(2), (t) => !t.includes(subnet3)),
  ]);
  command(`ip netns exec ${app.container.name} dig @${app.gateway} web-h3.${dnsZone}`, `status: ${dnsGone.t}`);
  ok('converge', `web-h3.${dnsZone} gone from DNS (NXDOMAIN) ${dnsGone.at} after the kill (its host lease expired)`);
  ok('converge', `web-h3's server ${urlOf(web3)} left h1's route file ${routeFile.at} after the kill`);
  command('weft lease ls', lease.t);
  ok('converge', `host 3's subnet lease ${subnet3} expired ${lease.at} after the kill`);
  command(`ip netns exec ${cni.bed.host(1).ns} ip route show dev weft.1`, routes1.t);
  ok('converge', `h1 and h2 dropped their routes to ${subnet3} (${routes1.at}, ${routes2.at} after the kill)`);
  const bodies = await curls(demo, 4);
  expectThat(bodies.every((b) => b === web2.name), `only web-h2 answers: ${bodies.join(', ')}`);
  const ping = await cni.bed.ping(app.container.name, web2.ip);
  expectThat(ping.ok, ping.output);
  ok('converge', `${webHost} still answered by web-h2 only (${short(bodies.join('\n'))}); app-h1 still pings web-h2`);
}
