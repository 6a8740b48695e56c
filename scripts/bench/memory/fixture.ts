// The data the memory bench's daemon holds: flannel-format peer leases, SkyDNS names, services of
// the services keyspace and the keys of a confd directory of many resources. `writeFixture` runs
// inside the host namespace (etcd sits on the underlay), as a child process of the bench.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';

export interface FixtureSizes {
  readonly peers: number;
  readonly names: number;
  readonly services: number;
  readonly resources: number;
  /** Keys under each confd resource's prefix. */
  readonly keysPerResource: number;
}

/** Where the idle scenario's subnet area looks: the same network config, no peers. */
export const idlePrefix = '/weft-bench/idle/network';
export const dnsName = (i: number): string => `h${i}.bench.weft.internal`;
export const serviceHost = (i: number): string => `s${i}.bench.test`;

const hex = (b: number): string => b.toString(16).padStart(2, '0');

/** Peer `i`'s lease as flanneld writes it (10.100.0.0/24 upwards; never the host's own 10.x from init). */
export function peerLease(i: number): { key: string; value: string } {
  const n = i + 10;
  return {
    key: `/coreos.com/network/subnets/10.${100 + (n >> 8)}.${n & 255}.0-24`,
    value: JSON.stringify({ PublicIP: `172.16.${(n >> 8) & 255}.${n & 255}`, PublicIPv6: null, BackendType: 'vxlan', BackendData: { VNI: 1, VtepMAC: `0e:00:01:${hex((n >> 16) & 255)}:${hex((n >> 8) & 255)}:${hex(n & 255)}` } }),
  };
}

/** `count` resources, each rendering the keys under its own prefix into its own file in `dest`. */
export function writeConfdir(confdir: string, dest: string, count: number): void {
  mkdirSync(join(confdir, 'conf.d'), { recursive: true });
  mkdirSync(join(confdir, 'templates'), { recursive: true });
  mkdirSync(dest, { recursive: true });
  writeFileSync(join(confdir, 'templates', 'app.tmpl'), '{{range gets "/*"}}{{base .Key}} = {{.Value}}\n{{end}}');
  for (let r = 0; r < count; r++) {
    writeFileSync(join(confdir, 'conf.d', `app${r}.toml`), `[template]\nsrc = "app.tmpl"\ndest = "${join(dest, `app${r}.conf`)}"\nprefix = "/bench/confd/r${r}"\nkeys = ["/"]\n`);
  }
}

/** Puts everything in transactions of 100 (etcd's default limit is 128 operations). */
export async function writeFixture(client: Etcd3, sizes: FixtureSizes, backendUrl: string): Promise<void> {
  const pairs: { key: string; value: string }[] = [];
  const config = await client.get('/coreos.com/network/config').string();
  if (config === null) throw new Error('no network config at /coreos.com/network/config');
  pairs.push({ key: `${idlePrefix}/config`, value: config });
  for (let i = 0; i < sizes.peers; i++) pairs.push(peerLease(i));
  for (let i = 0; i < sizes.names; i++) pairs.push({ key: `/skydns/internal/weft/bench/h${i}`, value: JSON.stringify({ host: `10.${20 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}` }) });
  for (let i = 0; i < sizes.services; i++) {
    pairs.push({ key: `/weft/services/s${i}/config`, value: JSON.stringify({ rule: `Host(\`${serviceHost(i)}\`)` }) });
    pairs.push({ key: `/weft/services/s${i}/servers/a`, value: JSON.stringify({ url: backendUrl }) });
  }
  for (let r = 0; r < sizes.resources; r++) {
    for (let k = 0; k < sizes.keysPerResource; k++) pairs.push({ key: `/bench/confd/r${r}/key${k}`, value: `value-${r}-${k}` });
  }
  // Peer leases outlive the bench's writer (as a real peer's would, until its TTL).
  const lease = client.lease(3600, { autoKeepAlive: false });
  await lease.grant();
  for (let i = 0; i < pairs.length; i += 100) {
    const puts = pairs.slice(i, i + 100).map(({ key, value }) => (key.startsWith('/coreos.com/network/subnets/') ? lease.put(key).value(value) : client.put(key).value(value)));
    await client.if('/weft-bench/none', 'Version', '==', 0).then(...puts).commit();
  }
}
