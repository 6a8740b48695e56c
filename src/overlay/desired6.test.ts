// The IPv6 device's desired state (flannel's flannel-v6.<VNI>) and which IPv6 sides of peer
// leases may become routes; leases come in as their IPv6 sides (family.ts).
import { describe, expect, it } from 'vitest';
import type { DesiredOptions } from './desired.ts';
import { desiredState6 } from './desired6.ts';
import { ipv6DeviceName, ipv6Side } from './family.ts';
import type { Lease } from './lease.ts';
import { partitionPeers6 } from './peer-filter6.ts';

const self: Lease = { subnet: 'fc00:5:0:1::/64', publicIP: 'fd00::1', backendType: 'vxlan', vni: 1, vtepMAC: '02:00:00:00:06:01' };
const peer = (n: number, over: Partial<Lease> = {}): Lease => ({
  subnet: `fc00:5:0:${n}::/64`, publicIP: `fd00::${n}`, backendType: 'vxlan', vni: 1, vtepMAC: `02:00:00:00:06:0${n}`, ...over,
});
const limits = { network: 'fc00:5::/48', subnetLen: 64, subnetMin: 'fc00:5:0:1::', subnetMax: 'fc00:5:0:ffff::', underlayNets: ['fd00::/64'] };
const opts: DesiredOptions = { device: 'weft-v6.1', port: 8472, mtu: 1430, underlay: 'eth0', vtepMAC: '02:00:00:00:06:01', directRouting: false, gbp: false, learning: false, limits };

describe('desiredState6', () => {
  it('describes the device with local = our PublicIPv6 and <subnet base>/128', () => {
    expect(desiredState6(self, [], opts).device).toEqual({
      name: 'weft-v6.1', vni: 1, port: 8472, local: 'fd00::1', underlay: 'eth0', mtu: 1430, mac: '02:00:00:00:06:01',
      learning: false, gbp: false, up: true, addresses: ['fc00:5:0:1::/128'],
    });
  });

  it('gives a peer neighbour <base> -> MAC, fdb MAC -> PublicIPv6 and an onlink route via <base>', () => {
    const state = desiredState6(self, [peer(2)], opts);
    expect(state.routes).toEqual([{ dst: 'fc00:5:0:2::/64', gateway: 'fc00:5:0:2::', dev: 'weft-v6.1', onlink: true }]);
    expect(state.neighbours).toEqual([{ ip: 'fc00:5:0:2::', mac: '02:00:00:00:06:02' }]);
    expect(state.fdb).toEqual([{ mac: '02:00:00:00:06:02', dst: 'fd00::2' }]);
  });
});

describe('partitionPeers6: which IPv6 sides become routes', () => {
  it.each<[string, Partial<Lease>, string | undefined]>([
    ['a well-formed peer', {}, undefined],
    ['another backend', { backendType: 'host-gw' }, 'backend'],
    ['host bits set', { subnet: 'fc00:5:0:2::1/64' }, 'malformed'],
    ['an all-zero MAC', { vtepMAC: '00:00:00:00:00:00' }, 'malformed'],
    ['another length', { subnet: 'fc00:5:0:2::/80' }, 'prefix_len'],
    ['outside IPv6Network', { subnet: 'fc00:6:0:2::/64' }, 'outside_network'],
    ['below IPv6SubnetMin', { subnet: 'fc00:5::/64' }, 'outside_range'],
    ['our own subnet with another PublicIPv6', { subnet: 'fc00:5:0:1::/64' }, 'own_subnet'],
    ['a link-local endpoint', { publicIP: 'fe80::2' }, 'public_ip'],
    ['an endpoint inside the overlay', { publicIP: 'fc00:5:0:9::1' }, 'public_ip'],
    ['multicast endpoint', { publicIP: 'ff02::1' }, 'public_ip'],
  ])('%s', (_name, over, reason) => {
    const { accepted, rejected } = partitionPeers6(self, [peer(2, over)], limits);
    expect(reason === undefined ? accepted.length : rejected[0]?.reason).toBe(reason ?? 1);
  });

  it('skips our own lease silently (same PublicIPv6)', () => {
    expect(partitionPeers6(self, [peer(3, { publicIP: 'fd00::1' })], limits)).toEqual({ accepted: [], rejected: [] });
  });
});

describe('family.ts', () => {
  it('hands the IPv6 reconciler each lease\'s IPv6 side', () => {
    const dual: Lease = { subnet: '10.5.1.0/24', publicIP: '10.0.0.1', backendType: 'vxlan', vni: 1, vtepMAC: '02:00:00:00:00:01', ipv6Subnet: 'fc00:5:0:1::/64', publicIPv6: 'fd00::1', vtepMACv6: '02:00:00:00:06:01' };
    expect(ipv6Side(dual)).toEqual(self);
    expect(ipv6Side({ ...dual, ipv6Subnet: undefined } as unknown as Lease)).toBeUndefined();
  });

  it.each([
    ['', 1, 'weft-v6.1'],
    ['flannel.1', 1, 'flannel-v6.1'],
    ['flannel.4096', 4096, 'flannel-v6.4096'],
    ['averylongname.1', 1, 'averylongn-v6.1'],
    ['vx0', 1, 'vx0-v6'],
  ])('names the IPv6 device for overlay.device %j (VNI %d) %s', (configured, vni, name) => {
    expect(ipv6DeviceName(configured, vni)).toBe(name);
    expect(name.length).toBeLessThanOrEqual(15);
  });
});
