import { describe, expect, it } from 'vitest';
import { isWeftError } from '../errors.ts';
import { formatIp4, formatIp6, formatNet4 } from '../net/index.ts';
import { describeNetworkConfig, parseNetworkConfig, renderNetworkConfig } from './network-config.ts';

function summary(text: string): Record<string, unknown> {
  const config = parseNetworkConfig(text);
  const v4 = config.ipv4;
  return {
    network: v4 === undefined ? undefined : formatNet4(v4.network),
    subnetLen: v4?.subnetLen,
    min: v4 === undefined ? undefined : formatIp4(v4.subnetMin),
    max: v4 === undefined ? undefined : formatIp4(v4.subnetMax),
    backend: config.backend.type,
    vni: config.backend.vni,
    port: config.backend.port,
  };
}

describe('network config: flannel defaults', () => {
  it.each([
    ['a /16 gets /24 subnets, skipping the first and ending at the last', '{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan"}}',
      { network: '10.5.0.0/16', subnetLen: 24, min: '10.5.1.0', max: '10.5.255.0', backend: 'vxlan', vni: 1, port: 8472 }],
    ['a /22 still gets /24s', '{"Network":"10.6.0.0/22","Backend":{"Type":"vxlan"}}',
      { network: '10.6.0.0/22', subnetLen: 24, min: '10.6.1.0', max: '10.6.3.0', backend: 'vxlan', vni: 1, port: 8472 }],
    ['a /23 gets prefix+2', '{"Network":"10.6.0.0/23","Backend":{"Type":"vxlan"}}',
      { network: '10.6.0.0/23', subnetLen: 25, min: '10.6.0.128', max: '10.6.1.128', backend: 'vxlan', vni: 1, port: 8472 }],
    ['a /24 gets /26s', '{"Network":"192.168.7.0/24","Backend":{"Type":"vxlan"}}',
      { network: '192.168.7.0/24', subnetLen: 26, min: '192.168.7.64', max: '192.168.7.192', backend: 'vxlan', vni: 1, port: 8472 }],
    ['a /28 (the smallest) gets /30s', '{"Network":"10.9.9.0/28","Backend":{"Type":"vxlan"}}',
      { network: '10.9.9.0/28', subnetLen: 30, min: '10.9.9.4', max: '10.9.9.12', backend: 'vxlan', vni: 1, port: 8472 }],
    ['a /8 gets /24s', '{"Network":"10.0.0.0/8","Backend":{"Type":"vxlan"}}',
      { network: '10.0.0.0/8', subnetLen: 24, min: '10.0.1.0', max: '10.255.255.0', backend: 'vxlan', vni: 1, port: 8472 }],
    ['host bits in Network are masked off as Go does', '{"Network":"10.5.7.9/16","Backend":{"Type":"vxlan"}}',
      { network: '10.5.0.0/16', subnetLen: 24, min: '10.5.1.0', max: '10.5.255.0', backend: 'vxlan', vni: 1, port: 8472 }],
    ['explicit SubnetLen, SubnetMin, SubnetMax, VNI, Port', '{"Network":"10.5.0.0/16","SubnetLen":26,"SubnetMin":"10.5.10.0","SubnetMax":"10.5.20.192","Backend":{"Type":"vxlan","VNI":42,"Port":4789}}',
      { network: '10.5.0.0/16', subnetLen: 26, min: '10.5.10.0', max: '10.5.20.192', backend: 'vxlan', vni: 42, port: 4789 }],
    ['field names match case-insensitively, like Go', '{"network":"10.5.0.0/16","SUBNETLEN":25,"backend":{"type":"vxlan","vni":3}}',
      { network: '10.5.0.0/16', subnetLen: 25, min: '10.5.0.128', max: '10.5.255.128', backend: 'vxlan', vni: 3, port: 8472 }],
    ['an exact-case key and a later duplicate: the last one wins', '{"Network":"10.1.0.0/16","network":"10.2.0.0/16","Backend":{"Type":"vxlan"}}',
      { network: '10.2.0.0/16', subnetLen: 24, min: '10.2.1.0', max: '10.2.255.0', backend: 'vxlan', vni: 1, port: 8472 }],
    ['no Backend means flannel\'s udp', '{"Network":"10.5.0.0/16"}',
      { network: '10.5.0.0/16', subnetLen: 24, min: '10.5.1.0', max: '10.5.255.0', backend: 'udp', vni: 1, port: 8472 }],
    ['null values and unknown keys are ignored', '{"Network":"10.5.0.0/16","SubnetLen":null,"Whatever":[1],"Backend":{"Type":"host-gw","VNI":null}}',
      { network: '10.5.0.0/16', subnetLen: 24, min: '10.5.1.0', max: '10.5.255.0', backend: 'host-gw', vni: 1, port: 8472 }],
    ['Port 0 means the kernel default 8472', '{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan","Port":0}}',
      { network: '10.5.0.0/16', subnetLen: 24, min: '10.5.1.0', max: '10.5.255.0', backend: 'vxlan', vni: 1, port: 8472 }],
    ['SubnetMin "0.0.0.0" counts as unset', '{"Network":"10.5.0.0/16","SubnetMin":"0.0.0.0","Backend":{"Type":"vxlan"}}',
      { network: '10.5.0.0/16', subnetLen: 24, min: '10.5.1.0', max: '10.5.255.0', backend: 'vxlan', vni: 1, port: 8472 }],
  ])('%s', (_name, text, expected) => {
    expect(summary(text)).toEqual(expected);
  });

  it('reads DirectRouting, GBP, Learning and MTU from Backend', () => {
    const { backend } = parseNetworkConfig('{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan","DirectRouting":true,"GBP":true,"Learning":true,"MTU":1400}}');
    expect(backend).toEqual({ type: 'vxlan', vni: 1, port: 8472, directRouting: true, gbp: true, learning: true, mtu: 1400 });
  });

  it('fills IPv6 defaults: /64 subnets in a /48, skipping the first', () => {
    const config = parseNetworkConfig('{"Network":"10.5.0.0/16","EnableIPv6":true,"IPv6Network":"fc00::/48","Backend":{"Type":"vxlan"}}');
    expect(config.ipv6?.subnetLen).toBe(64);
    expect(formatIp6(config.ipv6?.subnetMin ?? 0n)).toBe('fc00:0:0:1::');
    expect(formatIp6(config.ipv6?.subnetMax ?? 0n)).toBe('fc00:0:0:ffff::');
  });

  it('gives an IPv6 network smaller than /62 prefix+2 subnets', () => {
    expect(parseNetworkConfig('{"Network":"10.5.0.0/16","EnableIPv6":true,"IPv6Network":"fc00::/120"}').ipv6?.subnetLen).toBe(122);
  });

  it('accepts an IPv6-only network (EnableIPv4 false) without Network', () => {
    const config = parseNetworkConfig('{"EnableIPv4":false,"EnableIPv6":true,"IPv6Network":"fc00::/48"}');
    expect(config.ipv4).toBeUndefined();
    expect(config.ipv6?.subnetLen).toBe(64);
  });

  it('renders what `weft network init` writes and parses it back', () => {
    expect(renderNetworkConfig({ network: '10.5.0.0/16' })).toBe('{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan"}}');
    expect(renderNetworkConfig({ network: '10.5.0.0/16', subnetLen: 26, vni: 7 })).toBe('{"Network":"10.5.0.0/16","SubnetLen":26,"Backend":{"Type":"vxlan","VNI":7}}');
    expect(describeNetworkConfig(parseNetworkConfig('{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan"}}'))).toEqual({
      Network: '10.5.0.0/16', SubnetLen: 24, SubnetMin: '10.5.1.0', SubnetMax: '10.5.255.0',
      Backend: { Type: 'vxlan', VNI: 1, Port: 8472, DirectRouting: false, GBP: false, Learning: false, MTU: 0 },
    });
  });
});

