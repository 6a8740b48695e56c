import { describe, expect, it } from 'vitest';
import type { ApiRequest } from '../area.ts';
import type { HostLease } from '../etcd/index.ts';
import { registrationRoutes, type RegistrationResult } from './registration.ts';

const p = '/weft/services';

function fakeLease(fail = false): HostLease {
  const keys = new Map<string, string>();
  return {
    keys: () => keys,
    put: async (key: string, value: string) => {
      if (fail) throw new Error('etcd is away');
      keys.set(key, value);
    },
    delete: async (key: string) => void keys.delete(key),
  } as unknown as HostLease;
}

function routes(lease: HostLease | undefined, counted: string[] = []) {
  const all = registrationRoutes({ prefix: p, hostLease: () => lease, registerNetworks: () => ['10.5.0.0/16', 'fd00::/64'], host: 'node-1', counted: (what, result: RegistrationResult) => counted.push(`${what}:${result}`) });
  const call = (method: 'POST' | 'DELETE' | 'GET', path: string, body?: unknown) => {
    const route = all.find((r) => r.method === method)!;
    return route.handle({ method, path, query: new URLSearchParams(), body } satisfies ApiRequest);
  };
  return call;
}

describe('server registration routes', () => {
  it('registers under the lease with a default id, lists and removes it', async () => {
    const lease = fakeLease();
    const counted: string[] = [];
    const call = routes(lease, counted);
    const created = await call('POST', '/v1/services/web/servers', { url: 'http://10.5.1.11:8080' });
    expect(created).toEqual({ status: 201, body: { service: 'web', id: 'node-1-10.5.1.11-8080', key: `${p}/web/servers/node-1-10.5.1.11-8080`, url: 'http://10.5.1.11:8080', weight: 1 } });
    expect(lease.keys().get(`${p}/web/servers/node-1-10.5.1.11-8080`)).toBe('{"url":"http://10.5.1.11:8080","weight":1}');
    expect((await call('POST', '/v1/services/web/servers', { url: 'http://[fd00::2]', weight: 5, id: 'b' })).status).toBe(201);
    expect((await call('GET', '/v1/services')).body).toEqual({
      registrations: [
        { service: 'web', id: 'b', key: `${p}/web/servers/b`, url: 'http://[fd00::2]:80', weight: 5 },
        { service: 'web', id: 'node-1-10.5.1.11-8080', key: `${p}/web/servers/node-1-10.5.1.11-8080`, url: 'http://10.5.1.11:8080', weight: 1 },
      ],
    });
    expect(await call('DELETE', '/v1/services/web/servers/b')).toEqual({ status: 200, body: { removed: `${p}/web/servers/b` } });
    expect(await call('DELETE', '/v1/services/web/servers/b')).toMatchObject({ status: 404, body: { code: 'WEFT_E_SERVICE_NOT_FOUND' } });
    expect(counted).toEqual(['register:ok', 'register:ok', 'deregister:ok', 'deregister:refused']);
  });

  it.each([
    ['/v1/services/Web/servers', { url: 'http://10.5.1.1' }],
    ['/v1/services/web/servers', { url: 'http://web.local' }],
    ['/v1/services/web/servers', { url: 'http://10.5.1.1', weight: 2.5 }],
    ['/v1/services/web/servers', { url: 'http://10.5.1.1', id: '../x' }],
    ['/v1/services/web/servers', { url: 'http://10.5.1.1', id: 7 }],
    ['/v1/services/web/servers', 'not an object'],
    ['/v1/services/web', { url: 'http://10.5.1.1' }],
    ['/v1/services/web/servers/extra', { url: 'http://10.5.1.1' }],
    ['/v1/services/%E0%A4%A/servers', { url: 'http://10.5.1.1' }],
  ])('POST %s %j is a 400 and writes nothing', async (path, body) => {
    const lease = fakeLease();
    const counted: string[] = [];
    expect(await routes(lease, counted)('POST', path, body)).toMatchObject({ status: 400, body: { code: 'WEFT_E_SERVICE_VALUE' } });
    expect(lease.keys().size).toBe(0);
    expect(counted).toEqual(['register:invalid']);
  });

  it('refuses an address outside the cluster networks with 403, naming them and the config key', async () => {
    const lease = fakeLease();
    const reply = await routes(lease)('POST', '/v1/services/web/servers', { url: 'http://8.8.8.8:80' });
    expect(reply).toMatchObject({ status: 403, body: { code: 'WEFT_E_SERVICE_REGISTER_DENIED' } });
    expect((reply.body as { error: string }).error).toMatch(/outside 10\.5\.0\.0\/16, fd00::\/64.*services\.register_allow/);
    expect(lease.keys().size).toBe(0);
  });

  it('answers 503 without a host lease or when the write fails', async () => {
    expect(await routes(undefined)('POST', '/v1/services/web/servers', { url: 'http://10.5.1.1' })).toMatchObject({ status: 503, body: { code: 'WEFT_E_HOST_LEASE' } });
    expect(await routes(undefined)('GET', '/v1/services')).toMatchObject({ status: 503 });
    expect(await routes(fakeLease(true))('POST', '/v1/services/web/servers', { url: 'http://10.5.1.1' })).toMatchObject({ status: 503, body: { code: 'WEFT_E_ETCD_UNAVAILABLE' } });
  });

  it('DELETE with a bad name or id is a 400', async () => {
    expect(await routes(fakeLease())('DELETE', '/v1/services/web/servers/-x')).toMatchObject({ status: 400, body: { code: 'WEFT_E_SERVICE_VALUE' } });
    expect(await routes(fakeLease())('DELETE', '/v1/services/web/servers')).toMatchObject({ status: 400 });
  });
});
