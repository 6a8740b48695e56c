// The demo's cluster, built from the test harness pieces the e2e suites already exercise:
// startCniCluster (3 hosts, weft daemon with subnet + overlay + dns, weft-cni set up per host),
// host 1 also running the proxy, the read-only admin listener (status page) and a confd resource;
// containers attached through weft-cni by Debian's libcni (test/cni/driver.ts); name servers in
// containers as the services e2e test runs them.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { smallestConflist, startCniCluster, type CniCluster } from '../../test/cni/cluster.ts';
import type { CniContainer } from '../../test/cni/containers.ts';
import { cniAttachment, describeRun, podArgs } from '../../test/cni/driver.ts';
import { hostUnderlayIP } from '../../test/harness/netns.ts';
import { DemoFailure } from './out.ts';

const nameServer = join(import.meta.dirname, '..', '..', 'test', 'services', 'name-server.ts');
export const hostLeaseTtl = '3s';
export const subnetLeaseTtl = '6s';
export const adminListen = `${hostUnderlayIP(1)}:9180`;
export const greetingKey = '/demo/greeting';

export interface Demo {
  readonly cni: CniCluster;
  readonly routeFile: string;
  readonly confdir: string;
  readonly rendered: string;
}

export interface Attached {
  readonly host: number;
  readonly name: string;
  readonly container: CniContainer;
  readonly ip: string;
  /** The container's default gateway: its host's end of the weft-cni bridge, where weft's DNS answers. */
  readonly gateway: string;
}

/** A confd resource of our own: one key rendered into a file (a default while the key is unset). */
function writeConfdir(dir: string): { confdir: string; rendered: string } {
  const confdir = join(dir, 'confd');
  const rendered = join(dir, 'greeting.conf');
  mkdirSync(join(confdir, 'conf.d'), { recursive: true });
  mkdirSync(join(confdir, 'templates'), { recursive: true });
  writeFileSync(join(confdir, 'templates', 'greeting.tmpl'), `greeting = {{getv "${greetingKey}" "(unset)"}}\n`);
  writeFileSync(join(confdir, 'conf.d', 'greeting.toml'), `[template]\nsrc = "greeting.tmpl"\ndest = "${rendered}"\nkeys = ["${greetingKey}"]\n`);
  return { confdir, rendered };
}

export async function startDemo(): Promise<Demo> {
  const paths = { routeFile: '', confdir: '', rendered: '' };
  // Short leases so a killed host is gone in seconds (defaults: 60s host lease, 24h subnet lease).
  const cni = await startCniCluster(3, ['--etcd-host-lease-ttl', hostLeaseTtl, '--subnet-lease-ttl', subnetLeaseTtl], (n, dir) => {
    if (n !== 1) return [];
    Object.assign(paths, { routeFile: join(dir, 'h1-routes.toml') }, writeConfdir(dir));
    return [
      '--proxy-enabled', '--proxy-listen', '0.0.0.0:8080', '--proxy-route-file', paths.routeFile, '--proxy-dial-timeout', '1s',
      '--templates-enabled', '--templates-confdir', paths.confdir,
      '--admin-listen', adminListen,
    ];
  });
  return { cni, ...paths };
}

/** A new container on host `n`, attached through weft-cni (smallest conflist, its name in CNI_ARGS). */
export async function attach(demo: Demo, n: number, name: string): Promise<Attached> {
  const host = demo.cni.hosts[n - 1]!;
  const container = await demo.cni.containers.create(n);
  const conflist = host.conflist('10-weft.conflist', smallestConflist);
  const add = await cniAttachment('add', container, conflist, host.driverOptions({ args: podArgs(name, container.containerID) }));
  if (!add.ok) throw new DemoFailure(describeRun(`CNI ADD ${name} on host ${n}`, add));
  const ips = (add.json?.ips ?? []) as { address: string; gateway?: string }[];
  const ip = ips[0]?.address.split('/')[0] ?? '';
  return { host: n, name, container, ip, gateway: ips[0]?.gateway ?? '' };
}

/** Runs test/services/name-server.ts in a container (answers every request with its name). */
export async function serve(demo: Demo, at: Attached, port: number): Promise<ChildProcess> {
  const child = demo.cni.bed.spawn(at.container.name, process.execPath, [nameServer, at.name, String(port)]);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('listening')) resolve();
    });
    child.once('exit', (code) => reject(new DemoFailure(`name server ${at.name} exited ${code}`)));
  });
  return child;
}
