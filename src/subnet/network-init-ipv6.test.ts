// `weft network init` with --ipv6-network / --ipv6-subnet-len / --no-ipv4: flannel's field names.
import { describe, expect, it } from 'vitest';
import { parseNetworkConfig, renderNetworkConfig } from './network-config.ts';

describe('network init with IPv6', () => {
  it('writes a dual-stack config flannel reads', () => {
    const text = renderNetworkConfig({ network: '10.5.0.0/16', ipv6Network: 'fc00::/48', ipv6SubnetLen: 64, vni: 1 });
    expect(text).toBe('{"Network":"10.5.0.0/16","EnableIPv6":true,"IPv6Network":"fc00::/48","IPv6SubnetLen":64,"Backend":{"Type":"vxlan","VNI":1}}');
    expect(parseNetworkConfig(text).ipv6?.subnetLen).toBe(64);
  });

  it('writes an IPv6-only config', () => {
    const text = renderNetworkConfig({ network: '', ipv4: false, ipv6Network: 'fc00::/48' });
    expect(text).toBe('{"EnableIPv4":false,"EnableIPv6":true,"IPv6Network":"fc00::/48","Backend":{"Type":"vxlan"}}');
    expect(parseNetworkConfig(text).ipv4).toBeUndefined();
  });

  it('refuses a bad IPv6 network before anything is written', () => {
    expect(() => renderNetworkConfig({ network: '10.5.0.0/16', ipv6Network: '10.6.0.0/16' })).toThrow(/IPv6Network "10.6.0.0\/16" is not an IPv6 CIDR/);
  });
});
