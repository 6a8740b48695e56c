import { describe, expect, it } from 'vitest';
import { defaults } from '../config/index.ts';
import { effectiveDns, parseSkydnsConfig } from './skydns-config.ts';

const where = '/skydns/config';

describe("SkyDNS's settings key, decoded as SkyDNS's json.Unmarshal into server.Config", () => {
  it('reads the fields weft applies and lists the rest', () => {
    const text = JSON.stringify({
      dns_addr: '127.0.0.1:5354', domain: 'SkyDNS.Local.', hostmaster: 'admin@skydns.local.', nameservers: ['8.8.8.8:53', '[2001:db8::1]:53'],
      no_rec: true, read_timeout: 3_000_000_000, priority: 20, ttl: 3600, min_ttl: 60, round_robin: true, rcache: 100, Etcd3: true,
    });
    expect(parseSkydnsConfig(text, where)).toEqual({
      domain: 'skydns.local',
      hostmaster: 'admin.skydns.local',
      nameservers: [{ host: '8.8.8.8', port: 53 }, { host: '2001:db8::1', port: 53 }],
      noRec: true,
      readTimeoutMs: 3000,
      priority: 20,
      ttl: 3600,
      minTtl: 60,
      ignored: ['dns_addr', 'round_robin', 'rcache', 'Etcd3'],
    });
  });

  it('matches field names in any casing and treats zero values as unset, as SkyDNS does', () => {
    expect(parseSkydnsConfig('{"Domain":"example.org.","TTL":0,"Min_TTL":null,"etcd3":false}', where)).toEqual({ domain: 'example.org', ignored: [] });
    expect(parseSkydnsConfig('null', where)).toEqual({ ignored: [] });
  });

  it.each([
    ['{"ttl":"3600"}', '/skydns/config.ttl must be a whole number, got string "3600"'],
    ['{"ttl":-1}', '/skydns/config.ttl must be between 0 and 4294967295'],
    ['{"ttl":3000000000}', '/skydns/config.ttl 3000000000 is over 2147483647'],
    ['{"priority":70000}', '/skydns/config.priority must be between 0 and 65535'],
    ['{"domain":"not a domain!"}', '/skydns/config.domain "not a domain!" is not a domain name'],
    ['{"hostmaster":"@@"}', 'is not a mailbox name'],
    ['{"nameservers":"8.8.8.8:53"}', '/skydns/config.nameservers must be a list of strings'],
    ['{"nameservers":["8.8.8.8:53","resolver.example"]}', 'nameservers entry "resolver.example" is not an IP:PORT'],
    ['{"read_timeout":"2s"}', '/skydns/config.read_timeout must be a whole number, got string "2s"'],
    ['{"read_timeout":1000}', 'read_timeout 1000 (nanoseconds) is under 50ms'],
    ['{"no_rec":"yes"}', '/skydns/config.no_rec must be true or false'],
    ['{"ndot":1.5}', '/skydns/config.ndot must be a whole number'],
    ['["skydns.local."]', '/skydns/config must be a JSON object'],
    ['{domain', 'is not JSON'],
  ])('%s is refused with WEFT_E_DNS_SKYDNS_CONFIG', (text, message) => {
    expect(() => parseSkydnsConfig(text, where)).toThrow(message);
    expect(() => parseSkydnsConfig(text, where)).toThrow(expect.objectContaining({ code: 'WEFT_E_DNS_SKYDNS_CONFIG' }));
  });
});

describe("the key's settings laid over [dns]", () => {
  const dns = { ...defaults().dns };
  const resolvConf = [{ host: '10.0.0.53', port: 53 }];
  const key = parseSkydnsConfig('{"domain":"skydns.local.","ttl":3600,"min_ttl":60,"priority":20,"hostmaster":"admin@skydns.local","nameservers":["8.8.8.8:53"],"read_timeout":5000000000}', where);

  it('without the key: weft\'s own settings and CoreDNS\'s constants', () => {
    expect(effectiveDns(dns, undefined, resolvConf)).toEqual({
      zones: ['weft.internal'], defaultTtl: 300, minTtl: 30, hostmaster: undefined, defaultPriority: 10, upstreams: resolvConf, forwardTimeoutMs: 2000,
    });
  });

  it('the key fills what [dns] leaves at its default', () => {
    expect(effectiveDns(dns, key, resolvConf)).toEqual({
      zones: ['skydns.local'], defaultTtl: 3600, minTtl: 60, hostmaster: 'admin.skydns.local', defaultPriority: 20, upstreams: [{ host: '8.8.8.8', port: 53 }], forwardTimeoutMs: 5000,
    });
  });

  it('a value set in [dns] wins over the key', () => {
    const own = { ...dns, zones: ['corp.internal.'], ttl: 120, upstreams: ['10.1.1.1'], forward_timeout: 1000 };
    expect(effectiveDns(own, key, [{ host: '10.1.1.1', port: 53 }])).toMatchObject({ zones: ['corp.internal'], defaultTtl: 120, upstreams: [{ host: '10.1.1.1', port: 53 }], forwardTimeoutMs: 1000 });
  });

  it('no_rec turns forwarding off; dns.forward = false stays off', () => {
    expect(effectiveDns(dns, parseSkydnsConfig('{"no_rec":true}', where), resolvConf).upstreams).toBeUndefined();
    expect(effectiveDns({ ...dns, forward: false }, key, resolvConf).upstreams).toBeUndefined();
  });
});
