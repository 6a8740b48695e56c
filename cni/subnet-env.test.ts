import { describe, expect, it } from 'vitest';
import { gatewayOf, maskCidr, parseSubnetEnv } from './subnet-env.ts';

describe('subnet file (flannel format)', () => {
  it('reads what the weft daemon writes, masking the subnet as flannel does', () => {
    const env = parseSubnetEnv('FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.34.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n', '/run/flannel/subnet.env');
    expect(env).toEqual({ networks: ['10.5.0.0/16'], subnet: '10.5.34.0/24', ip6Networks: [], ip6Subnet: undefined, mtu: 1450, ipMasq: false });
  });

  it('reads dual-stack and comma lists, dropping duplicates', () => {
    const env = parseSubnetEnv('FLANNEL_NETWORK=10.5.0.0/16,10.6.0.0/16,10.5.0.0/16\nFLANNEL_IPV6_NETWORK=fd00:5::/48\nFLANNEL_IPV6_SUBNET=fd00:5:0:22::1/64\nFLANNEL_SUBNET=10.5.34.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true', 'f');
    expect(env.networks).toEqual(['10.5.0.0/16', '10.6.0.0/16']);
    expect(env.ip6Subnet).toBe('fd00:5:0:22:0:0:0:0/64');
    expect(env.ipMasq).toBe(true);
  });

  it.each([
    ['FLANNEL_MTU missing', 'FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.34.1/24\nFLANNEL_IPMASQ=false', /missing FLANNEL_MTU/],
    ['no subnet', 'FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false', /FLANNEL_SUBNET/],
    ['a bad CIDR', 'FLANNEL_NETWORK=10.5.0.0/33\nFLANNEL_SUBNET=10.5.34.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false', /not a CIDR/],
    ['a bad MTU', 'FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.34.1/24\nFLANNEL_MTU=9x\nFLANNEL_IPMASQ=false', /not an MTU/],
  ])('refuses a file with %s (code 7)', (_what, text, message) => {
    expect(() => parseSubnetEnv(text, 'f')).toThrow(message);
  });

  it('masks and finds the gateway for IPv4 and IPv6', () => {
    expect(maskCidr('10.5.34.77/20', 'k')).toBe('10.5.32.0/20');
    expect(maskCidr('10.5.34.77/0', 'k')).toBe('0.0.0.0/0');
    expect(maskCidr('fd00::1:2/112', 'k')).toBe('fd00:0:0:0:0:0:1:0/112');
    expect(gatewayOf('10.5.32.0/20')).toBe('10.5.32.1');
    expect(gatewayOf('fd00:0:0:0:0:0:1:0/112')).toBe('fd00:0:0:0:0:0:1:1');
  });
});
