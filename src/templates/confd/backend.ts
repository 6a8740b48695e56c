// What confd 0.16's main package decides about the backend before a template runs (config.go:
// initConfig, backends/client.go), for the one backend weft speaks: etcd's v3 API. Pure; the CLI
// does the SRV lookup and the file reads.

/** Flags confd defines only for other backends: refused, naming the backend they belong to. */
export const otherBackendFlags: Readonly<Record<string, string>> = {
  table: 'dynamodb',
  file: 'file',
  filter: 'file',
  separator: 'redis',
  'auth-type': 'vault',
  'app-id': 'vault',
  'user-id': 'vault',
  'role-id': 'vault',
  'secret-id': 'vault',
  path: 'vault',
};

const otherBackends = ['consul', 'dynamodb', 'env', 'file', 'rancher', 'redis', 'ssm', 'vault', 'zookeeper'];

/** Only etcd v3 is a backend weft speaks; anything else is a clear error. */
export function backendProblem(backend: string): string | undefined {
  if (backend === 'etcdv3') return undefined;
  if (backend === 'etcd' || backend === '') {
    return "backend 'etcd' (confd's default) is etcd's v2 API, which weft does not speak. The v2 keyspace is separate from the v3 one: " +
      'keys written with the v2 API (etcdctl with ETCDCTL_API=2, confd -backend etcd) are not visible through v3. ' +
      "Copy them into v3 with 'etcdctl migrate' (etcd before 3.5) or write them again with the v3 API (etcdctl put), then run with -backend etcdv3";
  }
  if (otherBackends.includes(backend)) return `backend '${backend}' is not supported by weft confd; only etcdv3 is (confd's ${backend} backend has no weft equivalent)`;
  return `backend '${backend}' is not supported by weft confd; only etcdv3 is`;
}

/** The flag's refusal, or undefined when weft confd takes it. */
export function otherBackendFlagProblem(flag: string): string | undefined {
  const backend = otherBackendFlags[flag];
  if (backend === undefined) return undefined;
  return `-${flag} is used only by confd's ${backend} backend; weft confd speaks etcdv3 only (use -node, -srv-domain or -srv-record for etcd)`;
}

/** confd: -srv-domain example.com without -srv-record looks up `_<backend>._tcp.example.com.`. */
export function srvRecordName(backend: string, srvDomain: string, srvRecord: string): string {
  if (srvRecord !== '') return srvRecord;
  return srvDomain === '' ? '' : `_${backend}._tcp.${srvDomain}.`;
}

export interface SrvTarget {
  readonly Target: string;
  readonly Port: number;
  readonly Priority: number;
  readonly Weight: number;
}

/**
 * SRV answers as confd turns them into nodes: `host:port` with the trailing dot dropped (IPv6 in
 * brackets, net.JoinHostPort). confd's etcdv3 backend adds no scheme (only its v2 backend prefixes
 * -scheme); the order is Go's (priority, then larger weight first, standing in for its weighted shuffle).
 */
export function nodesFromSrv(records: readonly SrvTarget[]): string[] {
  return [...records]
    .sort((a, b) => a.Priority - b.Priority || b.Weight - a.Weight)
    .map((r) => {
      const host = r.Target.replace(/\.+$/, '');
      return `${host.includes(':') ? `[${host}]` : host}:${r.Port}`;
    });
}

/**
 * A node without a scheme, as etcd's v3 client dials it: over TLS when confd built a TLS config
 * (a CA file, or a client certificate and key), else in the clear. `http://` and `https://` stay.
 */
export function nodeUrl(node: string, tls: { clientCaKeys: string; clientCert: string; clientKey: string }): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(node)) return node;
  const secure = tls.clientCaKeys !== '' || (tls.clientCert !== '' && tls.clientKey !== '');
  return `${secure ? 'https' : 'http'}://${node}`;
}

/** confd's processEnv: the CONFD_CLIENT_* variables fill only what neither a flag nor confd.toml set. */
export function confdEnv(env: Readonly<Record<string, string | undefined>>): { clientCaKeys?: string; clientCert?: string; clientKey?: string } {
  const out: { clientCaKeys?: string; clientCert?: string; clientKey?: string } = {};
  const { CONFD_CLIENT_CAKEYS: cakeys = '', CONFD_CLIENT_CERT: cert = '', CONFD_CLIENT_KEY: key = '' } = env;
  if (cakeys !== '') out.clientCaKeys = cakeys;
  if (cert !== '') out.clientCert = cert;
  if (key !== '') out.clientKey = key;
  return out;
}
