// A stand-in weft host for the registration test: etcd client, host lease, the DNS area and the
// real admin API on a unix socket. Prints one JSON line when ready; the test SIGKILLs it.
// usage: node test/dns/registrar.ts ETCD_ENDPOINT SOCKET LEASE_TTL_MS
import { Registry } from 'prom-client';
import { AdminServer } from '../../src/admin/index.ts';
import { createDnsArea } from '../../src/dns/index.ts';
import { createEtcdClient, etcdHandle, HostLease } from '../../src/etcd/index.ts';
import { silentLogger } from '../../src/log.ts';
import { dnsConfig } from './harness.ts';

const [endpoint = '', socket = '', ttl = '2000'] = process.argv.slice(2);
const etcd = createEtcdClient({ endpoints: [endpoint], dial_timeout: 2000, ca_file: '', cert_file: '', key_file: '', username: '', password: '' });
const hostLease = new HostLease(etcd, { ttl: Number(ttl) });
await hostLease.start();
const area = createDnsArea({ config: dnsConfig(), etcd: etcdHandle(etcd, hostLease), logger: silentLogger, clusterNetworks: () => ['10.7.0.0/16', 'fd00::/64'] });
await area.start();
await area.synced();
const admin = new AdminServer(
  { socket, socketMode: 0o600, listen: '' },
  { readiness: () => ({ ready: area.ready(), areas: {} }), status: () => area.status(), registries: () => [new Registry()], routes: () => area.routes },
);
await admin.start();
process.stdout.write(`${JSON.stringify({ dnsPort: area.addresses[0]?.port, socket, leaseId: hostLease.id() })}\n`);
