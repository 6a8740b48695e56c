// flanneld's command line and FLANNELD_* environment (flannel main.go, coreos/pkg flagutil) as weft
// reads them: one table per behaviour, named with flanneld's own flag names.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { asksVersion, flannelEnv, flannelFlags } from './flannel.ts';
import { loadConfig } from './load.ts';

// Every flag flannel's main.go registers on its flag set (flannelFlags.*Var and copyFlag).
const mainGoFlags = [
  'etcd-endpoints', 'etcd-prefix', 'etcd-keyfile', 'etcd-certfile', 'etcd-cafile', 'etcd-username', 'etcd-password',
  'iface', 'iface-regex', 'iface-can-reach', 'subnet-file', 'public-ip', 'public-ipv6', 'subnet-lease-renew-margin',
  'ip-masq', 'ip-masq-fully-random-disable', 'kube-subnet-mgr', 'kube-api-url', 'kube-annotation-prefix', 'kubeconfig-file',
  'version', 'healthz-ip', 'healthz-port', 'iptables-resync', 'iptables-forward-rules', 'ip-blackhole-route',
  'net-config-path', 'set-node-network-unavailable', 'v', 'vmodule', 'log_backtrace_at',
];

type Flat = Record<string, unknown>;
function value(config: unknown, path: string): unknown {
  const [section = '', key = ''] = path.split('.');
  return ((config as Record<string, Flat>)[section] ?? {})[key];
}

describe('the flanneld flag table', () => {
  it('has every flag of flannel main.go, and no other', () => {
    expect(Object.keys(flannelFlags).sort()).toEqual([...mainGoFlags].sort());
  });

  it('is the table in src/subnet/README.md, row for row', () => {
    const readme = readFileSync(new URL('../subnet/README.md', import.meta.url), 'utf8');
    const rows = [...readme.matchAll(/^\| `-{1,2}([a-z0-9_-]+)` \|/gm)].map((m) => m[1]);
    expect(rows.sort()).toEqual(Object.keys(flannelFlags).sort());
  });

  it.each([
    ['etcd-endpoints', 'FLANNELD_ETCD_ENDPOINTS'],
    ['iface-can-reach', 'FLANNELD_IFACE_CAN_REACH'],
    ['ip-masq-fully-random-disable', 'FLANNELD_IP_MASQ_FULLY_RANDOM_DISABLE'],
    ['v', 'FLANNELD_V'],
    ['log_backtrace_at', 'FLANNELD_LOG_BACKTRACE_AT'],
  ])('reads --%s from %s', (flag, env) => {
    expect(flannelEnv(flag)).toBe(env);
  });
});

