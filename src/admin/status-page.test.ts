import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { escapeHtml, relative } from './html.ts';
import { renderStatusPage, statusPageHeaders } from './status-page.ts';

const now = new Date('2026-12-06T08:00:00Z');
const evil = '<script>alert(1)</script>"\'&';

/** A status as the daemon gives it (the shapes of each area's status()). */
function status(overrides: Record<string, unknown> = {}): unknown {
  return {
    version: '0.1.0', node: 'v24.21.0', pid: 42, uptimeSeconds: 61, ready: false,
    areas: {
      admin: { ready: true, status: null },
      subnet: {
        ready: true,
        status: {
          publicIP: '10.213.0.11', lease: { subnet: '10.5.1.0/24' }, network: { Network: '10.5.0.0/16' }, leases: 4, lastError: null,
          hosts: [
            { subnet: '10.5.1.0/24', publicIP: '10.213.0.11', backendType: 'vxlan', expires: '2026-12-07T07:59:00Z' },
            { subnet: '10.5.2.0/24', publicIP: '10.213.0.12', backendType: 'vxlan', expires: '2026-12-06T08:05:30Z' },
            { subnet: '10.5.9.0/24', publicIP: '10.213.0.19', backendType: 'vxlan', expires: null },
          ],
        },
      },
      overlay: {
        ready: false, reason: '1 of 2 kernel operations failed',
        status: { device: 'weft.1', vtepMAC: '7a:00:00:00:00:01', peers: 2, lastPass: { at: '2026-12-06T07:59:58Z', trigger: 'lease', ops: 2, failures: 1 }, lastError: 'route-set failed', rejected: { leases: 0 },
          routes: [{ dst: '10.5.2.0/24', gateway: '10.5.2.0', dev: 'weft.1', state: 'installed' }, { dst: '10.5.9.0/24', gateway: '10.5.9.0', dev: 'weft.1', state: 'failed', error: 'Request rejected: EINVAL' }] },
      },
      dns: { ready: true, status: { zones: ['weft.internal.'], listen: ['127.0.0.1:53'], records: 2, names: [{ name: 'web.weft.internal', host: '10.5.1.7', ttl: 30 }, { name: 'x.weft.internal', host: evil, ttl: 0 }], invalidReasons: [{ key: '/skydns/internal/weft/bad', error: 'not JSON' }] } },
      proxy: {
        ready: true,
        status: {
          listen: [{ protocol: 'http', address: '127.0.0.1', port: 8080 }, { protocol: 'https', address: '::1', port: 8443 }], routeFile: { file: '/run/weft/routes.toml', loaded: true, lastReload: '2026-12-06T07:50:00Z', warnings: [] },
          routers: [{ name: 'web', rule: 'Host(`web.test`)', service: 'web', priority: 0 }],
          services: [
            { name: 'web', kind: 'loadBalancer', servers: [{ url: 'http://10.5.1.7:80', weight: 1, up: true, since: '' }, { url: 'http://10.5.2.7:80', weight: 1, up: false, reason: 'HTTP 503', since: '' }, { url: 'http://10.5.3.7:80', weight: 1 }] },
            { name: 'split', kind: 'weighted', services: [{ name: 'web', weight: 3 }] },
          ],
        },
      },
      templates: { ready: true, status: { confdir: '/etc/weft/confd', watch: { prefix: '/app' }, invalidResources: ['bad.toml: no dest'], resources: { app: { dest: '/etc/app.conf', renders: 2, failures: 1, lastError: 'template: no key /app/x', lastSuccess: '2026-12-06T07:58:00Z', reloadPending: false } } } },
      ...overrides,
    },
  };
}

