// Every weft error carries a stable code from this registry; callers match on `code`, never on
// message text. docs/errors.md lists the same codes (src/errors.test.ts keeps the two in step).
export const errorCodes = {
  WEFT_E_CONFIG: 'The daemon configuration is invalid (file, environment or flags).',
  WEFT_E_CONFIG_FILE: 'The configuration file cannot be read or is not valid TOML.',
  WEFT_E_USAGE: 'The command line is wrong: unknown command, flag or missing argument.',
  WEFT_E_ETCD_CONFIG: 'The etcd client settings are unusable (endpoint URL, TLS files).',
  WEFT_E_ETCD_UNAVAILABLE: 'etcd did not answer within the dial timeout.',
  WEFT_E_WATCH: 'A prefix watch failed in a way it cannot recover from by itself.',
  WEFT_E_HOST_LEASE: 'The host lease could not be granted or kept alive.',
  WEFT_E_ADMIN_SOCKET: 'The admin socket cannot be created (path in use, permissions).',
  WEFT_E_ADMIN_LISTEN: 'The admin TCP listener cannot bind its address.',
  WEFT_E_ADMIN_READ_ONLY: 'A write (POST/PUT/DELETE/PATCH) reached the read-only admin TCP listener.',
  WEFT_E_ADMIN_REQUEST: 'An admin API request is malformed (path encoding, body not JSON or too large).',
  WEFT_E_AREA_START: 'An area failed to start; the daemon stops the areas already started.',
  WEFT_E_SHUTDOWN_TIMEOUT: 'An area did not stop before the shutdown deadline.',
  WEFT_E_TEMPLATE_PARSE: 'A Go template does not parse; the message carries template:line:col.',
  WEFT_E_TEMPLATE_EXEC: 'A Go template failed while executing (bad function call, missing key, ...).',
  WEFT_E_NETWORK_CONFIG: 'The flannel network config in etcd (<prefix>/config) is missing or invalid.',
  WEFT_E_NETWORK_EXISTS: "A network config already exists; 'weft network init' overwrites it only with --force.",
  WEFT_E_SUBNETS_EXHAUSTED: 'Every subnet between SubnetMin and SubnetMax is leased; no subnet for this host.',
  WEFT_E_LEASE_CONFLICT: 'Another host took the subnet lease this host wanted or held; weft picks again.',
  WEFT_E_LEASE_MALFORMED: 'A key or value under <prefix>/subnets/ is not a flannel lease; it is ignored.',
  WEFT_E_PUBLIC_IP: "This host's public (underlay) IPv4 address cannot be determined.",
  WEFT_E_VTEP_MAC: 'The VTEP MAC address given for the lease is not a unicast MAC.',
  WEFT_E_SUBNET_FILE: 'subnet.env cannot be written (directory, permissions, disk).',
  WEFT_E_DNS_LISTEN: 'The DNS server cannot bind a listen address (in use, permissions, not an ADDRESS:PORT).',
  WEFT_E_DNS_CONFIG: 'The [dns] settings are unusable (zone name, allow network, upstream address).',
  WEFT_E_DNS_RECORD: 'A DNS registration is invalid: the name is outside our zones or the IP is not an address.',
  WEFT_E_DNS_UPSTREAM: 'No upstream resolver is usable (none configured, resolv.conf names only ourselves).',
  WEFT_E_DNS_SKYDNS_CONFIG: 'SkyDNS\'s settings key (<dns.path>/config) is unusable; weft answers with its own [dns] settings.',
  WEFT_E_DNS_REGISTER_DENIED: 'A DNS registration names an address outside the cluster network and dns.register_allow.',
  WEFT_E_TEMPLATE_RESOURCE: 'A confd template resource (conf.d/*.toml) is invalid; the others still run.',
  WEFT_E_TEMPLATE_MISSING: "A resource's template file (templates/<src>) cannot be read.",
  WEFT_E_TEMPLATE_WRITE: 'A rendered file cannot be staged or renamed over its destination.',
  WEFT_E_TEMPLATE_CHECK: "A resource's check_cmd failed or timed out; the destination was left unchanged.",
  WEFT_E_TEMPLATE_RELOAD: "A resource's reload_cmd failed or timed out after the new file was put in place.",
  WEFT_E_CONFD_USAGE: 'weft confd was given a flag, confd.toml key or backend it does not accept.',
  WEFT_E_TEMPLATE_LOOKUP: 'A lookupIP/lookupSRV query timed out or failed (not a definite no-such-name); the render is retried.',
  WEFT_E_HARNESS: 'The test harness cannot set up a real peer (missing package, port, namespace).',
  WEFT_E_OVERLAY_CONFIG: 'The overlay options are unusable (own lease not vxlan, bad subnet, network or public IP).',
  WEFT_E_OVERLAY_UNDERLAY: 'The underlay interface for the VXLAN device does not exist or has no usable MTU.',
  WEFT_E_OVERLAY_NETLINK: 'A netlink request to program the overlay failed; the next reconcile retries it.',
  WEFT_E_OVERLAY_STATE: 'The persisted VTEP MAC under the state dir cannot be read or written.',
  WEFT_E_OVERLAY_MASQ: 'The iptables rules (WEFT-* ip-masq and forward chains) cannot be installed or removed.',
  WEFT_E_OVERLAY_LEASE_REJECTED: 'A peer lease does not fit the network config (or covers our subnet or underlay); it is not routed.',
  WEFT_E_PROXY_CONFIG: 'The [proxy] settings are unusable (listen address, trusted network, route file path, timeouts).',
  WEFT_E_PROXY_RELOAD: 'The route file (or a certificate it names) cannot be read or is invalid; the previous table keeps serving.',
  WEFT_E_PROXY_ROUTES: 'The proxy route file cannot be read or is invalid; every problem carries its key path and line.',
  WEFT_E_PROXY_WORKER: 'A proxy worker thread (proxy.workers) cannot start or listen, or stopped; the other threads keep serving.',
  WEFT_E_SERVICE_VALUE: 'A service config or server value (admin API, CLI or etcd) is invalid: name, rule, URL, weight or id.',
  WEFT_E_SERVICE_REGISTER_DENIED: 'A server registration names an address outside the cluster network and services.register_allow.',
  WEFT_E_SERVICE_NOT_FOUND: 'The service or server registration named does not exist (in etcd, or on this host).',
  WEFT_E_CNI_INSTALL: "weft cni install/uninstall cannot write or remove its files, or finds a file there it did not write.",
} as const;

export type WeftErrorCode = keyof typeof errorCodes;

export class WeftError extends Error {
  readonly code: WeftErrorCode;

  constructor(code: WeftErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WeftError';
    this.code = code;
  }
}

export function isWeftError(error: unknown, code?: WeftErrorCode): error is WeftError {
  return error instanceof WeftError && (code === undefined || error.code === code);
}
