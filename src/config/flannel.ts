// flanneld's command line, so a host can swap flanneld for weft with the same unit file: every
// flag of flannel's main.go (and the three klog flags it copies), what it becomes in weft's schema,
// and its FLANNELD_<FLAG> environment variable (coreos/pkg flagutil.SetFlagsFromEnv: the name in
// upper case, '-' to '_', only when non-empty, and never when the flag itself was given).
import type { Parsed } from './fields.ts';

/**
 * - `same`: weft's schema has this flag name already (`path` says where it lands).
 * - `alias`: set `path` from the flag's text after `convert` (units or sense differ).
 * - `accepted`: checked like flanneld checks it, has no effect in weft (a notice says why).
 * - `refused`: a problem naming the flag, unless given flanneld's default (which changes nothing).
 * - `healthz`: `--healthz-ip`/`--healthz-port` together become `admin.listen`.
 * - `command`: `--version`, handled by `weft daemon` before the config is read.
 */
export type FlannelFlag =
  | { readonly kind: 'same'; readonly path: string }
  | { readonly kind: 'alias'; readonly path: string; readonly switch?: boolean; readonly convert: (text: string) => Parsed<string> }
  | { readonly kind: 'accepted'; readonly switch?: boolean; readonly check?: (text: string) => string | undefined; readonly note: string }
  | { readonly kind: 'refused'; readonly switch?: boolean; readonly flannelDefault: string; readonly why: string }
  | { readonly kind: 'healthz'; readonly part: 'ip' | 'port' }
  | { readonly kind: 'command' };

const ok = (value: string): Parsed<string> => ({ ok: true, value });
const bad = (problem: string): Parsed<string> => ({ ok: false, problem });

/** Go's flag.IntVar text (decimal; flanneld's values are never hex), or undefined. */
function goInt(text: string): number | undefined {
  return /^[+-]?\d{1,9}$/.test(text.trim()) ? Number(text.trim()) : undefined;
}

function goBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(text)) return false;
  return undefined;
}

const kube = 'weft leases subnets from etcd only (flannel layout); the Kubernetes subnet manager is not implemented';

export const flannelFlags: Readonly<Record<string, FlannelFlag>> = {
  'etcd-endpoints': { kind: 'same', path: 'etcd.endpoints' },
  'etcd-prefix': { kind: 'same', path: 'subnet.etcd_prefix' },
  'etcd-keyfile': { kind: 'same', path: 'etcd.key_file' },
  'etcd-certfile': { kind: 'same', path: 'etcd.cert_file' },
  'etcd-cafile': { kind: 'same', path: 'etcd.ca_file' },
  'etcd-username': { kind: 'same', path: 'etcd.username' },
  'etcd-password': { kind: 'same', path: 'etcd.password' },
  iface: { kind: 'same', path: 'subnet.iface' },
  'iface-regex': { kind: 'same', path: 'subnet.iface_regex' },
  'iface-can-reach': { kind: 'same', path: 'subnet.iface_can_reach' },
  'subnet-file': { kind: 'same', path: 'subnet.subnet_file' },
  'public-ip': { kind: 'same', path: 'subnet.public_ip' },
  'public-ipv6': { kind: 'same', path: 'subnet.public_ipv6' },
  'subnet-lease-renew-margin': {
    kind: 'accepted',
    check: (text) => {
      const n = goInt(text);
      if (n === undefined) return `"${text}" is not a whole number of minutes`;
      return n <= 0 || n >= 24 * 60 ? `${n} is out of flanneld's range 1..1439 (minutes)` : undefined;
    },
    note: 'weft keeps the subnet lease alive continuously (every lease_ttl/3) instead of renewing it this many minutes before expiry',
  },
  'ip-masq': { kind: 'same', path: 'subnet.ip_masq' },
  'ip-masq-fully-random-disable': {
    kind: 'alias',
    path: 'overlay.ip_masq_random_fully',
    switch: true,
    convert: (text) => {
      const b = goBool(text);
      return b === undefined ? bad(`expected true or false, got "${text}"`) : ok(String(!b));
    },
  },
  'kube-subnet-mgr': { kind: 'refused', switch: true, flannelDefault: 'false', why: kube },
  'kube-api-url': { kind: 'refused', flannelDefault: '', why: kube },
  'kube-annotation-prefix': { kind: 'refused', flannelDefault: 'flannel.alpha.coreos.com', why: kube },
  'kubeconfig-file': { kind: 'refused', flannelDefault: '', why: kube },
  'net-config-path': { kind: 'refused', flannelDefault: '/etc/kube-flannel/net-conf.json', why: `${kube}; the network config is read from <etcd-prefix>/config (write it with 'weft network init')` },
  'set-node-network-unavailable': { kind: 'refused', switch: true, flannelDefault: 'true', why: kube },
  version: { kind: 'command' },
  'healthz-ip': { kind: 'healthz', part: 'ip' },
  'healthz-port': { kind: 'healthz', part: 'port' },
  'iptables-resync': {
    kind: 'alias',
    path: 'overlay.resync_interval',
    convert: (text) => {
      const n = goInt(text);
      if (n === undefined) return bad(`"${text}" is not a whole number of seconds`);
      return n < 1 ? bad(`${n} seconds: weft re-checks the kernel and iptables at least every second apart (use 1 or more)`) : ok(`${n}s`);
    },
  },
  'iptables-forward-rules': { kind: 'same', path: 'overlay.iptables_forward_rules' },
  'ip-blackhole-route': { kind: 'same', path: 'overlay.ip_blackhole_route' },
  v: {
    kind: 'alias',
    path: 'log.level',
    convert: (text) => {
      const n = goInt(text);
      if (n === undefined || n < 0) return bad(`"${text}" is not a klog verbosity (0, 1, 2, ...)`);
      return ok(n === 0 ? 'info' : n < 5 ? 'debug' : 'trace');
    },
  },
  vmodule: { kind: 'accepted', note: "weft's log level is one for the whole daemon (log.level); per-file verbosity does not exist" },
  log_backtrace_at: { kind: 'accepted', note: 'weft logs JSON lines without Go stack traces' },
};

