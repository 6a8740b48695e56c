// Every area passes the lifecycle contract of src/area.ts (test/harness/area-conformance.ts),
// built the way the daemon builds it, against a real etcd.
import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe } from 'vitest';
import { createAdminArea } from '../../src/admin/index.ts';
import { defaults, type Config } from '../../src/config/index.ts';
import { createDnsArea } from '../../src/dns/index.ts';
import { createEtcdArea, etcdHandle } from '../../src/etcd/index.ts';
import { silentLogger } from '../../src/log.ts';
import { createOverlayArea, type OverlayView } from '../../src/overlay/index.ts';
import { createProxyArea } from '../../src/proxy/index.ts';
import { createServicesArea } from '../../src/services/index.ts';
import type { Runner } from '../../src/overlay/iptables.ts';
import { createMemoryIptables } from '../../src/overlay/memory-iptables.ts';
import { createMemoryBackend } from '../../src/overlay/memory-backend.ts';
import { createSubnetArea } from '../../src/subnet/index.ts';
import { createTemplatesArea } from '../../src/templates/index.ts';
import { areaConformance, type AreaFixture } from '../harness/area-conformance.ts';
import { startEtcd, type EtcdCluster } from '../harness/etcd.ts';
import { currentRevision, testClient } from '../harness/etcd-client.ts';

let cluster: EtcdCluster;
let reader: Etcd3;
let serial = 0;
beforeAll(async () => {
  cluster = await startEtcd();
  reader = testClient(cluster.endpoints);
});
afterAll(async () => {
  reader.close();
  await cluster.destroy();
});

/** A config for one fixture: its own temp dir and etcd prefixes, the test etcd. */
function fixtureConfig(): { config: Config; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'weft-conformance-'));
  const n = ++serial;
  const base = defaults();
  const config: Config = {
    ...base,
    daemon: { ...base.daemon, state_dir: join(dir, 'state') },
    etcd: { ...base.etcd, endpoints: [...cluster.endpoints], dial_timeout: 2000, host_lease_ttl: 5000 },
    admin: { ...base.admin, socket: join(dir, 'admin.sock') },
    subnet: { ...base.subnet, etcd_prefix: `/conformance/${n}/network`, public_ip: '127.0.0.1', subnet_file: join(dir, 'subnet.env'), lease_ttl: 10_000 },
    overlay: { ...base.overlay, resync_interval: 60_000 },
    dns: { ...base.dns, enabled: true, listen: ['127.0.0.1:0'], forward: false, path: `/conformance/${n}/skydns` },
    templates: { ...base.templates, enabled: true, confdir: join(dir, 'confd'), prefix: `/conformance/${n}/app` },
    services: { ...base.services, prefix: `/conformance/${n}/services` },
  };
  return { config, dir };
}

/** The files under the fixture's dir and etcd's revision: what construction must not change. */
async function outside(dir: string): Promise<unknown> {
  return { files: readdirSync(dir, { recursive: true }).map(String).sort(), revision: await currentRevision(reader) };
}

