import { describe, expect, it } from 'vitest';
import { isWeftError } from '../errors.ts';
import { checkVtepMAC, defaultRouteInterface, deriveVtepMAC, overlayMtu, resolvePublicAddress, type HostSystem } from './host.ts';

const routes = [
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
  'eth1\t00000000\t0102A8C0\t0003\t0\t0\t200\t00000000\t0\t0\t0',
  'eth0\t00000000\t010011AC\t0003\t0\t0\t100\t00000000\t0\t0\t0',
  'eth0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
].join('\n');

const system: HostSystem = {
  procNetRoute: () => routes,
  interfaces: () => ({
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '255.0.0.0', mac: '00:00:00:00:00:00', cidr: '127.0.0.1/8' }],
    eth0: [
      { address: 'fe80::1', family: 'IPv6', internal: false, netmask: 'ffff:ffff:ffff:ffff::', mac: '02:00:00:00:00:01', cidr: 'fe80::1/64', scopeid: 2 },
      { address: '172.17.0.5', family: 'IPv4', internal: false, netmask: '255.255.0.0', mac: '02:00:00:00:00:01', cidr: '172.17.0.5/16' },
    ],
    eth2: [],
  }),
};

describe('this host\'s public address', () => {
  it('finds the lowest-metric default route', () => {
    expect(defaultRouteInterface(routes)).toBe('eth0');
    expect(defaultRouteInterface('Iface\tDestination\n')).toBeUndefined();
  });

  it.each([
    [{ public_ip: '10.1.2.3', iface: '' }, { publicIP: '10.1.2.3', iface: undefined }],
    [{ public_ip: '10.1.2.3', iface: 'eth9' }, { publicIP: '10.1.2.3', iface: 'eth9' }],
    [{ public_ip: '', iface: 'eth0' }, { publicIP: '172.17.0.5', iface: 'eth0' }],
    [{ public_ip: '', iface: '' }, { publicIP: '172.17.0.5', iface: 'eth0' }],
  ])('resolves %j', (settings, expected) => {
    expect(resolvePublicAddress(settings, system)).toEqual(expected);
  });

  it.each([
    [{ public_ip: '10.1.2', iface: '' }, /not an IPv4 address/],
    [{ public_ip: '', iface: 'eth2' }, /eth2 has no IPv4 address/],
    [{ public_ip: '', iface: 'nope' }, /nope has no IPv4 address/],
  ])('fails clearly for %j', (settings, message) => {
    let caught: unknown;
    try {
      resolvePublicAddress(settings, system);
    } catch (error) {
      caught = error;
    }
    expect(isWeftError(caught, 'WEFT_E_PUBLIC_IP')).toBe(true);
    expect((caught as Error).message).toMatch(message);
  });

  it('fails when there is no default route and no --iface', () => {
    expect(() => resolvePublicAddress({ public_ip: '', iface: '' }, { ...system, procNetRoute: () => '' })).toThrow(/no default route \(IPv4 or IPv6\)/);
  });
});

describe('VTEP MAC and MTU', () => {
  it('derives a stable, locally administered unicast MAC', () => {
    const mac = deriveVtepMAC('0123456789abcdef');
    expect(mac).toBe(deriveVtepMAC('0123456789abcdef'));
    expect(mac).not.toBe(deriveVtepMAC('fedcba9876543210'));
    expect(mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(Number.parseInt(mac.slice(0, 2), 16) & 0x03).toBe(0x02);
    expect(checkVtepMAC(mac)).toBe(mac);
  });

  it.each(['01:00:5e:00:00:01', '00:00:00:00:00:00', 'nope'])('rejects %s as a VTEP MAC', (mac) => {
    expect(() => checkVtepMAC(mac)).toThrow(/not a unicast MAC/);
  });

  it.each([
    [0, 0, 1500, 1450],
    [0, 0, 9000, 8950],
    [0, 0, undefined, 1450],
    // Backend.MTU is the underlay MTU, as in flannel ≥ v0.21.3: the device gets 50 less.
    [0, 1500, 9000, 1450],
    [0, 9000, 1500, 8950],
    [1300, 1400, 9000, 1300],
  ])('host %i, backend %i, underlay %s -> MTU %i', (host, backend, underlay, expected) => {
    expect(overlayMtu(host, backend, underlay)).toBe(expected);
  });
});
