import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { GoInt, int64Type, parse, typedSlice, type GoValue } from '../gotemplate/index.ts';
import type { ServiceConfig } from './keyspace.ts';
import { serviceTemplateFuncs } from './funcs.ts';
import { serviceCheckSnippet, tomlValue } from './toml.ts';

function render(template: string, data: unknown, funcs = serviceTemplateFuncs()): string {
  return parse('t', template, { funcs }).execute(data);
}

const good = JSON.stringify({ rule: 'Host(`web.test`)', priority: 7, healthCheck: { path: '/healthz', interval: '2s', port: 8081 }, middlewares: [{ retry: { attempts: 3 } }], passHostHeader: false });

describe('serviceConfig', () => {
  it('gives the config as a Go map: ints, bools, health check and middlewares', () => {
    const out = render('{{with serviceConfig "/web/config" .}}{{.rule}}|{{.priority}}|{{.passHostHeader}}|{{.healthCheck.path}} {{.healthCheck.interval}} {{.healthCheck.port}} {{printf "%T" .healthCheck.port}}|{{range .middlewares}}{{.type}}={{.options.attempts}}{{end}}{{end}}', good);
    expect(out).toBe('Host(`web.test`)|7|false|/healthz 2s 8081 int|retry=3');
  });

  it('has a nil health check when none is set, and passHostHeader true by default', () => {
    expect(render('{{with serviceConfig "/web/config" .}}{{if .healthCheck}}hc{{else}}no hc{{end}} {{.passHostHeader}} {{len .middlewares}}{{end}}', '{"rule":"Host(`a`)"}')).toBe('no hc true 0');
  });

  it('is nil for a bad value with nothing remembered', () => {
    expect(render('{{if serviceConfig "/web/config" .}}routed{{else}}skipped{{end}}', '{"rule":')).toBe('skipped');
  });

  it('keeps the last good config of the same key when the value turns bad, and tells why once', () => {
    const told: string[] = [];
    const funcs = serviceTemplateFuncs({ onInvalid: (key, reason) => told.push(`${key}: ${reason}`) });
    const t = parse('t', '{{with serviceConfig .k .v}}{{.rule}}{{else}}nil{{end}}', { funcs });
    expect(t.execute({ k: '/a/config', v: '{"rule":"Host(`one`)"}' })).toBe('Host(`one`)');
    expect(t.execute({ k: '/a/config', v: '{"rule":""}' })).toBe('Host(`one`)');
    expect(t.execute({ k: '/a/config', v: '{"rule":""}' })).toBe('Host(`one`)');
    expect(t.execute({ k: '/b/config', v: '{"rule":""}' })).toBe('nil');
    expect(told).toEqual(['/a/config: rule must be a non-empty string, e.g. "Host(`web.example.test`)"', '/b/config: rule must be a non-empty string, e.g. "Host(`web.example.test`)"']);
    expect(t.execute({ k: '/a/config', v: '{"rule":"Host(`two`)"}' })).toBe('Host(`two`)');
  });

  it('refuses a key whose service name is no DNS label, or that is no <service>/config key', () => {
    const funcs = serviceTemplateFuncs();
    const t = parse('t', '{{with serviceConfig .k .v}}{{.rule}}{{else}}nil{{end}}', { funcs });
    expect(t.execute({ k: '/weft/services/web/config', v: '{"rule":"Host(`a`)"}' })).toBe('Host(`a`)');
    for (const k of ['/Bad_Name/config', '/-web/config', '/web/servers/x', '/config']) expect(t.execute({ k, v: '{"rule":"Host(`a`)"}' }), k).toBe('nil');
  });

  it('refuses a config the route-file checker refuses, and hands it the one-service snippet', () => {
    const seen: string[] = [];
    const checkService = (toml: string): string[] => (seen.push(toml), toml.includes('[http.middlewares.weft-check-0-nosuch]') ? ['unknown middleware nosuch'] : []);
    const funcs = serviceTemplateFuncs({ checkService });
    expect(render('{{with serviceConfig "/web/config" .}}{{.rule}}{{else}}nil{{end}}', '{"rule":"Host(`a`)","middlewares":[{"nosuch":{}}]}', funcs)).toBe('nil');
    expect(render('{{with serviceConfig "/web/config" .}}{{.rule}}{{else}}nil{{end}}', '{"rule":"Host(`a`)"}', funcs)).toBe('Host(`a`)');
    expect(seen).toHaveLength(2);
    expect(parseToml(seen[1] ?? '')).toEqual({
      http: { routers: { 'weft-check': { rule: 'Host(`a`)', priority: 0, service: 'weft-check' } }, services: { 'weft-check': { loadBalancer: { passHostHeader: true, servers: [{ url: 'http://127.0.0.1:9' }] } } } },
    });
  });
});

