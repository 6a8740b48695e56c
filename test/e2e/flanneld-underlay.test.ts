// flanneld's ways of naming the underlay, each on its own host of a real 3-host overlay: --public-ip
// alone (the interface that has it is the underlay, as flanneld), --iface-regex on the address, and
// --iface-can-reach. Before, --public-ip alone left the overlay without an interface, not ready.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest } from '../../src/admin/client.ts';
import { startCluster, type WeftCluster } from '../harness/cluster.ts';
import { leftovers, UNDERLAY_IP, type Host } from '../harness/netns.ts';

let cluster: WeftCluster | undefined;
let prefix = '';

const underlay = (host: Host): string[] => {
  if (host.index === 1) return ['-public-ip', host.ip];
  if (host.index === 2) return ['--iface-regex', `^${host.ip.replaceAll('.', '\\.')}$`];
  return ['--iface', 'weftnosuch0', '--iface-can-reach', UNDERLAY_IP];
};

beforeAll(async () => {
  const started = await startCluster({ hosts: 3, containersPerHost: 1, underlayArgs: underlay });
  cluster = started;
  prefix = started.bed.prefix;
});

afterAll(async () => {
  if (cluster === undefined) return; // startCluster removed what it had made; prefix '' would list other runs'
  await cluster.teardown();
  expect(await leftovers(prefix)).toEqual({ namespaces: [], links: [] });
});

describe('flanneld underlay flags on a 3-host overlay', () => {
  it('finds each host\'s underlay interface and address, and every container reaches every other', async () => {
    if (cluster === undefined) throw new Error('no cluster');
    for (const h of cluster.hosts) {
      const status = (await adminRequest(h.socket, 'GET', '/v1/status')).body as { areas: { subnet: { status: { publicIP: string; iface: string } }; overlay: { ready: boolean } } };
      expect(status.areas.subnet.status).toMatchObject({ publicIP: h.host.ip, iface: h.host.link });
      expect(status.areas.overlay.ready).toBe(true);
    }
    const failures: string[] = [];
    for (const from of cluster.bed.containers) {
      for (const to of cluster.bed.containers) {
        if (to.hostIndex === from.hostIndex) continue;
        const result = await cluster.bed.ping(from.ns, cluster.containerIP(to));
        if (!result.ok) failures.push(`${from.ns} -> ${to.ns}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