describe('flanneld flags and FLANNELD_* variables set weft keys', () => {
  it.each<[string, string[], Record<string, string>, string, unknown]>([
    ['--etcd-endpoints', ['--etcd-endpoints', 'http://10.0.0.1:2379,http://10.0.0.2:2379'], {}, 'etcd.endpoints', ['http://10.0.0.1:2379', 'http://10.0.0.2:2379']],
    ['FLANNELD_ETCD_ENDPOINTS', [], { FLANNELD_ETCD_ENDPOINTS: 'https://10.0.0.1:2379' }, 'etcd.endpoints', ['https://10.0.0.1:2379']],
    ['-etcd-prefix (one dash, as Go)', ['-etcd-prefix=/net'], {}, 'subnet.etcd_prefix', '/net'],
    ['FLANNELD_ETCD_PREFIX', [], { FLANNELD_ETCD_PREFIX: '/net' }, 'subnet.etcd_prefix', '/net'],
    ['FLANNELD_ETCD_KEYFILE', [], { FLANNELD_ETCD_KEYFILE: '/k.pem' }, 'etcd.key_file', '/k.pem'],
    ['FLANNELD_ETCD_CERTFILE', [], { FLANNELD_ETCD_CERTFILE: '/c.pem' }, 'etcd.cert_file', '/c.pem'],
    ['FLANNELD_ETCD_CAFILE', [], { FLANNELD_ETCD_CAFILE: '/ca.pem' }, 'etcd.ca_file', '/ca.pem'],
    ['--etcd-username', ['--etcd-username', 'flannel'], {}, 'etcd.username', 'flannel'],
    ['FLANNELD_ETCD_PASSWORD', [], { FLANNELD_ETCD_PASSWORD: 's3cret' }, 'etcd.password', 's3cret'],
    ['--iface repeated, in order', ['--iface', 'eth1', '-iface=10.0.0.5'], {}, 'subnet.iface', ['eth1', '10.0.0.5']],
    ['FLANNELD_IFACE', [], { FLANNELD_IFACE: 'eth0' }, 'subnet.iface', ['eth0']],
    ['--iface-regex keeps commas', ['--iface-regex', '^eth[0-9]{1,2}$', '--iface-regex', '^ens'], {}, 'subnet.iface_regex', ['^eth[0-9]{1,2}$', '^ens']],
    ['FLANNELD_IFACE_REGEX', [], { FLANNELD_IFACE_REGEX: '^10\\.0\\.' }, 'subnet.iface_regex', ['^10\\.0\\.']],
    ['--iface-can-reach', ['--iface-can-reach', '10.0.0.1'], {}, 'subnet.iface_can_reach', '10.0.0.1'],
    ['FLANNELD_SUBNET_FILE', [], { FLANNELD_SUBNET_FILE: '/run/x.env' }, 'subnet.subnet_file', '/run/x.env'],
    ['FLANNELD_PUBLIC_IP', [], { FLANNELD_PUBLIC_IP: '10.0.0.5' }, 'subnet.public_ip', '10.0.0.5'],
    ['--public-ipv6', ['--public-ipv6', 'fd00::5'], {}, 'subnet.public_ipv6', 'fd00::5'],
    ['-ip-masq', ['-ip-masq'], {}, 'subnet.ip_masq', true],
    ['FLANNELD_IP_MASQ=t (Go ParseBool)', [], { FLANNELD_IP_MASQ: 't' }, 'subnet.ip_masq', true],
    ['--ip-masq-fully-random-disable', ['--ip-masq-fully-random-disable'], {}, 'overlay.ip_masq_random_fully', false],
    ['--ip-masq-fully-random-disable=false', ['--ip-masq-fully-random-disable=false'], {}, 'overlay.ip_masq_random_fully', true],
    ['FLANNELD_IP_MASQ_FULLY_RANDOM_DISABLE', [], { FLANNELD_IP_MASQ_FULLY_RANDOM_DISABLE: 'true' }, 'overlay.ip_masq_random_fully', false],
    ['--iptables-resync (seconds)', ['--iptables-resync', '5'], {}, 'overlay.resync_interval', 5000],
    ['FLANNELD_IPTABLES_RESYNC', [], { FLANNELD_IPTABLES_RESYNC: '60' }, 'overlay.resync_interval', 60_000],
    ['--iptables-forward-rules=false', ['--iptables-forward-rules=false'], {}, 'overlay.iptables_forward_rules', false],
    ['FLANNELD_IPTABLES_FORWARD_RULES', [], { FLANNELD_IPTABLES_FORWARD_RULES: 'false' }, 'overlay.iptables_forward_rules', false],
    ['--ip-blackhole-route', ['--ip-blackhole-route'], {}, 'overlay.ip_blackhole_route', true],
    ['--ip-blackhole-route=false', ['--ip-blackhole-route=false'], {}, 'overlay.ip_blackhole_route', false],
    ['FLANNELD_IP_BLACKHOLE_ROUTE=true', [], { FLANNELD_IP_BLACKHOLE_ROUTE: 'true' }, 'overlay.ip_blackhole_route', true],
    ['no --ip-blackhole-route: off, as flanneld', [], {}, 'overlay.ip_blackhole_route', false],
    ['--healthz-port (ip 0.0.0.0 by default)', ['--healthz-port', '8471'], {}, 'admin.listen', '0.0.0.0:8471'],
    ['--healthz-ip then --healthz-port', ['--healthz-ip', '127.0.0.1', '--healthz-port=8471'], {}, 'admin.listen', '127.0.0.1:8471'],
    ['--healthz-port then --healthz-ip', ['--healthz-port=8471', '--healthz-ip', '127.0.0.1'], {}, 'admin.listen', '127.0.0.1:8471'],
    ['--healthz-ip IPv6', ['--healthz-ip', '::1', '--healthz-port', '8471'], {}, 'admin.listen', '[::1]:8471'],
    ['FLANNELD_HEALTHZ_* with the port from the flag', ['--healthz-port', '9000'], { FLANNELD_HEALTHZ_IP: '10.0.0.5', FLANNELD_HEALTHZ_PORT: '8471' }, 'admin.listen', '10.0.0.5:9000'],
    ['--healthz-port 0: off, as flanneld', ['--healthz-ip', '127.0.0.1', '--healthz-port', '0'], {}, 'admin.listen', ''],
    ['-v=0', ['-v=0'], {}, 'log.level', 'info'],
    ['--v 2', ['--v', '2'], {}, 'log.level', 'debug'],
    ['FLANNELD_V=6', [], { FLANNELD_V: '6' }, 'log.level', 'trace'],
  ])('%s', (_name, flags, env, path, expected) => {
    const { config, problems } = loadConfig({ flags, env });
    expect(problems).toEqual([]);
    expect(value(config, path)).toEqual(expected);
  });
});

