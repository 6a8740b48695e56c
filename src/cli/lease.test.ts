import { describe, expect, it } from 'vitest';
import { formatLeaseTable } from './lease.ts';

const now = Date.parse('2030-01-01T00:00:00Z');
const expires = new Date(now + 90_000);

describe('weft lease ls table', () => {
  it('keeps the IPv4 columns when no lease has an IPv6 side', () => {
    expect(formatLeaseTable([{ subnet: '10.5.34.0/24', publicIP: '10.0.0.1', backendType: 'vxlan', vni: 1, vtepMAC: '02:00:00:00:00:01', expires }], now)).toBe(
      'SUBNET        PUBLIC IP  BACKEND  VTEP MAC           EXPIRES IN\n10.5.34.0/24  10.0.0.1   vxlan/1  02:00:00:00:00:01  90s',
    );
  });

  it('adds the IPv6 columns for dual-stack and IPv6-only leases', () => {
    const table = formatLeaseTable([
      { subnet: '10.5.34.0/24', publicIP: '10.0.0.1', backendType: 'vxlan', vni: 1, vtepMAC: '02:00:00:00:00:01', ipv6Subnet: 'fc00:0:0:22::/64', publicIPv6: 'fd00::1', vtepMACv6: '02:00:00:00:00:61', expires },
      { subnet: '', publicIP: '', backendType: 'vxlan', vni: 1, vtepMAC: '', ipv6Subnet: 'fc00:0:0:23::/64', publicIPv6: 'fd00::2', vtepMACv6: '02:00:00:00:00:62' },
    ], now);
    expect(table.split('\n')).toEqual([
      'SUBNET        PUBLIC IP  IPV6 SUBNET       PUBLIC IPV6  BACKEND  VTEP MAC           VTEP MAC V6        EXPIRES IN',
      '10.5.34.0/24  10.0.0.1   fc00:0:0:22::/64  fd00::1      vxlan/1  02:00:00:00:00:01  02:00:00:00:00:61  90s',
      '-             -          fc00:0:0:23::/64  fd00::2      vxlan/1  -                  02:00:00:00:00:62  never',
    ]);
  });
});
