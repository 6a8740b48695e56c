import { describe, expect, it } from 'vitest';
import { buildDelegateConfig } from './delegate-config.ts';
import { parseConfig } from './spec/config.ts';
import { parseSubnetEnv } from './subnet-env.ts';

const subnet = parseSubnetEnv('FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.34.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n', 'f');

describe('delegate config (as flannel builds it)', () => {
  it('the smallest config: bridge + host-local on this host subnet, route to the network, no ipMasq when the daemon masquerades', () => {
    const d = buildDelegateConfig(parseConfig({ cniVersion: '1.1.0', name: 'weft', type: 'weft-cni' }, 'ADD'), subnet);
    expect(d).toEqual({
      cniVersion: '1.0.0',
      name: 'weft',
      type: 'bridge',
      ipMasq: false,
      mtu: 1450,
      isGateway: true,
      hairpinMode: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.5.34.0/24' }]], routes: [{ dst: '10.5.0.0/16', gw: '10.5.34.1' }] },
    });
  });

  it('masquerades itself when the daemon does not; keeps the version asked up to 1.0.0', () => {
    const noMasq = parseSubnetEnv('FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.34.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n', 'f');
    const d = buildDelegateConfig(parseConfig({ cniVersion: '0.3.1', name: 'weft' }, 'ADD'), noMasq);
    expect(d).toMatchObject({ ipMasq: true, cniVersion: '0.3.1' });
  });

  it('delegate and ipam options win, user routes come first, runtimeConfig and dns settings pass through', () => {
    const config = parseConfig(
      {
        cniVersion: '1.0.0',
        name: 'weft',
        delegate: { bridge: 'weft0', ipMasq: true, mtu: 1400, isGateway: false, hairpinMode: false, isDefaultGateway: true },
        ipam: { dataDir: '/tmp/ipam', routes: [{ dst: '0.0.0.0/0' }] },
        dns: { nameservers: ['10.5.0.10'] },
        runtimeConfig: { aliases: ['web'] },
      },
      'ADD',
    );
    expect(buildDelegateConfig(config, subnet)).toEqual({
      cniVersion: '1.0.0',
      name: 'weft',
      type: 'bridge',
      bridge: 'weft0',
      ipMasq: true,
      mtu: 1400,
      isGateway: false,
      hairpinMode: false,
      isDefaultGateway: true,
      dns: { nameservers: ['10.5.0.10'] },
      runtimeConfig: { aliases: ['web'] },
      ipam: { type: 'host-local', dataDir: '/tmp/ipam', ranges: [[{ subnet: '10.5.34.0/24' }]], routes: [{ dst: '0.0.0.0/0' }, { dst: '10.5.0.0/16', gw: '10.5.34.1' }] },
    });
  });

  it('another delegate type gets no bridge options', () => {
    const d = buildDelegateConfig(parseConfig({ cniVersion: '1.0.0', name: 'weft', delegate: { type: 'ptp' } }, 'ADD'), subnet);
    expect(d.type).toBe('ptp');
    expect('isGateway' in d || 'hairpinMode' in d).toBe(false);
  });
});