describe('network config: every validation error names the field', () => {
  it.each([
    ['not JSON', '{"Network": ', /not JSON/],
    ['not an object', '["10.5.0.0/16"]', /the config must be a JSON object/],
    ['Network missing', '{"Backend":{"Type":"vxlan"}}', /Network is missing/],
    ['Network 0.0.0.0/0 counts as missing', '{"Network":"0.0.0.0/0"}', /Network is missing/],
    ['Network not a CIDR', '{"Network":"10.5.0.0"}', /Network "10.5.0.0" is not an IPv4 CIDR/],
    ['Network with a bad address', '{"Network":"10.5.300.0/16"}', /Network "10.5.300.0\/16" is not an IPv4 CIDR/],
    ['Network prefix beyond 32', '{"Network":"10.5.0.0/33"}', /Network "10.5.0.0\/33" is not an IPv4 CIDR/],
    ['Network not a string', '{"Network":10}', /Network must be a string, got number 10/],
    ['Network too small for defaults', '{"Network":"10.5.0.0/29"}', /Network \/29 is too small; the smallest useful network is a \/28/],
    ['SubnetLen over 30', '{"Network":"10.5.0.0/16","SubnetLen":31}', /SubnetLen 31 is too long/],
    ['SubnetLen leaves fewer than four subnets', '{"Network":"10.5.0.0/16","SubnetLen":17}', /SubnetLen 17 leaves fewer than four subnets.*at least 18/],
    ['SubnetLen negative', '{"Network":"10.5.0.0/16","SubnetLen":-1}', /SubnetLen must be between 0 and/],
    ['SubnetLen fractional', '{"Network":"10.5.0.0/16","SubnetLen":24.5}', /SubnetLen must be a whole number, got number 24.5/],
    ['SubnetLen written as a float (Go: cannot unmarshal number 24.0 into uint)', '{"Network":"10.5.0.0/16","SubnetLen":24.0}', /SubnetLen must be a whole number, got number 24.0/],
    ['SubnetLen with an exponent', '{"Network":"10.5.0.0/16","SubnetLen":2.4e1}', /SubnetLen must be a whole number, got number 2.4e1/],
    ['SubnetLen as a string', '{"Network":"10.5.0.0/16","SubnetLen":"24"}', /SubnetLen must be a whole number, got string "24"/],
    ['SubnetMin not an address', '{"Network":"10.5.0.0/16","SubnetMin":"ten"}', /SubnetMin "ten" is not an IPv4 address/],
    ['SubnetMin outside Network', '{"Network":"10.5.0.0/16","SubnetMin":"10.6.1.0"}', /SubnetMin 10.6.1.0 is not inside Network/],
    ['SubnetMax outside Network', '{"Network":"10.5.0.0/16","SubnetMax":"10.6.1.0"}', /SubnetMax 10.6.1.0 is not inside Network/],
    ['SubnetMin off the boundary', '{"Network":"10.5.0.0/16","SubnetMin":"10.5.1.1"}', /SubnetMin 10.5.1.1 is not on a \/24 boundary/],
    ['SubnetMax off the boundary', '{"Network":"10.5.0.0/16","SubnetMax":"10.5.9.128"}', /SubnetMax 10.5.9.128 is not on a \/24 boundary/],
    ['SubnetMin after SubnetMax (weft only)', '{"Network":"10.5.0.0/16","SubnetMin":"10.5.9.0","SubnetMax":"10.5.3.0"}', /SubnetMin 10.5.9.0 is after SubnetMax 10.5.3.0/],
    ['EnableIPv4 not a bool', '{"Network":"10.5.0.0/16","EnableIPv4":"yes"}', /EnableIPv4 must be true or false/],
    ['Backend not an object', '{"Network":"10.5.0.0/16","Backend":"vxlan"}', /Backend must be a JSON object/],
    ['Backend without Type', '{"Network":"10.5.0.0/16","Backend":{"VNI":1}}', /Backend.Type is missing/],
    ['Backend.Type not a string', '{"Network":"10.5.0.0/16","Backend":{"Type":1}}', /Backend.Type must be a string/],
    ['VNI beyond 24 bits', '{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan","VNI":16777216}}', /Backend.VNI must be between 0 and 16777215/],
    ['Port beyond 65535', '{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan","Port":70000}}', /Backend.Port must be between 0 and 65535/],
    ['DirectRouting not a bool', '{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan","DirectRouting":1}}', /Backend.DirectRouting must be true or false/],
    ['MTU too small for a device 50 below it', '{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan","MTU":100}}', /Backend.MTU is the underlay MTU .* at least 118/],
    ['EnableIPv6 without IPv6Network', '{"Network":"10.5.0.0/16","EnableIPv6":true}', /IPv6Network is missing/],
    ['IPv6Network not a CIDR', '{"Network":"10.5.0.0/16","EnableIPv6":true,"IPv6Network":"fc00::"}', /IPv6Network "fc00::" is not an IPv6 CIDR/],
    ['IPv6Network too small', '{"Network":"10.5.0.0/16","EnableIPv6":true,"IPv6Network":"fc00::/125"}', /IPv6Network \/125 is too small/],
    ['IPv6SubnetLen over 126', '{"Network":"10.5.0.0/16","EnableIPv6":true,"IPv6Network":"fc00::/48","IPv6SubnetLen":127}', /IPv6SubnetLen 127 is too long/],
    ['IPv6SubnetLen too short', '{"Network":"10.5.0.0/16","EnableIPv6":true,"IPv6Network":"fc00::/48","IPv6SubnetLen":49}', /IPv6SubnetLen 49 leaves fewer than four subnets/],
    ['IPv6SubnetMin outside', '{"Network":"10.5.0.0/16","EnableIPv6":true,"IPv6Network":"fc00::/48","IPv6SubnetMin":"fd00::"}', /IPv6SubnetMin fd00:: is not inside IPv6Network/],
    ['IPv6SubnetMax outside', '{"Network":"10.5.0.0/16","EnableIPv6":true,"IPv6Network":"fc00::/48","IPv6SubnetMax":"fd00::"}', /IPv6SubnetMax fd00:: is not inside IPv6Network/],
    ['IPv6SubnetMin off the boundary', '{"Network":"10.5.0.0/16","EnableIPv6":true,"IPv6Network":"fc00::/48","IPv6SubnetMin":"fc00:0:0:1::1"}', /IPv6SubnetMin fc00:0:0:1::1 is not on a \/64 boundary/],
    ['IPv6SubnetMax off the boundary', '{"Network":"10.5.0.0/16","EnableIPv6":true,"IPv6Network":"fc00::/48","IPv6SubnetMax":"fc00:0:0:2::1"}', /IPv6SubnetMax fc00:0:0:2::1 is not on a \/64 boundary/],
    ['IPv6SubnetMin not an address', '{"Network":"10.5.0.0/16","EnableIPv6":true,"IPv6Network":"fc00::/48","IPv6SubnetMin":"x"}', /IPv6SubnetMin "x" is not an IPv6 address/],
  ])('%s', (_name, text, message) => {
    let caught: unknown;
    try {
      parseNetworkConfig(text, '/coreos.com/network/config');
    } catch (error) {
      caught = error;
    }
    expect(isWeftError(caught, 'WEFT_E_NETWORK_CONFIG')).toBe(true);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).toMatch(/^network config at \/coreos.com\/network\/config is invalid: /);
  });

  it('refuses to render an invalid init', () => {
    expect(() => renderNetworkConfig({ network: '10.5.0.0/30' })).toThrow(/too small/);
  });
});
