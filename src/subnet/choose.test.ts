import { describe, expect, it } from 'vitest';
import { chooseSubnet, freeSubnets, type ChoiceInput, type HeldSubnet } from './choose.ts';
import { formatNet4, parseCidr4, type Net4 } from '../net/index.ts';
import { parseNetworkConfig, type Ipv4Network } from './network-config.ts';

function net(text: string): Net4 {
  const parsed = parseCidr4(text);
  if (parsed === undefined) throw new Error(text);
  return parsed;
}

function network(json: string): Ipv4Network {
  const v4 = parseNetworkConfig(json).ipv4;
  if (v4 === undefined) throw new Error('no ipv4');
  return v4;
}

const n16 = network('{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan"}}');
const held = (subnet: string, publicIP: string, modRevision = 10): HeldSubnet => ({ subnet: net(subnet), publicIP, modRevision });
const first = (): number => 0;

function choose(input: Partial<ChoiceInput>): string {
  const choice = chooseSubnet({ network: n16, held: [], publicIP: '192.168.0.1', random: first, ...input });
  if (choice.kind === 'exhausted') return `exhausted${choice.stale === undefined ? '' : ` stale=${formatNet4(choice.stale.subnet)}`}`;
  const stale = choice.kind === 'create' && choice.stale !== undefined ? ` stale=${formatNet4(choice.stale.subnet)}` : '';
  return `${choice.kind === 'reuse' ? 'reuse' : `create(${choice.reason})`} ${formatNet4(choice.subnet)}${stale}`;
}

describe('choosing a subnet, in flannel\'s order of preference', () => {
  it.each<[string, Partial<ChoiceInput>, string]>([
    ['an existing lease with our PublicIP comes first', { held: [held('10.5.7.0/24', '192.168.0.1')], previous: net('10.5.9.0/24') }, 'reuse 10.5.7.0/24'],
    ['then the previous subnet if free', { held: [held('10.5.7.0/24', '192.168.0.2')], previous: net('10.5.9.0/24') }, 'create(previous) 10.5.9.0/24'],
    ['not the previous subnet if another host holds it', { held: [held('10.5.9.0/24', '192.168.0.2')], previous: net('10.5.9.0/24') }, 'create(random) 10.5.1.0/24'],
    ['not the previous subnet if a malformed key occupies it', { occupied: [net('10.5.9.0/24')], previous: net('10.5.9.0/24') }, 'create(random) 10.5.1.0/24'],
    ['not a previous subnet of the wrong length', { previous: net('10.5.9.0/25') }, 'create(random) 10.5.1.0/24'],
    ['not a previous subnet outside SubnetMin..SubnetMax', { previous: net('10.5.0.0/24') }, 'create(random) 10.5.1.0/24'],
    ['else a free subnet, never the first of the network', {}, 'create(random) 10.5.1.0/24'],
    ['skipping held subnets', { held: [held('10.5.1.0/24', 'a'), held('10.5.2.0/24', 'b')] }, 'create(random) 10.5.3.0/24'],
    ['skipping subnets overlapped by a lease of another length', { held: [held('10.5.0.0/23', 'a')] }, 'create(random) 10.5.2.0/24'],
    ['a lease of ours that no longer fits is replaced (and reported stale)', { held: [held('10.5.7.0/25', '192.168.0.1')] }, 'create(random) 10.5.1.0/24 stale=10.5.7.0/25'],
  ])('%s', (_name, input, expected) => {
    expect(choose(input)).toBe(expected);
  });

  it('picks at random among the first free subnets', () => {
    expect(choose({ random: () => 0.999 })).toBe('create(random) 10.5.100.0/24');
    expect(choose({ random: () => 0.999, candidates: 5 })).toBe('create(random) 10.5.5.0/24');
    expect(choose({ random: () => 0.5, candidates: 10 })).toBe('create(random) 10.5.6.0/24');
  });

  it('reports exhaustion when every subnet is held', () => {
    const small = network('{"Network":"10.9.9.0/28"}');
    const all = ['10.9.9.4/30', '10.9.9.8/30', '10.9.9.12/30'].map((s, i) => held(s, `h${i}`));
    expect(chooseSubnet({ network: small, held: all, publicIP: 'x', random: first }).kind).toBe('exhausted');
    expect(chooseSubnet({ network: small, held: all.slice(1), publicIP: 'x', random: first })).toMatchObject({ kind: 'create', subnet: net('10.9.9.4/30') });
  });

  it('lists free subnets lowest first, fast on a /8 with many leases', () => {
    const big = network('{"Network":"10.0.0.0/8"}');
    const leases: Net4[] = [];
    for (let i = 1; i <= 5000; i++) leases.push({ ip: big.network.ip + i * 256, prefixLen: 24 });
    const started = performance.now();
    const free = freeSubnets(big, leases, 3);
    expect(free.map(formatNet4)).toEqual(['10.19.137.0/24', '10.19.138.0/24', '10.19.139.0/24']);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
