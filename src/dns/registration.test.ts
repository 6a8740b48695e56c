import { describe, expect, it } from 'vitest';
import { isWeftError } from '../errors.ts';
import { listRegistrations, normalizeRegistration, registrationKeys, reverseName } from './registration.ts';

describe('registration', () => {
  it('puts a bare name into the first zone', () => {
    expect(normalizeRegistration({ name: 'Web', ip: '10.5.1.2' }, ['weft.internal'])).toEqual({ name: 'web.weft.internal', ip: '10.5.1.2' });
    expect(normalizeRegistration({ name: 'web.weft.internal.', ip: 'fd00::1' }, ['weft.internal'])).toEqual({ name: 'web.weft.internal', ip: 'fd00::1' });
  });
  it.each([
    [{ name: 'web', ip: '10.5.1.999' }],
    [{ name: 'bad name', ip: '10.5.1.2' }],
    [{ name: '*.weft.internal', ip: '10.5.1.2' }],
    [{ ip: '10.5.1.2' }],
    ['not an object'],
  ])('rejects %j with WEFT_E_DNS_RECORD', (body) => {
    let error: unknown;
    try {
      normalizeRegistration(body, ['weft.internal']);
    } catch (e) {
      error = e;
    }
    expect(isWeftError(error, 'WEFT_E_DNS_RECORD')).toBe(true);
  });
  it('writes the address as a child of the name and the PTR under arpa', () => {
    expect(registrationKeys({ name: 'web.weft.internal', ip: '10.5.1.2' }, '/skydns', 30)).toEqual([
      { key: '/skydns/internal/weft/web/ip-10-5-1-2', value: '{"host":"10.5.1.2","ttl":30}' },
      { key: '/skydns/arpa/in-addr/10/5/1/2', value: '{"host":"web.weft.internal","ttl":30}' },
    ]);
  });
  it('names reverse zones for v4 and v6', () => {
    expect(reverseName('10.5.1.2')).toBe('2.1.5.10.in-addr.arpa');
    expect(reverseName('fd00::1')).toBe(`1.${'0.'.repeat(27)}0.0.d.f.ip6.arpa`);
  });
  it('lists what a host registered from its lease keys', () => {
    const keys = new Map(registrationKeys({ name: 'web.weft.internal', ip: '10.5.1.2' }, '/skydns', 30).map(({ key, value }) => [key, value]));
    keys.set('/coreos.com/network/subnets/x', '{}');
    expect(listRegistrations(keys, '/skydns')).toEqual([{ name: 'web.weft.internal', ip: '10.5.1.2' }]);
  });
});
