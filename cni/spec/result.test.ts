import { describe, expect, it } from 'vitest';
import { containerAddresses, convertResult, parseResult } from './result.ts';

// What Debian's bridge (plugins 1.1.1) prints for a 1.0.0 ADD.
const bridge100 = {
  cniVersion: '1.0.0',
  interfaces: [
    { name: 'cni0', mac: '5e:b3:f1:19:31:36' },
    { name: 'veth8dcc8dc9', mac: '56:44:5f:ad:50:e9' },
    { name: 'eth0', mac: 'fe:c9:a6:f5:58:65', mtu: 1450, sandbox: '/run/netns/c1' },
  ],
  ips: [{ address: '10.77.3.2/24', gateway: '10.77.3.1', interface: 2 }, { address: 'fd00:77:3::2/64', gateway: 'fd00:77:3::1', interface: 2 }],
  routes: [{ dst: '10.77.0.0/16', gw: '10.77.3.1', mtu: 1400 }],
  dns: {},
};

describe('results in the version asked', () => {
  it('1.1.0 and 1.0.0: as libcni types/100 prints them (no ip version, empty dns left out)', () => {
    for (const v of ['1.0.0', '1.1.0'] as const) {
      const out = convertResult(parseResult(bridge100), v);
      expect(out).toEqual({ ...bridge100, cniVersion: v, dns: undefined });
      expect('dns' in out).toBe(false);
    }
  });

  it('0.4.0, 0.3.1, 0.3.0: each IP carries its version, interfaces lose mtu, routes keep dst and gw, dns is present', () => {
    for (const v of ['0.3.0', '0.3.1', '0.4.0'] as const) {
      expect(convertResult(parseResult(bridge100), v)).toEqual({
        cniVersion: v,
        interfaces: [
          { name: 'cni0', mac: '5e:b3:f1:19:31:36' },
          { name: 'veth8dcc8dc9', mac: '56:44:5f:ad:50:e9' },
          { name: 'eth0', mac: 'fe:c9:a6:f5:58:65', sandbox: '/run/netns/c1' },
        ],
        ips: [
          { version: '4', interface: 2, address: '10.77.3.2/24', gateway: '10.77.3.1' },
          { version: '6', interface: 2, address: 'fd00:77:3::2/64', gateway: 'fd00:77:3::1' },
        ],
        routes: [{ dst: '10.77.0.0/16', gw: '10.77.3.1' }],
        dns: {},
      });
    }
  });

  it('reads a 0.4.0 result (with ip versions) back into 1.0.0', () => {
    const old = { cniVersion: '0.4.0', interfaces: [{ name: 'eth0', sandbox: '/x' }], ips: [{ version: '4', address: '10.1.0.5/16', interface: 0 }], dns: { nameservers: ['10.1.0.1'] } };
    expect(convertResult(parseResult(old), '1.0.0')).toEqual({ cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: '/x' }], ips: [{ address: '10.1.0.5/16', interface: 0 }], routes: [], dns: { nameservers: ['10.1.0.1'] } });
  });

  it('refuses results that are not results', () => {
    expect(() => parseResult([])).toThrow(/not a JSON object/);
    expect(() => parseResult({ ips: [{ gateway: '1.2.3.4' }] })).toThrow(/address/);
    expect(() => parseResult({ interfaces: 'eth0' })).toThrow(/list/);
    expect(() => parseResult({ routes: Array.from({ length: 257 }, () => ({ dst: '0.0.0.0/0' })) })).toThrow(/at most 256/);
  });

  it("the container's addresses are those on interfaces inside the sandbox", () => {
    expect(containerAddresses(parseResult(bridge100))).toEqual(['10.77.3.2', 'fd00:77:3::2']);
    expect(containerAddresses(parseResult({ interfaces: [{ name: 'cni0' }], ips: [{ address: '10.0.0.1/24', interface: 0 }] }))).toEqual([]);
  });
});
