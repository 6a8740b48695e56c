import { describe, expect, it } from 'vitest';
import type { KeyValue } from '../etcd/index.ts';
import { parseCidr4 } from '../net/index.ts';
import { decodeLease, decodeLeaseValue, encodeLeaseValue, leaseKey, parseLeaseKey, subnetsPrefix } from './lease-codec.ts';

const prefix = '/coreos.com/network';

function kv(key: string, value: string, lease = '7587869'): KeyValue {
  return { key, value, lease, modRevision: 5, createRevision: 5, version: 1 };
}

describe('lease keys', () => {
  it('names a subnet as flannel does', () => {
    expect(leaseKey(prefix, parseCidr4('10.5.34.0/24') ?? { ip: 0, prefixLen: 0 })).toBe('/coreos.com/network/subnets/10.5.34.0-24');
    expect(subnetsPrefix('/coreos.com/network/')).toBe('/coreos.com/network/subnets/');
  });

  it.each([
    ['/coreos.com/network/subnets/10.5.34.0-24', '10.5.34.0/24'],
    ['/coreos.com/network/subnets/10.5.34.0-24&fc00:0:0:22::-64', '10.5.34.0/24'],
    ['/coreos.com/network/subnets/10.5.0.128-25', '10.5.0.128/25'],
  ])('parses %s', (key, subnet) => {
    const parsed = parseLeaseKey(prefix, key);
    expect(typeof parsed).toBe('object');
    if (typeof parsed === 'object') expect(parsed.subnet).toEqual(parseCidr4(subnet));
  });

  it.each([
    ['/coreos.com/network/subnets/garbage', /does not name a subnet/],
    ['/coreos.com/network/subnets/10.5.34.0_24', /does not name a subnet/],
    ['/coreos.com/network/subnets/10.5.34.0-24/extra', /does not name a subnet/],
    ['/coreos.com/network/subnets/10.5.340.0-24', /not name a valid IPv4 subnet/],
    ['/coreos.com/network/subnets/10.5.34.0-33', /not name a valid IPv4 subnet/],
    ['/coreos.com/network/subnets/10.5.34.7-24', /not a network address/],
    ['/coreos.com/network/subnets/10.5.34.0-24&zz-64', /does not name a subnet/],
    ['/other/subnets/10.5.34.0-24', /is not under/],
  ])('rejects %s', (key, reason) => {
    expect(parseLeaseKey(prefix, key)).toMatch(reason);
  });
});