describe('precedence, as flanneld and then weft', () => {
  it.each<[string, string[], Record<string, string>, string, unknown]>([
    ['a flag wins over its FLANNELD_ variable', ['--etcd-prefix', '/flag'], { FLANNELD_ETCD_PREFIX: '/env' }, 'subnet.etcd_prefix', '/flag'],
    ['WEFT_ wins over FLANNELD_', [], { FLANNELD_ETCD_PREFIX: '/flannel', WEFT_SUBNET_ETCD_PREFIX: '/weft' }, 'subnet.etcd_prefix', '/weft'],
    ['an empty FLANNELD_ variable is not set (flagutil)', [], { FLANNELD_IP_MASQ: '', FLANNELD_SUBNET_FILE: '' }, 'subnet.subnet_file', '/run/flannel/subnet.env'],
    ['--iface on the command line replaces FLANNELD_IFACE', ['--iface', 'eth1'], { FLANNELD_IFACE: 'eth0' }, 'subnet.iface', ['eth1']],
    ['the last of two flags wins', ['--iptables-resync', '5', '--overlay-resync-interval', '10s'], {}, 'overlay.resync_interval', 10_000],
  ])('%s', (_name, flags, env, path, expected) => {
    const { config, problems } = loadConfig({ flags, env });
    expect(problems).toEqual([]);
    expect(value(config, path)).toEqual(expected);
  });
});

describe('flanneld flags weft refuses or accepts without effect', () => {
  it.each<[string[], Record<string, string>, string, RegExp]>([
    [['--kube-subnet-mgr'], {}, '--kube-subnet-mgr', /not supported by weft: .*Kubernetes subnet manager/],
    [[], { FLANNELD_KUBE_SUBNET_MGR: 'true' }, 'FLANNELD_KUBE_SUBNET_MGR', /not supported by weft/],
    [['--kube-api-url', 'https://10.0.0.1:6443'], {}, '--kube-api-url', /not supported by weft/],
    [['--kubeconfig-file=/etc/kubeconfig'], {}, '--kubeconfig-file', /not supported by weft/],
    [['--kube-annotation-prefix', 'example.com'], {}, '--kube-annotation-prefix', /not supported by weft/],
    [['--net-config-path', '/etc/net.json'], {}, '--net-config-path', /<etcd-prefix>\/config/],
    [['--set-node-network-unavailable=false'], {}, '--set-node-network-unavailable', /not supported by weft/],
    [['--subnet-lease-renew-margin', '1440'], {}, '--subnet-lease-renew-margin', /out of flanneld's range 1\.\.1439/],
    [['--subnet-lease-renew-margin', '0'], {}, '--subnet-lease-renew-margin', /out of flanneld's range/],
    [['--iptables-resync', '0'], {}, '--iptables-resync', /use 1 or more/],
    [['--iptables-resync', 'fast'], {}, '--iptables-resync', /not a whole number of seconds/],
    [['--healthz-port', '70000'], {}, '--healthz-port', /not a port/],
    [['-v', 'loud'], {}, '--v', /not a klog verbosity/],
    [['--ip-masq-fully-random-disable=maybe'], {}, '--ip-masq-fully-random-disable', /expected true or false/],
    [['--ip-blackhole-route=maybe'], {}, '--ip-blackhole-route', /overlay.ip_blackhole_route/],
    [['--subnet-dir', '/run/flannel/networks'], {}, '--subnet-dir', /older flanneld releases/],
    [['-etcd-endpoint', 'http://10.0.0.1:2379'], {}, '--etcd-endpoint', /older flanneld releases.*use --etcd-endpoints/],
    [['--no-fast-proxy'], {}, '--no-fast-proxy', /older flanneld releases/],
    [['--subnet-dirs=/run'], {}, '--subnet-dirs', /unknown flag/],
  ])('%j %j: a problem naming %s', (flags, env, path, message) => {
    const { problems } = loadConfig({ flags, env });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe(path);
    expect(problems[0]?.message).toMatch(message);
  });

  it.each<[string[], Record<string, string>, string, RegExp]>([
    [['--subnet-lease-renew-margin', '60'], {}, '--subnet-lease-renew-margin', /alive continuously/],
    [['--vmodule', 'main=3'], {}, '--vmodule', /no effect/],
    [['--log_backtrace_at=main.go:100'], {}, '--log_backtrace_at', /no effect/],
    [['--kube-subnet-mgr=false'], {}, '--kube-subnet-mgr', /flanneld's default given/],
    [[], { FLANNELD_SET_NODE_NETWORK_UNAVAILABLE: 'true' }, 'FLANNELD_SET_NODE_NETWORK_UNAVAILABLE', /flanneld's default given/],
  ])('%j %j: accepted with a notice for %s', (flags, env, path, message) => {
    const { problems, notices } = loadConfig({ flags, env });
    expect(problems).toEqual([]);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.path).toBe(path);
    expect(notices[0]?.message).toMatch(message);
  });

  it('says nothing for --ip-blackhole-route=false or a --version left in the arguments', () => {
    expect(loadConfig({ flags: ['--ip-blackhole-route=false', '--version', '--ip-masq'] })).toMatchObject({ problems: [], notices: [] });
  });

  it.each<[string[], boolean]>([
    [['--version'], true],
    [['-version'], true],
    [['--etcd-prefix', '/x', '-version=true'], true],
    [['--version=false'], false],
    [['--etcd-prefix', '/version'], false],
  ])('%j asks for the version: %s', (args, expected) => {
    expect(asksVersion(args)).toBe(expected);
  });
});
