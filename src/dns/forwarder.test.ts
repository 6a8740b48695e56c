import { describe, expect, it } from 'vitest';
import { Acl, cidrProblem } from './acl.ts';
import { parseUpstream, upstreamsFromResolvConf } from './forwarder.ts';

describe('upstream addresses', () => {
  it.each([
    ['10.0.0.2', { host: '10.0.0.2', port: 53 }],
    ['10.0.0.2:5353', { host: '10.0.0.2', port: 5353 }],
    ['fd00::2', { host: 'fd00::2', port: 53 }],
    ['[fd00::2]:5353', { host: 'fd00::2', port: 5353 }],
    ['dns.example', undefined],
    ['10.0.0.2:99999', undefined],
  ])('%s', (text, expected) => {
    expect(parseUpstream(text)).toEqual(expected);
  });
});

describe('resolv.conf', () => {
  const conf = ['# comment', 'search example.org', 'nameserver 127.0.0.1', 'nameserver 10.9.9.9', 'nameserver fe80::1%eth0', 'options edns0'].join('\n');
  it('takes every nameserver', () => {
    expect(upstreamsFromResolvConf(conf, [{ host: '127.0.0.1', port: 5353 }]).map((u) => u.host)).toEqual(['127.0.0.1', '10.9.9.9', 'fe80::1']);
  });
  it('skips ourselves: our own address on our port, or any local address when we listen on a wildcard', () => {
    expect(upstreamsFromResolvConf(conf, [{ host: '127.0.0.1', port: 53 }]).map((u) => u.host)).toEqual(['10.9.9.9', 'fe80::1']);
    expect(upstreamsFromResolvConf('nameserver 127.0.0.1\nnameserver 10.9.9.9', [{ host: '0.0.0.0', port: 53 }]).map((u) => u.host)).toEqual(['10.9.9.9']);
  });
});

describe('allow list', () => {
  const acl = new Acl(['127.0.0.0/8', '::1/128', '10.5.0.0/16']);
  it.each([
    ['127.0.0.1', true],
    ['127.0.0.2', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.5.200.1', true],
    ['10.6.0.1', false],
    ['192.0.2.1', false],
    ['fd00::1', false],
    ['not an address', false],
  ])('%s → %s', (address, allowed) => {
    expect(acl.allows(address)).toBe(allowed);
  });
  it('validates networks', () => {
    expect(cidrProblem('10.0.0.0/8')).toBeUndefined();
    expect(cidrProblem('10.0.0.0/33')).toMatch(/not a network/);
    expect(cidrProblem('example')).toMatch(/not a network/);
  });
});
