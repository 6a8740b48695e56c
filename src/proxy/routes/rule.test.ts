import { describe, expect, it } from 'vitest';
import type { RequestFacts } from '../types.ts';
import { compileRule, defaultPriority, MatchContext, RuleError } from './rule.ts';

const request = (over: Partial<RequestFacts> = {}): RequestFacts => ({
  host: 'web.example.test',
  method: 'GET',
  path: '/api/users',
  rawQuery: '',
  headers: {},
  clientIP: '10.1.2.3',
  ...over,
});
const matches = (rule: string, over: Partial<RequestFacts> = {}): boolean => compileRule(rule).match(new MatchContext(request(over)));

// [rule, request, Traefik's answer]: each matcher with a request it matches and one it does not.
const table: [string, Partial<RequestFacts>, boolean][] = [
  ['Host(`web.example.test`)', {}, true],
  ['Host(`WEB.Example.TEST`)', {}, true],
  ['Host(`web.example.test`)', { host: 'Web.Example.Test' }, true],
  ['Host(`web.example.test`)', { host: 'api.example.test' }, false],
  ['Host(`web.example.test.`)', {}, true],
  ['Host(`web.example.test`)', { host: 'web.example.test.' }, true],
  ['Host(`*.example.test`)', {}, true],
  ['Host(`*.example.test`)', { host: 'a.b.example.test' }, false],
  ['Host(`*.example.test`)', { host: 'example.test' }, false],
  ['Host(`*`)', { host: '' }, true],
  ['Host(`web.example.test`)', { host: '' }, false],
  ['HostRegexp(`^[a-z]+\\.example\\.test$`)', {}, true],
  ['HostRegexp(`^[a-z]+\\.example\\.test$`)', { host: 'web1.example.test' }, false],
  ['HostRegexp(`example`)', {}, true],
  ['HostRegexp(`^$`)', {}, true],
  ['Path(`/api/users`)', {}, true],
  ['Path(`/api`)', {}, false],
  ['Path(`/a b`)', { path: '/a%20b' }, true],
  ['Path(`/a/b`)', { path: '/a%2Fb' }, false],
  ['Path(`/a%2Fb`)', { path: '/a%2Fb' }, true],
  ['Path(`/a/b`)', { path: '/a%2fb' }, true],
  ['Path(`/é`)', { path: '/%C3%A9' }, true],
  ['Path(`/x`)', { path: '/x%' }, false],
  ['PathPrefix(`/api`)', {}, true],
  ['PathPrefix(`/api/`)', { path: '/api' }, false],
  ['PathPrefix(`/`)', { path: '/anything' }, true],
  ['PathRegexp(`^/api/[a-z]+$`)', {}, true],
  ['PathRegexp(`^/api/[0-9]+$`)', {}, false],
  ['PathRegexp(`users`)', {}, true],
  ['Method(`GET`)', {}, true],
  ['Method(`get`)', {}, true],
  ['Method(`POST`)', {}, false],
  ['Method(`GET`)', { method: 'get' }, false],
  ['Header(`X-Env`, `prod`)', { headers: { 'x-env': 'prod' } }, true],
  ['Header(`x-env`, `prod`)', { headers: { 'x-env': ['dev', 'prod'] } }, true],
  ['Header(`X-Env`, `prod`)', { headers: { 'x-env': 'production' } }, false],
  ['Header(`X-Env`, `prod`)', {}, false],
  ['Header(`Host`, `web.example.test`)', { headers: { host: 'web.example.test' } }, false],
  ['HeaderRegexp(`X-Env`, `^pro`)', { headers: { 'x-env': ['dev', 'production'] } }, true],
  ['HeaderRegexp(`X-Env`, `^pro`)', { headers: { 'x-env': 'dev' } }, false],
  ['Query(`debug`)', { rawQuery: 'debug' }, true],
  ['Query(`debug`)', { rawQuery: 'debug=' }, true],
  ['Query(`debug`)', { rawQuery: 'debug=1' }, false],
  ['Query(`q`, `a b`)', { rawQuery: 'q=a+b' }, true],
  ['Query(`q`, `a b`)', { rawQuery: 'q=a%20b' }, true],
  ['Query(`q`, `2`)', { rawQuery: 'q=1&q=2' }, true],
  ['Query(`q`, `1`)', { rawQuery: 'q=1;x=2' }, false],
  ['Query(`q`, `1`)', { rawQuery: 'q=%zz&q=1' }, true],
  ['QueryRegexp(`v`, `^[0-9]+$`)', { rawQuery: 'v=42' }, true],
  ['QueryRegexp(`v`, `^[0-9]+$`)', { rawQuery: 'v=4x' }, false],
  ['QueryRegexp(`v`)', { rawQuery: 'v' }, true],
  ['ClientIP(`10.0.0.0/8`)', {}, true],
  ['ClientIP(`10.1.2.3`)', {}, true],
  ['ClientIP(`10.1.2.4`)', {}, false],
  ['ClientIP(`10.0.0.0/8`)', { clientIP: '::ffff:10.9.9.9' }, true],
  ['ClientIP(`fd00::/8`)', { clientIP: 'fd00::1' }, true],
  ['ClientIP(`fd00::/8`)', {}, false],
  ['ClientIP(`fe80::/10`)', { clientIP: 'fe80::1%eth0' }, true],
  ['host(`web.example.test`)', {}, true],
  ['HOST(`web.example.test`)', {}, true],
  ['Hostregexp(`web`)', {}, true],
  ['pathprefix(`/api`)', {}, true],
];

