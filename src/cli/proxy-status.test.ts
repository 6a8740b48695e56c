import { describe, expect, it } from 'vitest';
import { proxyStatusLines } from './proxy-status.ts';

describe('weft status: the proxy lines', () => {
  it('prints the route file, refused change, routers, services and each server health', () => {
    const status = {
      routeFile: { file: '/run/weft/routes.toml', lastReload: '2026-12-06T05:00:00.000Z', lastError: '/run/weft/routes.toml:3: http.routers.web.rule: bad', warnings: [{ path: 'http.routers.web.observability', message: 'unknown key' }] },
      routers: [{ name: 'web', rule: 'Host(`web.test`)', service: 'web' }],
      services: [
        { name: 'web', kind: 'loadBalancer', servers: [{ url: 'http://10.0.0.1:80', weight: 1, up: true }, { url: 'http://10.0.0.2:80', weight: 2, up: false, reason: 'ECONNREFUSED' }, { url: 'http://10.0.0.3:80', weight: 1 }] },
        { name: 'canary', kind: 'weighted', services: [{ name: 'web', weight: 9 }] },
      ],
    };
    expect(proxyStatusLines(status)).toEqual([
      'route file /run/weft/routes.toml, loaded 2026-12-06T05:00:00.000Z',
      '  last change refused: /run/weft/routes.toml:3: http.routers.web.rule: bad',
      '  warning: http.routers.web.observability: unknown key',
      'router web: Host(`web.test`) -> web',
      'service web (loadBalancer)',
      '  http://10.0.0.1:80 weight 1: up',
      '  http://10.0.0.2:80 weight 2: DOWN (ECONNREFUSED)',
      '  http://10.0.0.3:80 weight 1: unknown',
      'service canary (weighted)',
      '  web weight 9',
    ]);
  });

  it('prints nothing for a status it does not know', () => {
    expect(proxyStatusLines(null)).toEqual([]);
  });
});
