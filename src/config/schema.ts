// The one schema of the daemon config. Every default lives here and nowhere else; the TOML file,
// `WEFT_<SECTION>_<KEY>` environment variables and `--<section>-<key>` flags are all derived from it.
import { boolean, duration, fileMode, integer, list, oneOf, string, type Field } from './fields.ts';

function endpointProblem(item: string): string | undefined {
  try {
    const url = new URL(item);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `endpoint "${item}" must start with http:// or https://`;
    return undefined;
  } catch {
    return `endpoint "${item}" is not a URL (expected e.g. http://127.0.0.1:2379)`;
  }
}

function listenProblem(item: string): string | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s]*):(\d{1,5})$/.exec(item);
  const port = Number(match?.[2] ?? -1);
  return match === null || port > 65535 ? `"${item}" is not an ADDRESS:PORT listen address` : undefined;
}

export const schema = {
  daemon: {
    state_dir: string('/var/lib/weft', 'Directory for state that must survive restarts (VTEP MAC, last subnet).'),
    shutdown_timeout: duration('10s', '100ms', 'How long areas may take to stop on SIGTERM before the daemon exits anyway.'),
  },
  etcd: {
    endpoints: list(['http://127.0.0.1:2379'], 'etcd client URLs; several for a cluster.', { check: endpointProblem }),
    dial_timeout: duration('5s', '100ms', 'How long to wait for etcd to answer before a request fails.'),
    failover_timeout: duration('2s', '100ms', 'With several endpoints: how long a try of a request waits for one member before it goes to another it has not tried (a dead or partitioned member costs this much); the last untried member gets dial_timeout.'),
    ca_file: string('', 'PEM CA bundle that signed the etcd server certificates (TLS).', { flag: 'etcd-cafile' }),
    cert_file: string('', 'PEM client certificate for etcd (mutual TLS).', { flag: 'etcd-certfile' }),
    key_file: string('', 'PEM client key for etcd (mutual TLS).', { flag: 'etcd-keyfile' }),
    username: string('', 'etcd user (authentication).'),
    password: string('', 'etcd password (authentication).'),
    host_lease_ttl: duration('60s', '2s', 'TTL of the host lease that records written by this host (DNS names) are attached to.'),
    password_file: string('', 'File holding the etcd password (one trailing newline ignored); keeps it out of argv and the environment.'),
    keepalive_time: duration('6s', '1s', 'gRPC keep-alive ping interval while watches are open; keep it at or above etcd\'s --grpc-keepalive-min-time (5s).'),
    keepalive_timeout: duration('2s', '1s', 'How long a keep-alive ping may go unanswered before the etcd connection counts as dead.'),
  },
  subnet: {
    enabled: boolean(true, 'Lease a subnet of the cluster network for this host (what flanneld does).'),
    etcd_prefix: string('/coreos.com/network', 'etcd prefix of the network config and leases (flannel layout).', { flag: 'etcd-prefix' }),
    public_ip: string('', "This host's IPv4 address on the underlay (flanneld --public-ip); default: the address of the interface chosen by iface, iface_regex or iface_can_reach. Alone, it also picks the interface that has it.", { flag: 'public-ip' }),
    public_ipv6: string('', "This host's IPv6 address on the underlay, for EnableIPv6 (flanneld --public-ipv6); default: the first global IPv6 address of the chosen interface.", { flag: 'public-ipv6' }),
    iface: list([], 'Underlay interfaces, by name or IPv4 address, tried in order (flanneld --iface, repeatable); default: the interface of the default route.', { flag: 'iface' }),
    iface_regex: list([], "Regular expressions tried in order after iface, each against the interfaces' IPv4 addresses, then their names (flanneld --iface-regex, repeatable).", { flag: 'iface-regex', split: false }),
    iface_can_reach: string('', 'Use the interface of the route to this IPv4 address (`ip route get`), after iface and iface_regex (flanneld --iface-can-reach).', { flag: 'iface-can-reach' }),
    subnet_file: string('/run/flannel/subnet.env', "Where flannel-format subnet.env is written (flannel's path: its CNI plugin, mk-docker-opts.sh and Docker drop-ins read it).", { flag: 'subnet-file' }),
    ip_masq: boolean(false, 'Masquerade traffic leaving the cluster network.', { flag: 'ip-masq' }),
    lease_ttl: duration('24h', '2s', "TTL of the subnet lease in etcd (weft's own setting: flanneld's is fixed at 24h).", { flag: 'subnet-lease-ttl' }),
  },
  overlay: {
    enabled: boolean(true, 'Program the VXLAN overlay from the subnet leases.'),
    device: string('', "VXLAN device name; default: flanneld's flannel.<VNI> if it is there (taken over in place), else weft.<VNI>."),
    mtu: integer(0, 0, 65535, "MTU of the VXLAN device as is; 0: the network config's Backend.MTU (else the underlay's) minus 50, as flannel."),
    resync_interval: duration('30s', '1s', 'How often the kernel state is compared with the leases and repaired.'),
    ip_masq_cleanup: boolean(false, 'Remove the WEFT-* ip-masq and forward chains on clean shutdown (flannel never does: containers keep talking across a restart).'),
    ip_masq_random_fully: boolean(true, 'MASQUERADE with --random-fully where iptables has it (≥ 1.6.2), as flanneld; false: flanneld --ip-masq-fully-random-disable.'),
    iptables_forward_rules: boolean(true, 'Accept forwarding to and from the cluster network in FORWARD (flannel --iptables-forward-rules; Docker sets its policy to DROP).', { flag: 'iptables-forward-rules' }),
    ip_blackhole_route: boolean(false, "Keep a blackhole route for this host's own subnet, so traffic to an unused address of it is dropped, not sent out the default route (flanneld --ip-blackhole-route; for hosts where no bridge holds the subnet).", { flag: 'ip-blackhole-route' }),
  },
  dns: {
    enabled: boolean(false, 'Serve container and service names from etcd.'),
    listen: list(['127.0.0.1:53'], 'UDP and TCP listen addresses (ADDRESS:PORT).', { check: listenProblem }),
    zones: list(['weft.internal.'], 'Zones answered from etcd.', { flag: 'dns-zone' }),
    path: string('/skydns', 'etcd prefix of the SkyDNS record layout.'),
    upstreams: list([], 'Upstream resolvers for other names; default: /etc/resolv.conf.', { flag: 'dns-upstream' }),
    forward: boolean(true, 'Forward names outside our zones to the upstreams.'),
    allow: list([], 'Networks allowed to recurse; default loopback and the cluster network.'),
    edns_buffer: integer(1232, 512, 65535, 'EDNS0 UDP buffer size advertised and honoured.'),
    ttl: integer(300, 0, 2147483647, 'TTL of zone values that set none (CoreDNS etcd: 300).', { flag: 'dns-ttl' }),
    skydns_config: boolean(true, 'Apply SkyDNS\'s settings key <path>/config (domain, ttl, min_ttl, hostmaster, priority, nameservers, no_rec, read_timeout) where [dns] keeps its default.'),
    min_lease_ttl: duration('30s', '0s', 'Least TTL a key\'s etcd lease contributes to its answers (CoreDNS etcd min-lease-ttl).'),
    max_lease_ttl: duration('24h', '1s', 'Most TTL a key\'s etcd lease contributes to its answers (CoreDNS etcd max-lease-ttl).'),
    register_ttl: integer(30, 0, 2147483647, 'TTL written into names registered through the admin API.'),
    forward_timeout: duration('2s', '50ms', 'How long one upstream may take before the next is asked.'),
    cache_size: integer(10000, 0, 10000000, 'Entries in each of the answer and forward caches (0: no forward cache).'),
    workers: integer(0, 0, 64, 'Extra threads answering UDP on the same ports (SO_REUSEPORT); each holds a copy of the zone.'),
    register_allow: list([], 'Networks whose addresses may be registered through the admin API besides the cluster network.'),
    cache_max_bytes: integer(33554432, 65536, 4294967296, 'Bytes held by each of the answer and forward caches (per thread).'),
    cache_entry_max_bytes: integer(16384, 512, 65535, 'Responses larger than this are never cached.'),
    tcp_max_connections: integer(1000, 1, 1000000, 'Open DNS-over-TCP connections, all clients together.'),
    tcp_max_connections_per_client: integer(32, 1, 1000000, 'Open DNS-over-TCP connections from one client address.'),
    tcp_idle_timeout: duration('10s', '100ms', 'A TCP connection without a complete query for this long is closed.'),
    tcp_frame_timeout: duration('5s', '100ms', 'A query whose first byte came this long ago and is still incomplete closes its connection.'),
    tcp_connection_timeout: duration('5m', '1s', 'A TCP connection is closed this long after it opened, however busy.'),
    tcp_max_pending: integer(64, 1, 65535, 'Queries of one TCP connection being answered before reading from it pauses.'),
    tcp_write_buffer: integer(65536, 1024, 16777216, 'Bytes of answers a TCP client has not read yet before reading from it pauses.'),
  },
  templates: {
    enabled: boolean(false, 'Render confd template resources from etcd.'),
    confdir: string('/etc/weft/confd', 'confd-style directory with conf.d/ and templates/.'),
    prefix: string('', "Global key prefix: replaces each resource's prefix (confd 0.16), or is joined with it (prefix_mode = \"join\")."),
    prefix_mode: oneOf(['replace', 'join'], 'replace', 'How the global prefix meets a resource\'s own: "replace" (confd 0.16) or "join" (/global/resource, confd 0.9).'),
    check_timeout: duration('60s', '100ms', "How long a resource's check_cmd may run before it counts as failed (and is killed)."),
    reload_timeout: duration('60s', '100ms', "How long a resource's reload_cmd may run before it counts as failed (and is killed)."),
  },
  proxy: {
    enabled: boolean(false, 'Run the HTTP reverse proxy.'),
    listen: list(['127.0.0.1:8080'], 'HTTP listen addresses (ADDRESS:PORT).', { check: listenProblem }),
    tls_listen: list([], 'HTTPS listen addresses (ADDRESS:PORT); certificates come from the route file ([[tls.certificates]]).', { check: listenProblem }),
    route_file: string('/run/weft/routes.toml', 'Route file (Traefik v3 file-provider format, TOML) the proxy serves and reloads on change.'),
    trusted_ips: list([], 'Networks (CIDR) whose X-Forwarded-* headers are kept; from anyone else they are replaced.'),
    workers: integer(0, 0, 64, 'Extra threads accepting on the same ports (SO_REUSEPORT), for machines with cores to spare.'),
    dial_timeout: duration('30s', '100ms', 'How long connecting to an upstream server may take before the request gets 502 (Traefik dialTimeout).'),
    response_header_timeout: duration('60s', '100ms', 'How long an upstream may take to send response headers before the request gets 504.'),
    upstream_idle_timeout: duration('90s', '1s', 'How long an idle upstream connection is kept for reuse (Traefik idleConnTimeout).'),
    read_timeout: duration('60s', '1s', 'How long a client may take to send a whole request, body included (Traefik readTimeout).'),
    headers_timeout: duration('10s', '100ms', 'How long a client may take to send the request line and headers (slow clients are cut off).'),
    idle_timeout: duration('180s', '1s', 'How long an idle client keep-alive connection stays open (Traefik idleTimeout).'),
    max_header_bytes: integer(16384, 1024, 1048576, 'Largest request line plus headers accepted; larger gets 431.'),
    max_body_bytes: integer(0, 0, 1099511627776, 'Largest request body accepted (0: no limit, as Traefik); larger gets 413.'),
    max_connections: integer(10000, 1, 1000000, 'Client connections open at once per listener; more are refused.'),
    drain_timeout: duration('30s', '1s', 'How long a server removed from the route file keeps its in-flight requests before its connections are closed.'),
    access_log: boolean(true, 'One JSON line per request on stdout (pino, event proxy_access).'),
    services: boolean(true, 'Render the services keyspace (services.prefix) into route_file with the shipped confd resource (needs etcd).'),
  },
  services: {
    enabled: boolean(true, 'Offer service registration on the admin socket (POST/DELETE /v1/services/<name>/servers), written under this host\'s etcd lease.'),
    prefix: string('/weft/services', 'etcd prefix of the services keyspace: <prefix>/<service>/config and <prefix>/<service>/servers/<id>.'),
    register_allow: list([], 'Networks whose addresses may be registered as servers besides the cluster network.'),
  },
  admin: {
    socket: string('/run/weft/weft.sock', 'Unix socket of the admin API (mode from socket_mode).'),
    socket_mode: fileMode(0o600, 'Permissions of the admin socket, octal.'),
    listen: string('', 'Optional TCP ADDRESS:PORT for the admin API (health, metrics); empty: off.', { flag: 'admin-listen' }),
    max_connections: integer(64, 1, 65535, 'Open connections each admin listener accepts; more are closed at once.'),
    headers_timeout: duration('5s', '100ms', 'How long an admin client may take to send its request headers.'),
    request_timeout: duration('15s', '100ms', 'How long an admin client may take to send its whole request.'),
  },
  log: {
    level: oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal'], 'info', 'Minimum level of the log lines.'),
    format: oneOf(['json', 'text'], 'json', 'json: one JSON object a line; text: "LEVEL [area] message key=value" for people. Under journald (JOURNAL_STREAM) each line starts with its syslog priority, <4> for warn.'),
  },
} as const satisfies Record<string, Record<string, Field<unknown>>>;

export type Schema = typeof schema;
export type SectionName = keyof Schema;
type FieldValue<F> = F extends Field<infer T> ? T : never;
export type Config = {
  readonly [S in SectionName]: { readonly [K in keyof Schema[S]]: FieldValue<Schema[S][K]> };
};

export function fieldFlag(section: string, key: string, field: Field<unknown>): string {
  return field.flag ?? `${section}-${key.replaceAll('_', '-')}`;
}

export function fieldEnv(section: string, key: string): string {
  return `WEFT_${section.toUpperCase()}_${key.toUpperCase()}`;
}

export function defaults(): Config {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [section, fields] of Object.entries(schema)) {
    out[section] = Object.fromEntries(Object.entries(fields).map(([key, field]) => [key, (field as Field<unknown>).default]));
  }
  return out as Config;
}
