// Story: three hosts run the overlay (fed leases directly, no etcd); every container reaches every
// container on the other hosts over VXLAN, and a peer that leaves takes its kernel state with it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestbed, leftovers, type Testbed } from '../harness/netns.ts';
import type { Lease } from '../../src/overlay/lease.ts';
import { containerIP, kernelView, leaseOf, startDriver, wireContainers, type Driver } from './overlay-cluster.ts';

let bed: Testbed;
let drivers: Driver[] = [];
let leases: Lease[] = [];

beforeAll(async () => {
  bed = await createTestbed({ hosts: 3, containersPerHost: 2 });
  for (const host of bed.hosts) await wireContainers(bed, host, host.index);
  drivers = await Promise.all(bed.hosts.map((host) => startDriver(bed, host)));
  leases = drivers.map((d) => leaseOf(d.host.index, d.host, d.vtepMAC));
  await Promise.all(drivers.map((d, i) => d.setLeases(leases[i]!, leases.filter((_, j) => j !== i))));
});

afterAll(async () => {
  await bed?.teardown();
  expect(await leftovers(bed.prefix)).toEqual({ namespaces: [], links: [] });
});

describe('overlay: 3 hosts × 2 containers over VXLAN', () => {
  it('gives every host a distinct VTEP MAC and a device as flannel would make it', async () => {
    expect(new Set(drivers.map((d) => d.vtepMAC)).size).toBe(3);
    const view = await kernelView(bed, bed.host(1));
    expect(view.link).toMatch(/vxlan id 1 local 10\.213\.0\.11 dev \S+ srcport \d+ \d+ dstport 8472 nolearning/);
    expect(view.link).toMatch(/mtu 1450/);
    expect(view.link).toContain(`link/ether ${drivers[0]!.vtepMAC}`);
    expect(view.routes.sort()).toEqual([
      '10.5.2.0/24 via 10.5.2.0 dev weft.1 onlink',
      '10.5.3.0/24 via 10.5.3.0 dev weft.1 onlink',
    ]);
    expect(view.neigh.sort()).toEqual([
      `10.5.2.0 lladdr ${drivers[1]!.vtepMAC} PERMANENT`,
      `10.5.3.0 lladdr ${drivers[2]!.vtepMAC} PERMANENT`,
    ].sort());
    expect(view.fdb.sort()).toEqual([
      `${drivers[1]!.vtepMAC} dst 10.213.0.12 self permanent`,
      `${drivers[2]!.vtepMAC} dst 10.213.0.13 self permanent`,
    ].sort());
    const addr = await bed.exec(bed.host(1).ns, 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'weft.1']);
    expect(addr.stdout).toContain('inet 10.5.1.0/32');
  });

  it('lets every container ping every container on the other hosts', async () => {
    const pairs = bed.containers.flatMap((from) => bed.containers.filter((to) => to.hostIndex !== from.hostIndex).map((to) => ({ from, to })));
    const results = [];
    for (const { from, to } of pairs) results.push(await bed.ping(from.ns, containerIP(to.hostIndex, to.index)));
    console.log(`overlay e2e: ${results.filter((r) => r.ok).length}/${pairs.length} cross-host container pings answered`);
    expect(results.filter((r) => !r.ok).map((r) => r.output)).toEqual([]);
    expect(pairs).toHaveLength(24);
  });

  it('removes a departed peer\'s route, neighbour and fdb entry, and keeps the others working', async () => {
    await drivers[0]!.setLeases(leases[0]!, [leases[1]!]);
    const view = await kernelView(bed, bed.host(1));
    expect(view.routes).toEqual(['10.5.2.0/24 via 10.5.2.0 dev weft.1 onlink']);
    expect(view.neigh).toEqual([`10.5.2.0 lladdr ${drivers[1]!.vtepMAC} PERMANENT`]);
    expect(view.fdb).toEqual([`${drivers[1]!.vtepMAC} dst 10.213.0.12 self permanent`]);
    expect((await bed.ping(bed.container(1, 1).ns, containerIP(3, 1))).ok).toBe(false);
    expect((await bed.ping(bed.container(1, 1).ns, containerIP(2, 1))).ok).toBe(true);
    await drivers[0]!.setLeases(leases[0]!, [leases[1]!, leases[2]!]);
    expect((await bed.ping(bed.container(1, 1).ns, containerIP(3, 1))).ok).toBe(true);
  });

  it('never touches routes it does not own: the container bridge route and a foreign route stay', async () => {
    const ns = bed.host(1).ns;
    await bed.exec(ns, 'ip', ['route', 'add', '10.5.200.0/24', 'via', '10.213.0.1']);
    await bed.exec(ns, 'ip', ['route', 'add', '192.168.77.0/24', 'via', '10.213.0.1']);
    await drivers[0]!.setLeases(leases[0]!, [leases[1]!, leases[2]!]);
    const routes = (await bed.exec(ns, 'ip', ['route'])).stdout;
    expect(routes).toContain('10.5.1.0/24 dev weftbr0 proto kernel scope link src 10.5.1.1');
    expect(routes).toContain('10.5.200.0/24 via 10.213.0.1');
    expect(routes).toContain('192.168.77.0/24 via 10.213.0.1');
  });
});