describe('lease values', () => {
  it('encodes byte for byte what flannel writes for an IPv4 vxlan host', () => {
    expect(encodeLeaseValue({ publicIP: '192.168.1.10', backendType: 'vxlan', vni: 1, vtepMAC: '0e:9c:d4:1a:2b:3c' }))
      .toBe('{"PublicIP":"192.168.1.10","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"0e:9c:d4:1a:2b:3c"}}');
  });

  it('omits BackendData for a backend without it, as omitempty does', () => {
    expect(encodeLeaseValue({ publicIP: '192.168.1.10', backendType: 'host-gw', vni: 0, vtepMAC: '' }))
      .toBe('{"PublicIP":"192.168.1.10","PublicIPv6":null,"BackendType":"host-gw"}');
  });

  it.each([
    ['flannel vxlan', '{"PublicIP":"10.0.0.2","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"7a:1b:2c:3d:4e:5f"}}',
      { publicIP: '10.0.0.2', backendType: 'vxlan', vni: 1, vtepMAC: '7a:1b:2c:3d:4e:5f' }],
    ['old flannel without PublicIPv6, other casing, upper-case MAC', '{"publicip":"10.0.0.3","backendtype":"vxlan","backenddata":{"vni":2,"vtepmac":"7A-1B-2C-3D-4E-5F"}}',
      { publicIP: '10.0.0.3', backendType: 'vxlan', vni: 2, vtepMAC: '7a:1b:2c:3d:4e:5f' }],
    ['dual-stack flannel', '{"PublicIP":"10.0.0.4","PublicIPv6":"fc00::4","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"7a:1b:2c:3d:4e:50"},"BackendV6Data":{"VNI":1,"VtepMAC":"7a:1b:2c:3d:4e:51"}}',
      { publicIP: '10.0.0.4', backendType: 'vxlan', vni: 1, vtepMAC: '7a:1b:2c:3d:4e:50', publicIPv6: 'fc00::4', vtepMACv6: '7a:1b:2c:3d:4e:51' }],
    ['host-gw: reported without VXLAN data', '{"PublicIP":"10.0.0.5","PublicIPv6":null,"BackendType":"host-gw"}',
      { publicIP: '10.0.0.5', backendType: 'host-gw', vni: 0, vtepMAC: '' }],
    ['PublicIP as IPv4-mapped IPv6, read as IPv4 like flannel ParseIP4', '{"PublicIP":"::ffff:10.0.0.6","BackendType":"host-gw"}',
      { publicIP: '10.0.0.6', backendType: 'host-gw', vni: 0, vtepMAC: '' }],
  ])('decodes %s', (_name, text, expected) => {
    expect(decodeLeaseValue(text)).toEqual(expected);
  });

  it.each([
    ['not JSON', 'hello', /not JSON/],
    ['an array', '[1]', /must be a JSON object/],
    ['no PublicIP', '{"BackendType":"vxlan"}', /PublicIP is missing/],
    ['a bad PublicIP', '{"PublicIP":"10.0.0","BackendType":"vxlan"}', /PublicIP is not an IPv4 address/],
    ['a bad PublicIPv6', '{"PublicIP":"10.0.0.1","PublicIPv6":"x","BackendType":"vxlan"}', /PublicIPv6 "x"/],
    ['vxlan without a MAC', '{"PublicIP":"10.0.0.1","BackendType":"vxlan","BackendData":{"VNI":1}}', /VtepMAC is missing/],
    ['vxlan with a bad MAC', '{"PublicIP":"10.0.0.1","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"zz"}}', /not a MAC address/],
    ['vxlan with a string VNI', '{"PublicIP":"10.0.0.1","BackendType":"vxlan","BackendData":{"VNI":"1","VtepMAC":"7a:1b:2c:3d:4e:5f"}}', /BackendData.VNI must be a whole number/],
    ['vxlan with VNI 1.0 (Go int: not an integer literal)', '{"PublicIP":"10.0.0.1","BackendType":"vxlan","BackendData":{"VNI":1.0,"VtepMAC":"7a:1b:2c:3d:4e:5f"}}', /BackendData.VNI must be a whole number, got number 1.0/],
  ])('rejects %s', (_name, text, reason) => {
    expect(decodeLeaseValue(text)).toMatch(reason);
  });

  it('round-trips what it encodes', () => {
    const attrs = { publicIP: '172.16.0.9', backendType: 'vxlan', vni: 4096, vtepMAC: '02:00:00:00:00:01' };
    expect(decodeLeaseValue(encodeLeaseValue(attrs))).toEqual(attrs);
  });
});

describe('decodeLease', () => {
  it('turns a key/value into a plain Lease with the expiry given', () => {
    const expires = new Date('2030-01-01T00:00:00Z');
    const decoded = decodeLease(prefix, kv('/coreos.com/network/subnets/10.5.34.0-24', '{"PublicIP":"10.0.0.2","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"7a:1b:2c:3d:4e:5f"}}'), expires);
    expect(decoded).toMatchObject({
      key: '/coreos.com/network/subnets/10.5.34.0-24',
      etcdLease: '7587869',
      lease: { subnet: '10.5.34.0/24', publicIP: '10.0.0.2', backendType: 'vxlan', vni: 1, vtepMAC: '7a:1b:2c:3d:4e:5f', expires },
    });
  });

  it('names the key in the reason for a bad value', () => {
    expect(decodeLease(prefix, kv('/coreos.com/network/subnets/10.5.34.0-24', '{}'))).toMatch(/^\/coreos.com\/network\/subnets\/10.5.34.0-24: PublicIP is missing/);
  });
});