function withEtcd(build: (config: Config, client: Etcd3) => AreaFixture['build'], options: { becomesReady: boolean; prepare?: (config: Config, client: Etcd3) => Promise<void> }) {
  return async (): Promise<AreaFixture> => {
    const { config, dir } = fixtureConfig();
    const client = testClient(cluster.endpoints);
    await options.prepare?.(config, client);
    return {
      build: build(config, client),
      observe: () => outside(dir),
      becomesReady: options.becomesReady,
      async dispose() {
        client.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  };
}

describe('admin', () => {
  areaConformance(async () => {
    const { config, dir } = fixtureConfig();
    const hooks = { readiness: () => ({ ready: true, areas: {} }), status: () => ({}), registries: () => [], routes: () => [] };
    return {
      build: () => createAdminArea({ config, logger: silentLogger, hooks }),
      observe: () => outside(dir),
      becomesReady: true,
      cleanedUp: async () => !readdirSync(dir).includes('admin.sock'),
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  });
});

describe('etcd', () => {
  areaConformance(async () => {
    const { config, dir } = fixtureConfig();
    return { build: () => createEtcdArea({ config, logger: silentLogger }), observe: () => outside(dir), becomesReady: true, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
  });
});

describe('subnet', () => {
  areaConformance(withEtcd((config, client) => () => createSubnetArea({ config, etcd: etcdHandle(client), logger: silentLogger, machineSeed: `conformance-${serial}` }), {
    becomesReady: true,
    prepare: async (config, client) => {
      await client.put(`${config.subnet.etcd_prefix}/config`).value('{"Network":"10.77.0.0/16","Backend":{"Type":"vxlan","VNI":1}}');
    },
  }));
});

describe('dns', () => {
  areaConformance(withEtcd((config, client) => () => createDnsArea({ config, etcd: etcdHandle(client), logger: silentLogger }), { becomesReady: true }));
});

describe.each([true, false])('services (watch = %s)', (watch) => {
  areaConformance(withEtcd((config, client) => () => createServicesArea({ config, etcd: etcdHandle(client), logger: silentLogger, clusterNetworks: () => ['10.77.0.0/16'], watch }), {
    becomesReady: true,
    prepare: async (config, client) => {
      await client.put(`${config.services.prefix}/web/config`).value('{"rule":"Host(`web.test`)"}');
      await client.put(`${config.services.prefix}/web/servers/a`).value('{"url":"http://10.77.1.2:80"}');
    },
  }));
});

describe('templates', () => {
  areaConformance(withEtcd((config, client) => () => createTemplatesArea({ config, etcd: etcdHandle(client), logger: silentLogger }), {
    becomesReady: true,
    prepare: async (config) => {
      mkdirSync(join(config.templates.confdir, 'conf.d'), { recursive: true });
      mkdirSync(join(config.templates.confdir, 'templates'), { recursive: true });
      writeFileSync(join(config.templates.confdir, 'templates', 'app.tmpl'), 'value={{getv "/key"}}\n');
      writeFileSync(join(config.templates.confdir, 'conf.d', 'app.toml'), `[template]\nsrc = "app.tmpl"\ndest = "${join(config.templates.confdir, 'app.conf')}"\nkeys = ["/key"]\n`);
    },
  }));
});

/** iptables as the overlay's rules see it (in memory), with a switch to slow it down. */
function fakeIptables(): { run: Runner; empty: () => boolean; mode: { value: 'fast' | 'slow' | 'hang' } } {
  const ipt = createMemoryIptables();
  const mode = { value: 'fast' as 'fast' | 'slow' | 'hang' };
  const run: Runner = async (command, args, input) => {
    if (mode.value === 'hang') await new Promise(() => undefined);
    if (mode.value === 'slow') await new Promise((resolve) => setTimeout(resolve, 100));
    return ipt.run(command, args, input);
  };
  const empty = (): boolean => ipt.chain('nat', 'WEFT-POSTROUTING') === undefined && ipt.chain('filter', 'WEFT-FORWARD') === undefined
    && ipt.chain('nat', 'POSTROUTING')?.length === 0 && ipt.chain('filter', 'FORWARD')?.length === 0;
  return { run, empty, mode };
}

describe('overlay', () => {
  areaConformance(async () => {
    const { config: base, dir } = fixtureConfig();
    const config: Config = { ...base, subnet: { ...base.subnet, ip_masq: true }, overlay: { ...base.overlay, ip_masq_cleanup: true } };
    const iptables = fakeIptables();
    const view: OverlayView = {
      self: { subnet: '10.77.1.0/24', publicIP: '10.0.0.1', backendType: 'vxlan', vni: 1, vtepMAC: '02:00:00:00:01:01' },
      peers: [{ subnet: '10.77.2.0/24', publicIP: '10.0.0.2', backendType: 'vxlan', vni: 1, vtepMAC: '02:00:00:00:01:02' }],
      network: { cidr: '10.77.0.0/16', backendType: 'vxlan', port: 0, mtu: 0, directRouting: false },
      underlay: { iface: 'eth0', publicIP: '10.0.0.1' },
    };
    // The feed the daemon builds from the subnet area, as plain data; it speaks only once subscribed.
    const feed = { subscribe: (listener: (v: OverlayView) => void) => { const t = setTimeout(() => listener(view), 10); return () => clearTimeout(t); } };
    return {
      build: () => createOverlayArea({ config, logger: silentLogger, leases: feed, backend: () => createMemoryBackend(), iptables: iptables.run }),
      observe: () => outside(dir),
      becomesReady: true,
      cleanedUp: async () => iptables.empty(),
      slowDown: (mode) => (iptables.mode.value = mode),
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  });
});

/** A loopback port free right now (the proxy fixture needs to know it to see it closed after stop). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

describe.each([0, 1])('proxy (workers = %i)', (workers) => {
  areaConformance(async () => {
    const { config: base, dir } = fixtureConfig();
    const port = await freePort();
    const routeFile = join(dir, 'routes.toml');
    writeFileSync(routeFile, '[http.routers.web]\nrule = "Host(`web.test`)"\nservice = "web"\n\n[http.services.web.loadBalancer]\n[[http.services.web.loadBalancer.servers]]\nurl = "http://127.0.0.1:9"\n');
    const config: Config = { ...base, proxy: { ...base.proxy, enabled: true, listen: [`127.0.0.1:${port}`], route_file: routeFile, workers } };
    return {
      build: () => createProxyArea({ config, logger: silentLogger }),
      observe: () => outside(dir),
      becomesReady: true,
      cleanedUp: async () => !(await accepts(port)),
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  });
});