describe('Traefik v3 rule matchers', () => {
  it.each(table)('%s on %j is %j', (rule, over, expected) => {
    expect(matches(rule, over)).toBe(expected);
  });
});

describe('rule operators', () => {
  const yes = 'Method(`GET`)';
  const no = 'Method(`PUT`)';
  it.each([
    [`${yes} && ${no}`, false],
    [`${yes} || ${no}`, true],
    [`!${no}`, true],
    [`!!${yes}`, true],
    // `!` binds tighter than `&&`, `&&` tighter than `||`.
    [`!${yes} && ${no}`, false],
    [`!(${yes} && ${no})`, true],
    [`${yes} || ${no} && ${no}`, true],
    [`(${yes} || ${no}) && ${no}`, false],
    [`${no} && ${no} || ${yes}`, true],
    [`${no} && (${no} || ${yes})`, false],
    [`((${yes}))`, true],
    [`${yes} &&\n  ${yes}`, true],
    [`${yes}\n`, true],
  ])('%s is %j', (rule, expected) => {
    expect(matches(rule)).toBe(expected);
  });

  it.each([
    ['Host("web.example.test")', true],
    ['Path("/api/users")', true],
    ['Path("/api\\x2fusers")', true],
    ['Path("/api/us\\u0065rs")', true],
    ['Header("X-Q", "a\\"b")', true],
    ['Header(`X-Q`, `a"b`)', true],
  ])('reads Go string literals: %s', (rule, expected) => {
    expect(matches(rule, { headers: { 'x-q': 'a"b' } })).toBe(expected);
  });
});

describe('rule errors name the column', () => {
  it.each([
    ['', 'empty rule', 1],
    ['Host(`a`', "expected ',' or ')'", 9],
    ['Host(`a`) &&', 'expected a matcher', 13],
    ['Host(`a`) & Path(`/`)', "unexpected character '&'", 11],
    ['Host(`a`) Path(`/`)', "expected '&&', '||' or end of rule", 11],
    ['Host(a)', 'expected a string argument', 6],
    ['Host(`a', 'raw string literal not terminated', 6],
    ['Host("a)', 'string literal not terminated', 6],
    ['Host("\\q")', 'invalid escape', 7],
    ['(Host(`a`)', "expected ')'", 11],
    ['Nope(`a`)', 'unknown matcher Nope', 1],
    ['Host(`a`) || Host()', 'no args for matcher Host', 14],
    ['Host(``)', 'empty args for matcher Host', 1],
    ['Host(`a`, `b`)', 'unexpected number of parameters; got 2, expected 1', 1],
    ['Header(`a`)', 'expected 2', 1],
    ['Path(`api`)', "does not start with a '/'", 1],
    ['Host(`wéb`)', 'non-ASCII', 1],
    ['PathRegexp(`(?=x)`)', 'compiling PathRegexp matcher', 1],
    ['ClientIP(`10.0.0.0/33`)', 'neither an IP address nor a CIDR', 1],
    ['Host(`a`)\n&& Path(`/`)', 'unexpected newline', 10],
    ['Host`a`', "expected '(' after Host", 5],
  ])('%j: %s at column %i', (rule, message, column) => {
    let error: unknown;
    try {
      compileRule(rule);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RuleError);
    expect((error as RuleError).message).toContain(message);
    expect((error as RuleError).column).toBe(column);
  });

  it('refuses rules nested past the depth bound', () => {
    expect(() => compileRule(`${'('.repeat(100)}Host(\`a\`)${')'.repeat(100)}`)).toThrow(/nested deeper/);
  });
});

describe('default priority and the host index', () => {
  it('is len(rule) in bytes, as Go counts it', () => {
    expect(defaultPriority('Host(`a`)')).toBe(9);
    expect(defaultPriority('Path(`/é`)')).toBe(11);
  });

  it.each([
    ['Host(`A.test`)', ['a.test']],
    ['Host(`a.test.`) && Path(`/`)', ['a.test']],
    ['Host(`a.test`) || Host(`b.test`)', ['a.test', 'b.test']],
    ['Host(`a.test`) || Path(`/`)', undefined],
    ['!Host(`a.test`)', undefined],
    ['Host(`*.a.test`)', undefined],
    ['Host(`*`)', undefined],
  ])('%s needs hosts %j', (rule, hosts) => {
    const compiled = compileRule(rule);
    expect(compiled.hosts === undefined ? undefined : [...compiled.hosts].sort()).toEqual(hosts);
  });
});