describe('serviceServer', () => {
  it.each([
    ['{"url":"http://10.0.0.1:8080","weight":3}', 'http://10.0.0.1:8080 3 int'],
    ['{"url":"http://[fd00::1]"}', 'http://[fd00::1]:80 1 int'],
    ['{"url":"http://name:80"}', 'nil'],
    ['nope', 'nil'],
  ])('%s -> %s', (value, expected) => {
    expect(render('{{with serviceServer .}}{{.url}} {{.weight}} {{printf "%T" .weight}}{{else}}nil{{end}}', value)).toBe(expected);
  });
});

describe('tomlValue', () => {
  const cases: [string, GoValue, unknown][] = [
    ['plain string', 'Host(`a`)', 'Host(`a`)'],
    ['escapes', 'q"b\\s\n\t\r\b\f\u0001\u007f é ✓ 😀', 'q"b\\s\n\t\r\b\f\u0001\u007f é ✓ 😀'],
    ['int', 42n, 42],
    ['named int', new GoInt(int64Type, -9n), -9],
    ['integral float', 3, 3],
    ['float', 1.5, 1.5],
    ['large float', 1e300, 1e300],
    ['bool', true, true],
    ['slice', typedSlice('[]string', ['a', 'b']), ['a', 'b']],
    ['empty slice', [], []],
    ['nested map, keys sorted and quoted', { z: 1, 'a b': { 'x.y': [true, 'v'] }, _k: '' }, { z: 1, 'a b': { 'x.y': [true, 'v'] }, _k: '' }],
    ['empty map', {}, {}],
    ['Go map', new Map<string, GoValue>([['b', 2n], ['a', 'x']]), { a: 'x', b: 2 }],
  ];

  it.each(cases)('%s round-trips through a TOML parser', (_name, value, expected) => {
    const text = render('v = {{tomlValue .}}', value);
    expect(parseToml(text)).toEqual({ v: expected });
  });

  it('sorts map keys and quotes the ones that are not bare', () => {
    expect(tomlValue({ b: 1, 'a.b': 2, a: 'x' })).toBe('{ a = "x", "a.b" = 2, b = 1 }');
  });

  it.each([
    ['nil', null],
    ['lone surrogate', '\ud800'],
  ])('fails the template on %s (TOML cannot say it)', (_name, value) => {
    expect(() => render('v = {{tomlValue .}}', value)).toThrow(/error calling tomlValue/);
  });

  it('the check snippet of a full config is TOML the parser reads back', () => {
    const config: ServiceConfig = { rule: 'Host(`a`) && Path(`/"x"`)', priority: 3, passHostHeader: false, healthCheck: { path: '/h', interval: '2s', port: 81 }, middlewares: [{ type: 'retry', options: { attempts: 3 } }, { type: 'stripPrefix', options: { prefixes: ['/api'] } }], warnings: [] };
    expect(parseToml(serviceCheckSnippet(config))).toEqual({
      http: {
        routers: { 'weft-check': { rule: 'Host(`a`) && Path(`/"x"`)', priority: 3, service: 'weft-check', middlewares: ['weft-check-0-retry', 'weft-check-1-stripprefix'] } },
        middlewares: { 'weft-check-0-retry': { retry: { attempts: 3 } }, 'weft-check-1-stripprefix': { stripPrefix: { prefixes: ['/api'] } } },
        services: { 'weft-check': { loadBalancer: { passHostHeader: false, servers: [{ url: 'http://127.0.0.1:9' }], healthCheck: { path: '/h', interval: '2s', port: 81 } } } },
      },
    });
  });
});
