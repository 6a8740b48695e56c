// subnet.env with EnableIPv6, as flannel's WriteSubnetFile writes it (the IPv6 pair after the IPv4
// pair; only the IPv6 pair when EnableIPv4 is false), and FLANNEL_IPV6_SUBNET read back.
import { describe, expect, it } from 'vitest';
import { formatNet6, parseCidr4, parseCidr6 } from '../net/index.ts';
import { previousSubnet6, renderSubnetEnv } from './subnet-env.ts';

describe('subnet.env with IPv6', () => {
  it('renders the dual-stack file in flannel\'s order', () => {
    expect(renderSubnetEnv({
      network: parseCidr4('10.5.0.0/16'), subnet: parseCidr4('10.5.34.0/24'),
      ipv6Network: parseCidr6('fc00::/48'), ipv6Subnet: parseCidr6('fc00:0:0:22::/64'), mtu: 1450, ipMasq: true,
    })).toBe('FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.34.1/24\nFLANNEL_IPV6_NETWORK=fc00::/48\nFLANNEL_IPV6_SUBNET=fc00:0:0:22::1/64\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n');
  });

  it('renders the IPv6-only file without the IPv4 pair', () => {
    expect(renderSubnetEnv({ ipv6Network: parseCidr6('fc00::/48'), ipv6Subnet: parseCidr6('fc00:0:0:7::/64'), mtu: 1450, ipMasq: false }))
      .toBe('FLANNEL_IPV6_NETWORK=fc00::/48\nFLANNEL_IPV6_SUBNET=fc00:0:0:7::1/64\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n');
  });

  it.each([
    ['FLANNEL_IPV6_SUBNET=fc00:0:0:22::1/64\n', 'fc00:0:0:22::/64'],
    ['FLANNEL_SUBNET=10.5.34.1/24\n', undefined],
    ['FLANNEL_IPV6_SUBNET=10.5.34.1/24\n', undefined],
  ])('reads the previous IPv6 subnet back from %j', (text, expected) => {
    const subnet = previousSubnet6(text);
    expect(subnet === undefined ? undefined : formatNet6(subnet)).toBe(expected);
  });
});
