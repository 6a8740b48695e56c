// flannel's dual-stack and IPv6-only leases (EnableIPv6, EnableIPv4 false): keys as MakeSubnetKey
// prints them, values as json.Marshal(LeaseAttrs) writes them from vxlan's newSubnetAttrs.
import { describe, expect, it } from 'vitest';
import type { KeyValue } from '../etcd/index.ts';
import { parseCidr4, parseCidr6 } from '../net/index.ts';
import { decodeLease, decodeLeaseValue, encodeLeaseValue, leaseKey, noIpv4Subnet, parseLeaseKey } from './lease-codec.ts';

const prefix = '/coreos.com/network';
const kv = (key: string, value: string): KeyValue => ({ key: `${prefix}/subnets/${key}`, value, lease: '7', modRevision: 5, createRevision: 5, version: 1 });

// What flanneld v0.27 writes for a dual-stack vxlan host (one MAC per device: flannel.1, flannel-v6.1).
const dualValue = '{"PublicIP":"10.0.0.4","PublicIPv6":"fd00::4","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"7a:1b:2c:3d:4e:50"},"BackendV6Data":{"VNI":1,"VtepMAC":"7a:1b:2c:3d:4e:51"}}';
// ... and for an IPv6-only one: PublicIP is the zero ip.IP4, BackendData (omitempty) is left out.
const v6OnlyValue = '{"PublicIP":"0.0.0.0","PublicIPv6":"fd00::5","BackendType":"vxlan","BackendV6Data":{"VNI":1,"VtepMAC":"7a:1b:2c:3d:4e:52"}}';

describe('dual-stack and IPv6-only lease keys', () => {
  it('prints keys as flannel MakeSubnetKey does', () => {
    const v4 = parseCidr4('10.5.34.0/24')!;
    const v6 = parseCidr6('fc00:0:0:22::/64')!;
    expect(leaseKey(prefix, v4, v6)).toBe('/coreos.com/network/subnets/10.5.34.0-24&fc00:0:0:22::-64');
    expect(leaseKey(prefix, noIpv4Subnet, v6)).toBe('/coreos.com/network/subnets/0.0.0.0-0&fc00:0:0:22::-64');
    expect(leaseKey(prefix, v4)).toBe('/coreos.com/network/subnets/10.5.34.0-24');
  });

  it('reads both parts back', () => {
    expect(parseLeaseKey(prefix, `${prefix}/subnets/0.0.0.0-0&fc00:0:0:22::-64`)).toEqual({ subnet: noIpv4Subnet, ipv6Subnet: parseCidr6('fc00:0:0:22::/64') });
  });

  it.each([
    ['10.5.34.0-24&fc00:0:0:22::5-64', /not a network address/],
    ['10.5.34.0-24&fc00::-129', /not name a valid IPv6 subnet/],
  ])('rejects %s', (key, reason) => {
    expect(parseLeaseKey(prefix, `${prefix}/subnets/${key}`)).toMatch(reason);
  });
});

