// Choosing subnets with EnableIPv6 (flannel's local_manager: both families fit or the lease is
// stale; a random free subnet of each family) and with EnableIPv4 false (IPv6-only).
import { describe, expect, it } from 'vitest';
import { chooseSubnet, describeChoice, freeSubnets6, type ChoiceInput, type HeldSubnet } from './choose.ts';
import { formatNet6, parseCidr4, parseCidr6, type Net4, type Net6 } from '../net/index.ts';
import { noIpv4Subnet } from './lease-codec.ts';
import { parseNetworkConfig } from './network-config.ts';

const net4 = (text: string): Net4 => parseCidr4(text)!;
const net6 = (text: string): Net6 => parseCidr6(text)!;
const dual = parseNetworkConfig('{"Network":"10.5.0.0/16","EnableIPv6":true,"IPv6Network":"fc00::/48","Backend":{"Type":"vxlan"}}');
const v6only = parseNetworkConfig('{"EnableIPv4":false,"EnableIPv6":true,"IPv6Network":"fc00::/48","Backend":{"Type":"vxlan"}}');
const v4only = parseNetworkConfig('{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan"}}');
const first = (): number => 0;

const held = (v4: string | undefined, v6: string | undefined, publicIP: string, publicIPv6?: string): HeldSubnet => ({
  subnet: v4 === undefined ? noIpv4Subnet : net4(v4), publicIP, modRevision: 3,
  ...(v6 === undefined ? {} : { subnet6: net6(v6) }), ...(publicIPv6 === undefined ? {} : { publicIPv6 }),
});

function choose(config: typeof dual, input: Partial<ChoiceInput>): string {
  const choice = chooseSubnet({ network: config.ipv4, network6: config.ipv6, held: [], publicIP: '192.168.0.1', publicIPv6: 'fd00::1', random: first, ...input });
  const stale = choice.kind !== 'reuse' && choice.stale !== undefined ? ' stale' : '';
  return `${describeChoice(choice)}${choice.kind === 'create' ? ` (${choice.reason})` : ''}${stale}`;
}

describe('choosing dual-stack subnets', () => {
  it.each<[string, typeof dual, Partial<ChoiceInput>, string]>([
    ['first free of each family', dual, {}, 'create 10.5.1.0/24 fc00:0:0:1::/64 (random)'],
    ['skips taken IPv6 subnets', dual, { held: [held('10.5.9.0/24', 'fc00:0:0:1::/64', '10.0.0.9')] }, 'create 10.5.1.0/24 fc00:0:0:2::/64 (random)'],
    ['reuses its own dual-stack lease', dual, { held: [held('10.5.9.0/24', 'fc00:0:0:7::/64', '192.168.0.1')] }, 'reuse 10.5.9.0/24 fc00:0:0:7::/64'],
    ['own IPv4-only lease is stale once IPv6 is on', dual, { held: [held('10.5.9.0/24', undefined, '192.168.0.1')] }, 'create 10.5.1.0/24 fc00:0:0:1::/64 (random) stale'],
    ['own dual-stack lease is stale once IPv6 is off', v4only, { held: [held('10.5.9.0/24', 'fc00:0:0:7::/64', '192.168.0.1')] }, 'create 10.5.1.0/24 (random) stale'],
    ['previous pair when both are free', dual, { previous: net4('10.5.4.0/24'), previous6: net6('fc00:0:0:4::/64') }, 'create 10.5.4.0/24 fc00:0:0:4::/64 (previous)'],
    ['not the previous pair without its IPv6 half', dual, { previous: net4('10.5.4.0/24') }, 'create 10.5.1.0/24 fc00:0:0:1::/64 (random)'],
    ['not the previous pair when its IPv6 half is taken', dual, { previous: net4('10.5.4.0/24'), previous6: net6('fc00:0:0:4::/64'), held: [held('10.5.9.0/24', 'fc00:0:0:4::/64', '10.0.0.9')] }, 'create 10.5.1.0/24 fc00:0:0:1::/64 (random)'],
  ])('%s', (_name, config, input, want) => {
    expect(choose(config, input)).toBe(want);
  });

  it('is exhausted when either family is', () => {
    const small = parseNetworkConfig('{"Network":"10.5.0.0/16","EnableIPv6":true,"IPv6Network":"fc00::/62","IPv6SubnetLen":64,"Backend":{"Type":"vxlan"}}');
    const full = ['fc00:0:0:1::/64', 'fc00:0:0:2::/64', 'fc00:0:0:3::/64'].map((v6, i) => held(`10.5.${i + 1}.0/24`, v6, `10.0.0.${i + 1}`));
    expect(choose(small, { held: full })).toBe('exhausted');
  });
});

describe('choosing IPv6-only subnets', () => {
  it.each<[string, Partial<ChoiceInput>, string]>([
    ['first free, the IPv4 part empty as flannel keys it', {}, 'create 0.0.0.0/0 fc00:0:0:1::/64 (random)'],
    // flannel's etcd manager offers 0.0.0.0/0 once, so its second IPv6-only host finds no subnet.
    ['other IPv6-only hosts do not block each other', { held: [held(undefined, 'fc00:0:0:1::/64', '0.0.0.0', 'fd00::9')] }, 'create 0.0.0.0/0 fc00:0:0:2::/64 (random)'],
    ['its own lease found by PublicIPv6', { held: [held(undefined, 'fc00:0:0:1::/64', '', 'fd00::9'), held(undefined, 'fc00:0:0:5::/64', '', 'fd00::1')] }, 'reuse 0.0.0.0/0 fc00:0:0:5::/64'],
    ['previous IPv6 subnet', { previous6: net6('fc00:0:0:8::/64') }, 'create 0.0.0.0/0 fc00:0:0:8::/64 (previous)'],
  ])('%s', (_name, input, want) => {
    expect(choose(v6only, input)).toBe(want);
  });
});

describe('freeSubnets6', () => {
  it('skips every subnet a wider or narrower taken prefix overlaps', () => {
    const network = v6only.ipv6!;
    const free = freeSubnets6(network, [net6('fc00:0:0:2::/63'), net6('fc00:0:0:5::80/121')], 4).map(formatNet6);
    expect(free).toEqual(['fc00:0:0:1::/64', 'fc00:0:0:4::/64', 'fc00:0:0:6::/64', 'fc00:0:0:7::/64']);
  });
});
