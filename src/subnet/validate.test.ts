import { describe, expect, it } from 'vitest';
import { defaults, type Config } from '../config/index.ts';
import { validateSubnet } from './validate.ts';

function withSubnet(subnet: Partial<Config['subnet']>): Config {
  const base = defaults();
  return { ...base, subnet: { ...base.subnet, ...subnet } };
}

describe('[subnet] checks for flanneld\'s interface and address flags', () => {
  it.each<[Partial<Config['subnet']>]>([
    [{ iface: ['eth0', '10.0.0.5', 'br-1a2b3c4d5e6f'] }],
    [{ iface_regex: ['^eth[0-9]{1,2}$', '^10\\.0\\.'] }],
    [{ iface_can_reach: '10.0.0.1' }],
    [{ public_ip: '10.0.0.5', public_ipv6: 'fd00::5' }],
  ])('accepts %j', (subnet) => {
    expect(validateSubnet(withSubnet(subnet))).toEqual([]);
  });

  it.each<[Partial<Config['subnet']>, string, RegExp]>([
    [{ iface: ['eth0', 'a/b'] }, 'subnet.iface', /may not contain '\/'.*or give an IPv4 address/],
    [{ iface: ['a-name-that-is-too-long'] }, 'subnet.iface', /1 to 15 bytes/],
    [{ iface_regex: ['(eth'] }, 'subnet.iface_regex', /not a regular expression/],
    [{ iface_can_reach: 'gateway' }, 'subnet.iface_can_reach', /not an IPv4 address/],
    [{ public_ipv6: '10.0.0.5' }, 'subnet.public_ipv6', /not an IPv6 address/],
    [{ public_ipv6: 'fd00::/64' }, 'subnet.public_ipv6', /not an IPv6 address/],
  ])('refuses %j in %s', (subnet, path, message) => {
    const problems = validateSubnet(withSubnet(subnet));
    expect(problems.map((p) => p.path)).toEqual([path]);
    expect(problems[0]?.message).toMatch(message);
  });
});