describe('status page', () => {
  const page = renderStatusPage(status(), { now });

  it('shows every section with its values', () => {
    for (const id of ['readiness', 'hosts', 'routes', 'dns', 'proxy', 'services', 'templates']) expect(page).toContain(`<section id="${id}">`);
    expect(page).toMatch(/<td>10\.5\.1\.0\/24<\/td><td><span class="badge ok">this host<\/span><\/td><td>10\.213\.0\.11<\/td>/);
    expect(page).toContain('in 23h 59m');
    expect(page).toContain('in 5m 30s');
    expect(page).toContain('never (reservation)');
    expect(page).toMatch(/<td>10\.5\.9\.0\/24<\/td><td>10\.5\.9\.0<\/td><td>weft\.1<\/td><td><span class="badge bad">failed: Request rejected: EINVAL<\/span>/);
    expect(page).toContain('<td>web.weft.internal</td><td>10.5.1.7</td>');
    expect(page).toContain('/skydns/internal/weft/bad: not JSON');
    expect(page).toContain('<span class="badge ok">up</span>');
    expect(page).toContain('<span class="badge bad">down: HTTP 503</span>');
    expect(page).toContain('<span class="badge unknown">no health check</span>');
    expect(page).toContain('web (weight 3)');
    expect(page).toContain('<dd>http://127.0.0.1:8080 https://[::1]:8443</dd>');
    expect(page).toContain('<dd>127.0.0.1:53</dd>');
    expect(page).toMatch(/<td>app<\/td><td>\/etc\/app\.conf<\/td><td><time datetime="2026-12-06T07:58:00Z">/);
    expect(page).toContain('<span class="badge bad">template: no key /app/x</span>');
    expect(page).toContain('bad.toml: no dest');
    expect(page).toMatch(/<td>overlay<\/td><td><span class="badge bad">not ready<\/span><\/td><td>1 of 2 kernel operations failed<\/td>/);
    expect(page).toContain('<title>weft 10.213.0.11: NOT READY</title>');
    expect(page).toContain('The services area is not enabled on this host.');
  });

  it('escapes every value from the status, and never takes an object from it for markup', () => {
    const hostile = renderStatusPage(status({
      services: { ready: true, status: { prefix: { html: '<b>x</b>' }, invalid: [evil] } },
      dns: { ready: true, status: { records: 1, names: [{ name: { html: '<b>x</b>' }, host: evil }] } },
    }), { now });
    expect(hostile).not.toContain('<script>alert');
    expect(hostile).not.toContain('<b>x</b>');
    expect(hostile).toContain(escapeHtml(evil));
    expect(hostile.match(/<script>/g)).toHaveLength(1);
  });

  it('bounds every table and says how many more there are', () => {
    const names = Array.from({ length: 150 }, (_, i) => ({ name: `n${i}.weft.internal`, host: '10.5.1.1', ttl: 0 }));
    const big = renderStatusPage(status({ dns: { ready: true, status: { records: 5000, names } } }), { now, limit: 20 });
    expect(big.match(/\.weft\.internal<\/td>/g)).toHaveLength(20);
    expect(big).toContain('and 4980 more');
    expect(big).toContain('and 1 more'); // 4 leases, 3 listed by the area
    const long = renderStatusPage(status({ dns: { ready: true, status: { records: 1, names: [{ name: 'a'.repeat(5000), host: '1.1.1.1' }] } } }), { now });
    expect(long).toContain(`${'a'.repeat(300)}…`);
    expect(long).not.toContain('a'.repeat(301));
  });

  it('refreshes without JavaScript, and its CSP allows exactly its own inline style and script', () => {
    expect(page).toContain('<noscript><meta http-equiv="refresh" content="10"></noscript>');
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);
    const csp = statusPageHeaders['content-security-policy'] ?? '';
    const hashOf = (tag: string): string => `'sha256-${createHash('sha256').update(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(page)?.[1] ?? '').digest('base64')}'`;
    expect(csp).toContain(`style-src ${hashOf('style')};`);
    expect(csp).toContain(`script-src ${hashOf('script')};`);
    expect(csp).toMatch(/^default-src 'none'/);
  });

  it('renders a status of unknown shape without throwing', () => {
    for (const odd of [null, 'x', [], { areas: [] }, { areas: { dns: { status: { names: 'no' } } } }]) expect(renderStatusPage(odd, { now })).toContain('</html>');
  });

  it('says times relative to now', () => {
    expect(relative('2026-12-06T07:57:55Z', now)).toBe('2m 5s ago');
    expect(relative('2026-12-08T09:00:00Z', now)).toBe('in 2d 1h');
    expect(relative('2026-12-07T08:00:05Z', now)).toBe('in 1d 0h');
    expect(relative('2026-12-06T08:00:07Z', now)).toBe('in 7s');
    expect(relative('2026-12-06T08:00:00Z', now)).toBe('in 0s');
    expect(relative('not a time', now)).toBe('');
  });
});
