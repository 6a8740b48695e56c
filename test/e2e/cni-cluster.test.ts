// Issue 14's acceptance story, driven as a runtime drives CNI (test/cni/driver: Debian's libcni):
// three hosts run weft (subnet + overlay + dns); on each, two containers are attached with the
// smallest conflist and their name in CNI_ARGS (K8S_POD_NAME, as podman and Kubernetes set it).
// They get addresses from their host's subnet, reach every container on the other hosts, are
// found by name through weft's DNS from every host, and DEL takes the name away again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressesOf, linksIn, pluginVeths, type CniContainer } from '../cni/containers.ts';
import { digA, dnsZone, eventually, smallestConflist, startCniCluster, type CniCluster } from '../cni/cluster.ts';
import { cniAttachment, cniStatus, describeRun, podArgs, type DriverOptions } from '../cni/driver.ts';
import type { CniHost } from '../cni/host.ts';

interface Attached {
  host: number;
  name: string;
  container: CniContainer;
  ip: string;
}

let cni: CniCluster;
const attached: Attached[] = [];
const everyone: Attached[] = [];
const conflistOf = new Map<number, string>();

function options(h: number, name: string, containerID: string): DriverOptions {
  return hostOf(h).driverOptions({ args: podArgs(name, containerID) });
}

function hostOf(h: number): CniHost {
  const host = cni.hosts[h - 1];
  if (host === undefined) throw new Error(`no host ${h}`);
  return host;
}

/** etcd keys (SkyDNS layout) of these containers' names and PTRs. */
function dnsKeysOf(keys: string, containers: readonly Attached[]): string[] {
  const marks = containers.flatMap((a) => [`/${dnsZone.split('.').reverse().join('/')}/${a.name}/`, `/arpa/in-addr/${a.ip.split('.').join('/')}/`]);
  return keys.split('\n').filter((key) => marks.some((mark) => key.includes(mark)));
}

function inSubnet(ip: string, subnet: string): boolean {
  return ip.startsWith(subnet.replace(/0\/24$/, '')) && /\.(\d+)$/.test(ip);
}

beforeAll(async () => {
  cni = await startCniCluster(3);
  for (let h = 1; h <= 3; h++) conflistOf.set(h, hostOf(h).conflist('10-weft.conflist', smallestConflist));
});

afterAll(async () => {
  if (cni === undefined) return;
  const left = await cni.teardown();
  expect(left).toEqual({ namespaces: [], links: [] });
});

