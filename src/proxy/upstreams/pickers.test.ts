import { describe, expect, it } from 'vitest';
import type { RouteConfig, ServiceSpec } from '../types.ts';
import { buildPickers, originOf, type HealthCell, type ServicePicker } from './pickers.ts';

const lb = (servers: Record<string, number>, passHostHeader = true): ServiceSpec => ({
  kind: 'loadBalancer',
  servers: Object.entries(servers).map(([url, weight]) => ({ url, weight })),
  passHostHeader,
});
const weighted = (services: Record<string, number>): ServiceSpec => ({
  kind: 'weighted',
  services: Object.entries(services).map(([name, weight]) => ({ name, weight })),
});
const routeConfig = (services: Record<string, ServiceSpec>): RouteConfig => ({ routers: {}, services, middlewares: {}, certificates: [] });

function withHealth(config: RouteConfig, previous?: ReadonlyMap<string, ServicePicker>) {
  const cells = new Map<string, { up: boolean }>();
  const health = (service: string, url: string): HealthCell => {
    const key = `${service} ${url}`;
    if (!cells.has(key)) cells.set(key, { up: true });
    return cells.get(key)!;
  };
  const built = buildPickers(config, health, previous);
  const setUp = (service: string, url: string, up: boolean): void => { cells.get(`${service} ${url}`)!.up = up; };
  const picks = (service: string, count: number, exclude?: ReadonlySet<string>): string[] =>
    Array.from({ length: count }, () => built.pickers.get(service)!.pick(exclude)?.url.replace('http://', '') ?? '-');
  return { ...built, setUp, picks };
}

describe('service pickers', () => {
  const a = 'http://a:80';
  const b = 'http://b:80';
  const c = 'http://c:80';

  it('balances a loadBalancer by nginx smooth WRR among servers that are up', () => {
    const { picks, setUp, pickers } = withHealth(routeConfig({ web: lb({ [a]: 5, [b]: 1, [c]: 1 }) }));
    expect(picks('web', 7).join(' ')).toBe('a:80 a:80 b:80 a:80 c:80 a:80 a:80');
    setUp('web', a, false);
    expect(picks('web', 4).join(' ')).toBe('b:80 c:80 b:80 c:80');
    expect(pickers.get('web')!.allDown()).toBe(false);
  });

  it('skips excluded servers (retries) and says allDown only when every server is down', () => {
    const { picks, setUp, pickers } = withHealth(routeConfig({ web: lb({ [a]: 1, [b]: 1 }) }));
    expect(picks('web', 2, new Set([a]))).toEqual(['b:80', 'b:80']);
    expect(picks('web', 1, new Set([a, b]))).toEqual(['-']);
    expect(pickers.get('web')!.allDown()).toBe(false);
    setUp('web', a, false);
    setUp('web', b, false);
    expect(picks('web', 1)).toEqual(['-']);
    expect(pickers.get('web')!.allDown()).toBe(true);
  });

  it('never picks weight 0, and a service of only weight-0 servers is empty, not down', () => {
    const { picks, pickers } = withHealth(routeConfig({ web: lb({ [a]: 0, [b]: 1 }), none: lb({ [a]: 0 }), empty: lb({}) }));
    expect(picks('web', 3)).toEqual(['b:80', 'b:80', 'b:80']);
    expect(picks('none', 1)).toEqual(['-']);
    expect(pickers.get('none')!.allDown()).toBe(false);
    expect(pickers.get('empty')!.allDown()).toBe(false);
  });

  it('splits a weighted service over its children (Traefik deadline WRR), nested, with each leaf\'s own settings', () => {
    const config = routeConfig({
      canary: weighted({ stable: 3, next: 1 }),
      outer: weighted({ canary: 1, other: 1 }),
      stable: lb({ [a]: 1 }),
      next: lb({ [b]: 1 }, false),
      other: lb({ [c]: 1 }),
    });
    const { picks, pickers } = withHealth(config);
    expect(picks('canary', 4)).toEqual(['a:80', 'a:80', 'b:80', 'a:80']);
    expect(picks('outer', 4)).toEqual(['a:80', 'c:80', 'a:80', 'c:80']);
    const next = pickers.get('canary')!.pick(new Set([a]))!;
    expect(next).toMatchObject({ service: 'next', url: b, origin: 'http://b:80', passHostHeader: false });
  });

  it('sends a down child\'s share to the others, and is allDown when all children are', () => {
    const { picks, setUp, pickers } = withHealth(routeConfig({ canary: weighted({ stable: 3, next: 1 }), stable: lb({ [a]: 1 }), next: lb({ [b]: 1 }) }));
    setUp('stable', a, false);
    expect(picks('canary', 3)).toEqual(['b:80', 'b:80', 'b:80']);
    setUp('next', b, false);
    expect(pickers.get('canary')!.allDown()).toBe(true);
  });

  it('gives no traffic to a missing child or a loop, and says so', () => {
    const { picks, problems } = withHealth(routeConfig({ w: weighted({ missing: 1, web: 1 }), loop1: weighted({ loop2: 1 }), loop2: weighted({ loop1: 1 }), web: lb({ [a]: 1 }) }));
    expect(picks('w', 2)).toEqual(['a:80', 'a:80']);
    expect(picks('loop1', 1)).toEqual(['-']);
    expect(problems.some((p) => p.includes('"missing"'))).toBe(true);
    expect(problems.some((p) => p.includes('loop'))).toBe(true);
  });

  it('keeps the balancing schedule across a rebuild when the server list is unchanged', () => {
    const config = routeConfig({ web: lb({ [a]: 5, [b]: 1, [c]: 1 }) });
    const first = withHealth(config);
    expect(first.picks('web', 3).join(' ')).toBe('a:80 a:80 b:80');
    const second = withHealth(config, first.pickers);
    expect(second.picks('web', 4).join(' ')).toBe('a:80 c:80 a:80 a:80');
    const changed = withHealth(routeConfig({ web: lb({ [a]: 5, [b]: 1 }) }), second.pickers);
    expect(changed.picks('web', 2).join(' ')).toBe('a:80 a:80');
  });

  it('leaves out a server whose URL it cannot use, and says so', () => {
    const { picks, problems } = withHealth(routeConfig({ web: lb({ 'ftp://x:21': 1, 'not a url': 1, [a]: 1 }) }));
    expect(picks('web', 2)).toEqual(['a:80', 'a:80']);
    expect(problems).toHaveLength(1);
  });

  it.each([
    ['http://10.0.0.1', 'http://10.0.0.1:80'],
    ['https://web.test', 'https://web.test:443'],
    ['http://[::1]:8080', 'http://[::1]:8080'],
    ['http://10.0.0.1:80', 'http://10.0.0.1:80'],
  ])('origin of %s is %s', (url, origin) => {
    expect(originOf(url)).toBe(origin);
  });
});
