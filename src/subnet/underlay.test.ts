import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isWeftError } from '../errors.ts';
import { defaultRouteInterface, resolvePublicAddress, usableAddresses, type HostSystem, type UnderlaySettings } from './underlay.ts';

const routes = [
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
  'eth1\t00000000\t0102A8C0\t0003\t0\t0\t200\t00000000\t0\t0\t0',
  'eth0\t00000000\t010011AC\t0003\t0\t0\t100\t00000000\t0\t0\t0',
  'eth0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
].join('\n');

function v4(address: string): NetworkInterfaceInfo {
  return { address, family: 'IPv4', internal: address.startsWith('127.'), netmask: '255.255.0.0', mac: '02:00:00:00:00:01', cidr: `${address}/16` };
}
const v6: NetworkInterfaceInfo = { address: 'fe80::1', family: 'IPv6', internal: false, netmask: 'ffff:ffff:ffff:ffff::', mac: '02:00:00:00:00:01', cidr: 'fe80::1/64', scopeid: 2 };

// Object order is interface order, as net.Interfaces() lists them for flannel.
const system: HostSystem = {
  procNetRoute: () => routes,
  interfaces: () => ({
    lo: [v4('127.0.0.1')],
    eth0: [v6, v4('172.17.0.5')],
    eth1: [v4('169.254.3.3'), v4('192.168.1.7')],
    eth2: [v6],
    br10: [v4('10.10.0.1')],
  }),
  routeTo: async (address) => {
    if (address.startsWith('10.10.')) return { iface: 'br10', src: '10.10.0.1' };
    if (address === '192.168.9.9') return { iface: 'eth1' };
    if (address === '172.17.0.1') return { iface: 'eth0', src: '172.17.0.5' };
    throw new Error(`no route to ${address}`);
  },
};

const none: UnderlaySettings = { public_ip: '', iface: [], iface_regex: [], iface_can_reach: '' };
const withSettings = (s: Partial<UnderlaySettings>): UnderlaySettings => ({ ...none, ...s });