describe('dual-stack and IPv6-only lease values', () => {
  it('encodes byte for byte what flannel writes for a dual-stack vxlan host', () => {
    expect(encodeLeaseValue({ publicIP: '10.0.0.4', backendType: 'vxlan', vni: 1, vtepMAC: '7a:1b:2c:3d:4e:50', publicIPv6: 'fd00::4', vtepMACv6: '7a:1b:2c:3d:4e:51' })).toBe(dualValue);
  });

  it('encodes byte for byte what flannel writes for an IPv6-only vxlan host', () => {
    expect(encodeLeaseValue({ publicIP: '', backendType: 'vxlan', vni: 1, vtepMAC: '', publicIPv6: 'fd00::5', vtepMACv6: '7a:1b:2c:3d:4e:52' })).toBe(v6OnlyValue);
  });

  it('decodes an IPv6-only value and round-trips both', () => {
    expect(decodeLeaseValue(v6OnlyValue)).toEqual({ publicIP: '', backendType: 'vxlan', vni: 1, vtepMAC: '', publicIPv6: 'fd00::5', vtepMACv6: '7a:1b:2c:3d:4e:52' });
    for (const text of [dualValue, v6OnlyValue]) {
      const attrs = decodeLeaseValue(text);
      expect(typeof attrs === 'string' ? attrs : encodeLeaseValue(attrs)).toBe(text);
    }
  });

  it.each([
    ['0.0.0.0 without PublicIPv6', '{"PublicIP":"0.0.0.0","PublicIPv6":null,"BackendType":"vxlan"}', /PublicIP is not an IPv4 address/],
    ['IPv6 without BackendV6Data', '{"PublicIP":"0.0.0.0","PublicIPv6":"fd00::5","BackendType":"vxlan"}', /BackendV6Data.VtepMAC is missing/],
    ['a bad v6 MAC', '{"PublicIP":"10.0.0.4","PublicIPv6":"fd00::4","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"7a:1b:2c:3d:4e:50"},"BackendV6Data":{"VNI":1,"VtepMAC":"x"}}', /BackendV6Data.VtepMAC is not a MAC/],
  ])('rejects %s', (_name, text, reason) => {
    expect(decodeLeaseValue(text)).toMatch(reason);
  });
});

describe('decodeLease with both families', () => {
  it('reports a dual-stack lease with both sides', () => {
    const decoded = decodeLease(prefix, kv('10.5.34.0-24&fc00:0:0:22::-64', dualValue));
    expect(decoded).toMatchObject({
      subnet: parseCidr4('10.5.34.0/24'), subnet6: parseCidr6('fc00:0:0:22::/64'),
      lease: { subnet: '10.5.34.0/24', publicIP: '10.0.0.4', vtepMAC: '7a:1b:2c:3d:4e:50', ipv6Subnet: 'fc00:0:0:22::/64', publicIPv6: 'fd00::4', vtepMACv6: '7a:1b:2c:3d:4e:51' },
    });
  });

  it('reports an IPv6-only lease without an IPv4 subnet', () => {
    const decoded = decodeLease(prefix, kv('0.0.0.0-0&fc00:0:0:23::-64', v6OnlyValue));
    expect(decoded).toMatchObject({ lease: { subnet: '', publicIP: '', vni: 1, ipv6Subnet: 'fc00:0:0:23::/64', publicIPv6: 'fd00::5', vtepMACv6: '7a:1b:2c:3d:4e:52' } });
  });

  it('keeps the IPv4 side of a dual-stack key whose value has no IPv6 side', () => {
    const decoded = decodeLease(prefix, kv('10.5.34.0-24&fc00:0:0:22::-64', '{"PublicIP":"10.0.0.4","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"7a:1b:2c:3d:4e:50"}}'));
    expect(typeof decoded === 'string' ? decoded : decoded.lease).toEqual({ subnet: '10.5.34.0/24', publicIP: '10.0.0.4', backendType: 'vxlan', vni: 1, vtepMAC: '7a:1b:2c:3d:4e:50' });
  });

  it('drops the IPv6 side of a value under an IPv4-only key', () => {
    const decoded = decodeLease(prefix, kv('10.5.34.0-24', dualValue));
    expect(typeof decoded === 'string' ? decoded : decoded.lease.ipv6Subnet).toBeUndefined();
  });

  it.each([
    ['an IPv6-only value under an IPv4 key', '10.5.34.0-24', v6OnlyValue, /PublicIP is 0.0.0.0 but the key names an IPv4 subnet/],
    ['an IPv6-only key whose value has no IPv6', '0.0.0.0-0&fc00:0:0:23::-64', '{"PublicIP":"10.0.0.4","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"7a:1b:2c:3d:4e:50"}}', /PublicIPv6 is missing/],
  ])('rejects %s', (_name, key, value, reason) => {
    expect(decodeLease(prefix, kv(key, value))).toMatch(reason);
  });
});