/**
 * Flags of older flanneld releases that today's main.go no longer has (from its git history): a
 * problem that says so, rather than "unknown flag"; `true` marks a boolean (it takes no value).
 */
export const retiredFlannelFlags: Readonly<Record<string, boolean>> = {
  'etcd-endpoint': false, networks: false, 'subnet-dir': false, listen: false, remote: false, 'remote-cafile': false,
  'remote-certfile': false, 'remote-keyfile': false, port: false, 'no-fast-proxy': true, help: true, 'iptables-resyc': false,
  'charon-path': false, 'charon-exec-path': false, 'charon-vici-uri': false, 'vici-uri': false,
  'auto-detect-ipv4': true, 'auto-detect-ipv6': true, 'use-multi-cluster-cidr': true,
};

const renamed: Readonly<Record<string, string>> = { 'etcd-endpoint': 'etcd-endpoints', 'iptables-resyc': 'iptables-resync' };

export function retiredProblem(name: string): string {
  const now = renamed[name];
  return `a flag of older flanneld releases that current flanneld no longer has${now === undefined ? '' : `; use --${now}`}`;
}

/** The FLANNELD_* variable flanneld reads for a flag: `iface-can-reach` -> FLANNELD_IFACE_CAN_REACH. */
export function flannelEnv(name: string): string {
  return `FLANNELD_${name.replaceAll('-', '_').toUpperCase()}`;
}

/** A boolean flag of flanneld's: takes no separate value (`--ip-masq`, `--ip-masq=false`). */
export function isFlannelSwitch(flag: FlannelFlag): boolean {
  return flag.kind === 'command' || ((flag.kind === 'alias' || flag.kind === 'accepted' || flag.kind === 'refused') && flag.switch === true);
}

/** `--version`, `-version`, `--version=true` (Go's flag syntax): print the version and exit. */
export function asksVersion(args: readonly string[]): boolean {
  return args.some((arg) => {
    const m = /^--?version(?:=(.*))?$/s.exec(arg);
    return m !== null && (m[1] === undefined || goBool(m[1]) === true);
  });
}

export interface FlannelSink {
  /** Parses `text` as the schema field at `path` and sets it; returns the problem, if any. */
  assign(path: string, text: string): string | undefined;
  problem(message: string): void;
  notice(message: string): void;
}

/** Applies flanneld flags one by one (env first, then the command line); holds the healthz pair. */
export class FlannelApplier {
  #healthzIp = '0.0.0.0';
  #healthzPort = 0;

  apply(name: string, text: string, sink: FlannelSink): void {
    const flag = flannelFlags[name];
    if (flag === undefined || flag.kind === 'command') return;
    if (flag.kind === 'same' || flag.kind === 'alias') {
      const converted = flag.kind === 'alias' ? flag.convert(text) : ok(text);
      const problem = converted.ok ? sink.assign(flag.path, converted.value) : converted.problem;
      if (problem !== undefined) sink.problem(`${flag.path}: ${problem}`);
    } else if (flag.kind === 'accepted') {
      const problem = flag.check?.(text);
      if (problem !== undefined) sink.problem(problem);
      else if (flag.switch !== true || goBool(text) === true) sink.notice(`accepted, no effect: ${flag.note}`);
    } else if (flag.kind === 'refused') {
      const same = flag.switch === true ? goBool(text) === goBool(flag.flannelDefault) : text === flag.flannelDefault;
      if (same) sink.notice(`flanneld's default given: accepted, no effect (${flag.why})`);
      else sink.problem(`not supported by weft: ${flag.why}`);
    } else {
      this.#healthz(flag.part, text, sink);
    }
  }

  #healthz(part: 'ip' | 'port', text: string, sink: FlannelSink): void {
    if (part === 'ip') this.#healthzIp = text;
    else {
      const port = goInt(text);
      if (port === undefined || port < 0 || port > 65535) return sink.problem(`"${text}" is not a port (0 turns the health server off)`);
      this.#healthzPort = port;
    }
    // flanneld serves /healthz only with a port; weft's read-only admin TCP listener answers it.
    if (this.#healthzPort === 0) return;
    const host = this.#healthzIp.includes(':') ? `[${this.#healthzIp}]` : this.#healthzIp;
    const problem = sink.assign('admin.listen', `${host}:${this.#healthzPort}`);
    if (problem !== undefined) sink.problem(`admin.listen: ${problem}`);
  }
}
