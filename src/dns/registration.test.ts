import { describe, expect, it } from 'vitest';
import { isWeftError } from '../errors.ts';
import type { HostLease } from '../etcd/index.ts';
import { listRegistrations, normalizeRegistration, registrationKeys, registrationRoutes, reverseName } from './registration.ts';
import { Resolver } from './resolver.ts';
import { Type } from './wire.ts';
import { Zone } from './zone.ts';

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
  it('writes the address as a child of the name and the PTR as a child of the reverse name', () => {
    const [address, ptr] = registrationKeys({ name: 'web.weft.internal', ip: '10.5.1.2' }, '/skydns', 30);
    expect(address).toEqual({ key: '/skydns/internal/weft/web/ip-10-5-1-2', value: '{"host":"10.5.1.2","ttl":30}' });
    expect(ptr?.key).toMatch(/^\/skydns\/arpa\/in-addr\/10\/5\/1\/2\/ptr-[0-9a-f]{16}$/);
    expect(ptr?.value).toBe('{"host":"web.weft.internal","ttl":30}');
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

/** A host lease held in memory (the routes only put, delete and list its keys). */
function memoryLease(store: Map<string, string>): HostLease {
  const mine = new Map<string, string>();
  return {
    put: async (key: string, value: string) => {
      mine.set(key, value);
      store.set(key, value);
    },
    delete: async (key: string) => {
      mine.delete(key);
      store.delete(key);
    },
    keys: () => mine,
  } as unknown as HostLease;
}

function routes(lease: HostLease, networks: readonly string[] = ['10.5.0.0/16', 'fd00::/64']) {
  const all = registrationRoutes({ path: '/skydns', zones: () => ['weft.internal'], ttl: 30, hostLease: () => lease, registerNetworks: () => networks });
  const find = (method: string) => all.find((r) => r.method === method)!;
  const request = (method: string, path: string, body?: unknown) => ({ method, path, query: new URLSearchParams(), body });
  return {
    add: (name: string, ip: string) => find('POST').handle(request('POST', '/v1/dns/records', { name, ip })),
    remove: (name: string) => find('DELETE').handle(request('DELETE', `/v1/dns/records/${name}`)),
  };
}

/** The PTR targets a resolver serves for `ip` from what is in etcd. */
function ptrTargets(store: Map<string, string>, ip: string): string[] {
  const zone = new Zone('/skydns');
  zone.replaceAll([...store].map(([key, value]) => ({ key, value })), 1);
  const resolution = new Resolver(zone, { zones: ['weft.internal'], defaultTtl: 300, minTtl: 30 }).resolve(reverseName(ip), Type.PTR);
  return resolution.kind === 'answer' ? resolution.response.answer.map((rr) => (rr.type === 'PTR' ? rr.target : '')).sort() : [];
}

describe('PTR records of several names at one address', () => {
  it('gives each registered name its own PTR key under the reverse name', () => {
    const [, web] = registrationKeys({ name: 'web.weft.internal', ip: '10.5.1.2' }, '/skydns', 30);
    const [, www] = registrationKeys({ name: 'www.weft.internal', ip: '10.5.1.2' }, '/skydns', 30);
    expect(web?.key).not.toBe(www?.key);
    expect(web?.key.startsWith('/skydns/arpa/in-addr/10/5/1/2/')).toBe(true);
  });

  it('web and www at 10.5.1.2: both PTRs served; deleting www keeps web', async () => {
    const etcd = new Map<string, string>();
    const api = routes(memoryLease(etcd));
    expect((await api.add('web', '10.5.1.2')).status).toBe(201);
    expect((await api.add('www', '10.5.1.2')).status).toBe(201);
    expect(ptrTargets(etcd, '10.5.1.2')).toEqual(['web.weft.internal', 'www.weft.internal']);
    expect((await api.remove('www')).status).toBe(200);
    expect(ptrTargets(etcd, '10.5.1.2')).toEqual(['web.weft.internal']);
  });

  it("two hosts at one address: one host deleting its name leaves the other host's PTR", async () => {
    const etcd = new Map<string, string>();
    const a = routes(memoryLease(etcd));
    const b = routes(memoryLease(etcd));
    await a.add('web', '10.5.1.2');
    await b.add('api', '10.5.1.2');
    expect(ptrTargets(etcd, '10.5.1.2')).toEqual(['api.weft.internal', 'web.weft.internal']);
    await b.remove('api');
    expect(ptrTargets(etcd, '10.5.1.2')).toEqual(['web.weft.internal']);
  });
});

describe('which addresses may be registered', () => {
  it('refuses an address outside the cluster network and the allow list with 403 WEFT_E_DNS_REGISTER_DENIED', async () => {
    const etcd = new Map<string, string>();
    const api = routes(memoryLease(etcd));
    const refused = await api.add('evil', '8.8.8.8');
    expect(refused).toMatchObject({ status: 403, body: { code: 'WEFT_E_DNS_REGISTER_DENIED' } });
    expect((refused.body as { error: string }).error).toMatch(/8\.8\.8\.8.*dns\.register_allow/);
    expect(etcd.size).toBe(0);
    expect((await api.add('ok6', 'fd00::9')).status).toBe(201);
  });

  it('refuses everything while no cluster network is known and the allow list is empty', async () => {
    const api = routes(memoryLease(new Map()), []);
    expect(await api.add('web', '10.5.1.2')).toMatchObject({ status: 403, body: { code: 'WEFT_E_DNS_REGISTER_DENIED' } });
  });
});
