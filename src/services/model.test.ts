import { describe, expect, it } from 'vitest';
import { buildServices, modelCounts } from './model.ts';

const p = '/weft/services';

describe('the services model', () => {
  it('groups keys by service, sorted by name and server id, with bad values listed beside the good ones', () => {
    const model = buildServices([
      [`${p}/web/servers/b`, '{"url":"http://10.5.1.12:80"}'],
      [`${p}/web/servers/a`, '{"url":"http://10.5.1.11:8080","weight":2}'],
      [`${p}/web/servers/c`, '{"url":"http://web:80"}'],
      [`${p}/web/config`, '{"rule":"Host(`web.test`)"}'],
      [`${p}/api/config`, '{"rule":'],
      [`${p}/api/servers/x`, '{"url":"http://10.5.2.1:80"}'],
      [`${p}/Bad/config`, '{"rule":"Host(`a`)"}'],
      [`${p}/web/extra`, '{}'],
    ], p);
    expect(model.services.map((s) => s.name)).toEqual(['api', 'web']);
    const [api, web] = model.services;
    expect(api?.config).toBeUndefined();
    expect(api?.servers).toEqual([{ id: 'x', url: 'http://10.5.2.1:80', weight: 1, key: `${p}/api/servers/x` }]);
    expect(web?.config?.rule).toBe('Host(`web.test`)');
    expect(web?.servers.map((s) => [s.id, s.url, s.weight])).toEqual([['a', 'http://10.5.1.11:8080', 2], ['b', 'http://10.5.1.12:80', 1]]);
    expect(model.invalid.map((i) => i.key)).toEqual([`${p}/Bad/config`, `${p}/api/config`, `${p}/web/extra`, `${p}/web/servers/c`]);
    expect(model.invalid.every((i) => i.reason.length > 0)).toBe(true);
    expect(modelCounts(model)).toEqual({ services: 2, servers: 3, invalid: 4 });
  });

  it('lists a service with servers but no config, unrouted', () => {
    const model = buildServices([[`${p}/db/servers/one`, '{"url":"http://10.0.0.1:5432"}']], p);
    expect(model).toEqual({ services: [{ name: 'db', servers: [{ id: 'one', url: 'http://10.0.0.1:5432', weight: 1, key: `${p}/db/servers/one` }] }], invalid: [] });
  });

  it('is empty for an empty keyspace', () => {
    expect(buildServices([], p)).toEqual({ services: [], invalid: [] });
  });
});