describe('weft-cni in a 3-host cluster, through the reference runtime', () => {
  it('attaches two containers per host with addresses from the host\'s own subnet', async () => {
    for (let h = 1; h <= 3; h++) {
      const subnet = cni.cluster.subnetOf(h);
      for (let m = 1; m <= 2; m++) {
        const name = `web-h${h}-${m}`;
        const container = await cni.containers.create(h);
        const add = await cniAttachment('add', container, conflistOf.get(h)!, options(h, name, container.containerID));
        expect(add.ok, describeRun(`ADD ${name} on host ${h} (weft-cni via ${hostOf(h).installedBy})`, add)).toBe(true);
        const ips = (add.json?.ips ?? []) as { address: string }[];
        expect(ips, JSON.stringify(add.json)).toHaveLength(1);
        const ip = ips[0]!.address.split('/')[0]!;
        expect(inSubnet(ip, subnet), `${ip} in ${subnet}`).toBe(true);
        expect((await addressesOf(container.name, 'eth0')).map((a) => a.split('/')[0])).toEqual([ip]);
        attached.push({ host: h, name, container, ip });
        everyone.push({ host: h, name, container, ip });
      }
    }
    expect(new Set(attached.map((a) => a.ip)).size).toBe(6);
  });

  it('CHECKs every attachment as the runtime does, from its cached result', async () => {
    expect(attached, 'every container attached').toHaveLength(6);
    for (const a of attached) {
      const check = await cniAttachment('check', a.container, conflistOf.get(a.host)!, options(a.host, a.name, a.container.containerID));
      expect(check.ok, describeRun(`CHECK ${a.name}`, check)).toBe(true);
    }
  });

  it('lets every container ping every container on the other hosts', async () => {
    expect(attached, 'every container attached').toHaveLength(6);
    const failures: string[] = [];
    for (const from of attached) {
      for (const to of attached) {
        if (to.host === from.host) continue;
        const ping = await cni.bed.ping(from.container.name, to.ip);
        if (!ping.ok) failures.push(`${from.name} -> ${to.name} (${to.ip}): ${ping.output}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers every container\'s name (A, PTR) through weft\'s DNS from every host, with dig and nslookup', async () => {
    expect(attached, 'every container attached').toHaveLength(6);
    for (let h = 1; h <= 3; h++) {
      const ns = cni.bed.host(h).ns;
      for (const a of attached) {
        const fqdn = `${a.name}.${dnsZone}`;
        const answer = await eventually(`A ${fqdn} from host ${h}`, () => digA(cni.bed, ns, '127.0.0.1', fqdn), (r) => r.addresses.includes(a.ip));
        expect(answer).toEqual({ status: 'NOERROR', addresses: [a.ip] });
        const ptr = await cni.bed.exec(ns, 'dig', ['@127.0.0.1', '+time=2', '+tries=1', '+short', '-x', a.ip]);
        expect(ptr.stdout.trim().split('\n'), `PTR ${a.ip} from host ${h}`).toContain(`${fqdn}.`);
        const lookup = await cni.bed.exec(ns, 'nslookup', ['-timeout=2', fqdn, '127.0.0.1']);
        expect(lookup.stdout, `nslookup ${fqdn} on host ${h}`).toContain(`Address: ${a.ip}`);
      }
    }
    // The leak checks below look for exactly these keys: they must be found while the names live.
    const keys = dnsKeysOf(await cni.etcdctl(['get', '--prefix', '--keys-only', '/skydns/']), attached);
    expect(keys.length, keys.join('\n')).toBe(attached.length * 2);
  });

  it('registers the runtime\'s aliases as podman passes them (runtimeConfig.aliases: network name -> names)', async () => {
    // libcni hands `aliases` only to a plugin declaring the capability; podman's CNI backend (and
    // the dnsname plugin reading it) key the list by network name.
    const h = 3;
    const list = hostOf(h).conflist('20-weft-aliases.conflist', { ...smallestConflist, plugins: [{ type: 'weft-cni', capabilities: { aliases: true } }] });
    const container = await cni.containers.create(h);
    const opts = hostOf(h).driverOptions({ args: podArgs('db', container.containerID), capabilityArgs: { aliases: { weft: ['db-primary', 'postgres'] } } });
    const add = await cniAttachment('add', container, list, opts);
    expect(add.ok, describeRun('ADD db with aliases', add)).toBe(true);
    const ip = ((add.json?.ips ?? []) as { address: string }[])[0]?.address.split('/')[0] ?? '';
    for (const name of ['db', 'db-primary', 'postgres']) {
      const answer = await eventually(`A ${name} from host 1`, () => digA(cni.bed, cni.bed.host(1).ns, '127.0.0.1', `${name}.${dnsZone}`), (r) => r.addresses.includes(ip));
      expect(answer.addresses).toEqual([ip]);
    }
    const del = await cniAttachment('del', container, list, opts);
    expect(del.ok, describeRun('DEL db with aliases', del)).toBe(true);
    for (const name of ['db', 'db-primary', 'postgres']) {
      await eventually(`NXDOMAIN for ${name} from host 2`, () => digA(cni.bed, cni.bed.host(2).ns, '127.0.0.1', `${name}.${dnsZone}`), (r) => r.status === 'NXDOMAIN');
    }
    await cni.containers.remove(container);
  });

  it('answers STATUS (CNI 1.1) with success on a host whose daemon is ready', async () => {
    for (let h = 1; h <= 3; h++) {
      const status = await cniStatus(conflistOf.get(h)!, hostOf(h).driverOptions());
      expect(status.ok, describeRun(`STATUS on host ${h}`, status)).toBe(true);
    }
  });

  it('DEL removes the name (NXDOMAIN from every host), the address and the veth; a second DEL succeeds', async () => {
    expect(attached, 'every container attached').toHaveLength(6);
    const gone = attached.find((a) => a.host === 2)!;
    const host = hostOf(2);
    const del = await cniAttachment('del', gone.container, conflistOf.get(2)!, options(2, gone.name, gone.container.containerID));
    expect(del.ok, describeRun(`DEL ${gone.name}`, del)).toBe(true);
    for (let h = 1; h <= 3; h++) {
      const answer = await eventually(`NXDOMAIN for ${gone.name} from host ${h}`, () => digA(cni.bed, cni.bed.host(h).ns, '127.0.0.1', `${gone.name}.${dnsZone}`), (r) => r.status === 'NXDOMAIN');
      expect(answer.addresses).toEqual([]);
    }
    expect(await linksIn(gone.container.name)).toEqual(['lo']);
    expect(host.allocations('weft').filter((line) => line.includes(gone.container.containerID))).toEqual([]);
    const again = await cniAttachment('del', gone.container, conflistOf.get(2)!, options(2, gone.name, gone.container.containerID));
    expect(again.ok, describeRun(`second DEL ${gone.name}`, again)).toBe(true);
    // The runtime deletes the netns; DEL once more, with the namespace gone, still succeeds.
    await cni.containers.remove(gone.container);
    const afterNetns = await cniAttachment('del', gone.container, conflistOf.get(2)!, options(2, gone.name, gone.container.containerID));
    expect(afterNetns.ok, describeRun(`DEL ${gone.name} after its netns is gone`, afterNetns)).toBe(true);
    attached.splice(attached.indexOf(gone), 1);
    // The other container of host 2 is still reachable by name from host 1.
    const other = attached.find((a) => a.host === 2)!;
    expect((await digA(cni.bed, cni.bed.host(1).ns, '127.0.0.1', `${other.name}.${dnsZone}`)).addresses).toEqual([other.ip]);
  });

  it('DELs everything and leaves no allocation, veth, name or cached result behind', async () => {
    expect(everyone, 'every container attached').toHaveLength(6);
    for (const a of attached) {
      const del = await cniAttachment('del', a.container, conflistOf.get(a.host)!, options(a.host, a.name, a.container.containerID));
      expect(del.ok, describeRun(`DEL ${a.name}`, del)).toBe(true);
      expect(await linksIn(a.container.name)).toEqual(['lo']);
    }
    for (let h = 1; h <= 3; h++) {
      expect(hostOf(h).allocations('weft'), `host-local allocations on host ${h}`).toEqual([]);
      expect(await pluginVeths(cni.bed.host(h).ns, [cni.bed.host(h).link]), `veths on host ${h}`).toEqual([]);
    }
    const leftKeys = await eventually('no container name or PTR left in etcd', async () => dnsKeysOf(await cni.etcdctl(['get', '--prefix', '--keys-only', '/skydns/']), everyone), (keys) => keys.length === 0);
    expect(leftKeys).toEqual([]);
    for (const a of attached) {
      const answer = await eventually(`NXDOMAIN for ${a.name}`, () => digA(cni.bed, cni.bed.host(1).ns, '127.0.0.1', `${a.name}.${dnsZone}`), (r) => r.status === 'NXDOMAIN');
      expect(answer.addresses).toEqual([]);
    }
  });

  it('with the daemon down: STATUS is 50, ADD is 11 ("try again later") and leaves nothing; both recover with it', async () => {
    const h = 3;
    const host = hostOf(h);
    const list = conflistOf.get(h)!;
    expect(await cni.cluster.stopDaemon(h)).toBe(0);
    const status = await cniStatus(list, host.driverOptions());
    expect(status.json?.code, describeRun('STATUS with the daemon down', status)).toBe(50);
    const container = await cni.containers.create(h);
    const add = await cniAttachment('add', container, list, options(h, 'late', container.containerID));
    expect(add.json?.code, describeRun('ADD with the daemon down', add)).toBe(11);
    expect(await linksIn(container.name)).toEqual(['lo']);
    expect(host.allocations('weft')).toEqual([]);
    expect(await pluginVeths(cni.bed.host(h).ns, [cni.bed.host(h).link])).toEqual([]);
    const del = await cniAttachment('del', container, list, options(h, 'late', container.containerID));
    expect(del.ok, describeRun('DEL after the failed ADD', del)).toBe(true);
    await cni.cluster.startDaemon(h);
    const again = await cniStatus(list, host.driverOptions());
    expect(again.ok, describeRun('STATUS with the daemon back', again)).toBe(true);
    const retry = await cniAttachment('add', container, list, options(h, 'late', container.containerID));
    expect(retry.ok, describeRun('ADD with the daemon back', retry)).toBe(true);
    const cleanup = await cniAttachment('del', container, list, options(h, 'late', container.containerID));
    expect(cleanup.ok, describeRun('DEL', cleanup)).toBe(true);
    expect(host.allocations('weft')).toEqual([]);
    await cni.containers.remove(container);
  });
});