describe('the underlay interface and public IP, chosen as flanneld chooses them', () => {
  it('finds the lowest-metric default route', () => {
    expect(defaultRouteInterface(routes)).toBe('eth0');
    expect(defaultRouteInterface('Iface\tDestination\n')).toBeUndefined();
  });

  it('uses the addresses flannel uses: no loopback, global before link-local', () => {
    expect(usableAddresses([v4('127.0.0.1'), v4('169.254.1.1'), v4('10.0.0.1'), v4('224.0.0.1'), v6])).toEqual(['10.0.0.1', '169.254.1.1']);
  });

  it.each<[string, Partial<UnderlaySettings>, { publicIP: string; iface: string | undefined; skipped?: readonly string[] }]>([
    ['nothing: the default route', {}, { publicIP: '172.17.0.5', iface: 'eth0' }],
    ['--public-ip alone: its interface', { public_ip: '10.10.0.1' }, { publicIP: '10.10.0.1', iface: 'br10' }],
    ['--public-ip alone on loopback', { public_ip: '127.0.0.1' }, { publicIP: '127.0.0.1', iface: 'lo' }],
    ['--public-ip alone on no interface', { public_ip: '203.0.113.9' }, { publicIP: '203.0.113.9', iface: undefined }],
    ['--iface NAME', { iface: ['eth1'] }, { publicIP: '192.168.1.7', iface: 'eth1' }],
    ['--iface IP', { iface: ['169.254.3.3'] }, { publicIP: '169.254.3.3', iface: 'eth1' }],
    ['--iface with --public-ip (NAT)', { iface: ['eth0'], public_ip: '203.0.113.9' }, { publicIP: '203.0.113.9', iface: 'eth0' }],
    ['--iface tried in order, the misses kept', { iface: ['eth9', 'eth2', '10.9.9.9', 'br10', 'eth0'] }, {
      publicIP: '10.10.0.1', iface: 'br10',
      skipped: ['no interface named eth9 (or it has no address)', 'interface eth2 has no usable IPv4 address, nor a global IPv6 one (loopback addresses do not count, as in flannel)', 'no interface has the address 10.9.9.9'],
    }],
    ['--iface before --iface-regex', { iface: ['eth0'], iface_regex: ['^br'] }, { publicIP: '172.17.0.5', iface: 'eth0' }],
    ['--iface-regex on addresses first', { iface_regex: ['^192\\.168\\.'] }, { publicIP: '192.168.1.7', iface: 'eth1' }],
    ['--iface-regex on addresses before names', { iface_regex: ['1'] }, { publicIP: '172.17.0.5', iface: 'eth0' }],
    ['--iface-regex on names', { iface_regex: ['^br[0-9]{1,2}$'] }, { publicIP: '10.10.0.1', iface: 'br10' }],
    ['--iface-regex: no loopback address', { iface_regex: ['^127\\.', 'eth1'] }, { publicIP: '192.168.1.7', iface: 'eth1', skipped: [expect.stringMatching(/^--iface-regex \^127/)] }],
    ['--iface-regex tried in order', { iface_regex: ['^wlan', 'eth2', '^eth1$'] }, { publicIP: '192.168.1.7', iface: 'eth1', skipped: [expect.stringMatching(/wlan/), expect.stringMatching(/eth2 has no usable/)] }],
    ['failed --iface falls to --iface-regex', { iface: ['eth9'], iface_regex: ['^br'] }, { publicIP: '10.10.0.1', iface: 'br10', skipped: ['no interface named eth9 (or it has no address)'] }],
    ['--iface-can-reach: the route and its source', { iface_can_reach: '10.10.5.5' }, { publicIP: '10.10.0.1', iface: 'br10' }],
    ['--iface-can-reach without a source', { iface_can_reach: '192.168.9.9' }, { publicIP: '192.168.1.7', iface: 'eth1' }],
    ['--iface-can-reach last', { iface: ['eth9'], iface_regex: ['^wlan'], iface_can_reach: '172.17.0.1' }, { publicIP: '172.17.0.5', iface: 'eth0', skipped: [expect.any(String), expect.any(String)] }],
  ])('%s', async (_name, settings, expected) => {
    expect(await resolvePublicAddress(withSettings(settings), system)).toEqual(expected);
  });

  it.each<[string, Partial<UnderlaySettings>, RegExp]>([
    ['a bad --public-ip', { public_ip: '10.1.2' }, /not an IPv4 address/],
    ['an interface without IPv4', { iface: ['eth2'] }, /eth2 has no usable IPv4 address/],
    ['loopback by name', { iface: ['lo'] }, /lo has no usable IPv4 address/],
    ['an unknown interface', { iface: ['nope'] }, /no interface named nope/],
    ['an address no interface has', { iface: ['10.9.9.9'] }, /no interface has the address 10\.9\.9\.9/],
    ['a regex matching nothing', { iface_regex: ['^wlan'] }, /matches no interface address or name \(lo:\[\], eth0:\[172\.17\.0\.5\]/],
    ['a regex that does not compile', { iface_regex: ['(eth'] }, /does not compile/],
    ['no route for --iface-can-reach', { iface_can_reach: '198.51.100.1' }, /no route to 198\.51\.100\.1/],
    ['every choice failing, each reason kept', { iface: ['eth9'], iface_regex: ['^wlan'] }, /no interface named eth9.*; --iface-regex \^wlan matches/],
  ])('fails clearly: %s', async (_name, settings, message) => {
    const caught: unknown = await resolvePublicAddress(withSettings(settings), system).catch((error: unknown) => error);
    expect(isWeftError(caught, 'WEFT_E_PUBLIC_IP')).toBe(true);
    expect((caught as Error).message).toMatch(message);
  });

  it('fails when there is no default route and nothing chosen', async () => {
    await expect(resolvePublicAddress(none, { ...system, procNetRoute: () => '' })).rejects.toThrow(/no default route \(IPv4 or IPv6\)/);
  });
});
