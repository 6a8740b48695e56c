// This host's IPv6 underlay address (flannel --public-ipv6, else the interface's first global
// IPv6 address) and IPv6-only hosts (no IPv4 address, the IPv6 default route's interface).
import { describe, expect, it } from 'vitest';
import { defaults } from '../config/index.ts';
import { defaultRouteInterface6, resolvePublicAddress, type HostSystem, type UnderlaySettings } from './underlay.ts';
import { validateSubnet } from './validate.ts';

const ipv6Routes = [
  '00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000000 00000000 00000003     eth1',
  '00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000100 00000000 00000000 00000003     eth6',
  'fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000000 00000000 00000001     eth0',
  '00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo',
].join('\n');

const addr = (address: string, family: 'IPv4' | 'IPv6', scopeid = 0) => ({ address, family, internal: false, netmask: '', mac: '02:00:00:00:00:01', cidr: null, scopeid });
const system: HostSystem = {
  routeTo: () => Promise.reject(new Error('no routes here')),
  procNetRoute: () => 'Iface\tDestination\n',
  procNetIpv6Route: () => ipv6Routes,
  interfaces: () => ({
    eth0: [addr('fe80::1', 'IPv6', 2), addr('172.17.0.5', 'IPv4'), addr('FD00:0:0:0::5', 'IPv6')],
    eth6: [addr('fe80::6', 'IPv6', 3), addr('fd00::6', 'IPv6')],
    eth9: [addr('fe80::9', 'IPv6', 4)],
  }),
};

describe('this host\'s IPv6 underlay address', () => {
  it('finds the lowest-metric IPv6 default route, not the kernel\'s unreachable one on lo', () => {
    expect(defaultRouteInterface6(ipv6Routes)).toBe('eth6');
  });

  const settings = (s: { public_ip: string; iface: string[]; public_ipv6?: string }): UnderlaySettings => ({ iface_regex: [], iface_can_reach: '', ...s });

  it.each([
    [{ public_ip: '', iface: ['eth0'] }, { publicIP: '172.17.0.5', publicIPv6: 'fd00::5', iface: 'eth0' }],
    [{ public_ip: '', iface: ['eth0'], public_ipv6: 'fd00::99' }, { publicIP: '172.17.0.5', publicIPv6: 'fd00::99', iface: 'eth0' }],
    [{ public_ip: '10.1.2.3', iface: [], public_ipv6: 'FD00::0:7' }, { publicIP: '10.1.2.3', publicIPv6: 'fd00::7', iface: undefined }],
    // An IPv6-only host: no IPv4 default route, no IPv4 address.
    [{ public_ip: '', iface: [] }, { publicIP: '', publicIPv6: 'fd00::6', iface: 'eth6' }],
    [{ public_ip: '', iface: ['eth6'] }, { publicIP: '', publicIPv6: 'fd00::6', iface: 'eth6' }],
  ])('resolves %j', async (s, expected) => {
    expect(await resolvePublicAddress(settings(s), system)).toEqual(expected);
  });

  it.each([
    [{ public_ip: '', iface: ['eth0'], public_ipv6: '10.0.0.1' }, /--public-ipv6 "10.0.0.1" is not an IPv6 address/],
    [{ public_ip: '', iface: ['eth9'] }, /eth9 has no usable IPv4 address, nor a global IPv6 one/],
  ])('fails clearly for %j', async (s, message) => {
    await expect(resolvePublicAddress(settings(s), system)).rejects.toThrow(message);
    await expect(resolvePublicAddress(settings(s), system)).rejects.toThrow(expect.objectContaining({ code: 'WEFT_E_PUBLIC_IP' }));
  });
});

describe('weft config check: subnet.public_ipv6', () => {
  it('refuses a value that is not an IPv6 address, before anything starts', () => {
    const base = defaults();
    const check = (public_ipv6: string) => validateSubnet({ ...base, subnet: { ...base.subnet, public_ipv6 } }).map((p) => p.message);
    expect(check('fd00::1')).toEqual([]);
    expect(check('10.0.0.1')).toEqual(['"10.0.0.1" is not an IPv6 address']);
  });
});
