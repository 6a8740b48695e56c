import { describe, expect, it } from 'vitest';
import { effectivePrefix, parseConfdMode, parseResource, parseWait, resourceSees, storeKey, type ResourceDefaults } from './resource.ts';
import { parseConfdArgs, resolveConfdSettings } from './settings.ts';

const defaults: ResourceDefaults = {
  templateDir: '/etc/confd/templates',
  globalPrefix: '',
  checkTimeout: 60_000,
  reloadTimeout: 60_000,
  lookupUser: (name) => (name === 'nginx' ? 101 : undefined),
  lookupGroup: (name) => (name === 'www' ? 33 : undefined),
};

describe('template resources', () => {
  it('parses every confd field and joins the prefixes', () => {
    const r = parseResource('/etc/confd/conf.d/nginx.toml', ['[template]', 'src = "nginx.tmpl"', 'dest = "/etc/nginx/nginx.conf"', 'prefix = "myapp"', 'keys = ["/upstream", "domain"]', 'owner = "nginx"', 'group = "www"', 'mode = "0644"', 'check_cmd = "nginx -t -c {{.src}}"', 'reload_cmd = "nginx -s reload"', 'wait = "200ms:1s"'].join('\n'), { ...defaults, globalPrefix: '/production' });
    expect(r).toMatchObject({ name: 'nginx', src: '/etc/confd/templates/nginx.tmpl', prefix: '/production/myapp', fullKeys: ['/production/myapp/upstream', '/production/myapp/domain'], mode: 0o644, uid: 101, gid: 33, wait: { min: 200, max: 1000 } });
    expect(resourceSees(r, '/production/myapp/upstream/a')).toBe(true);
    expect(resourceSees(r, '/production/other')).toBe(false);
    expect(storeKey(r, '/production/myapp/upstream/a')).toBe('/upstream/a');
  });

  it.each([
    ['', '', '/'],
    ['prod', '', '/prod'],
    ['', 'app/', '/app'],
    ['/prod/', '/app', '/prod/app'],
  ])('prefix %j + %j = %j', (global, own, expected) => expect(effectivePrefix(global, own)).toBe(expected));

  it.each([
    ['0644', 0o644],
    ['644', 644],
    ['0o600', 0o600],
    ['0x1ff', 0o777],
    ['0', 0],
    ['rw', undefined],
    ['-1', undefined],
  ])('mode %j is %s (Go ParseUint base 0)', (text, expected) => expect(parseConfdMode(text)).toBe(expected));

  it.each([
    ['200ms:1s', { min: 200, max: 1000 }],
    ['5s', { min: 5000, max: 20_000 }],
    ['1s:100ms', undefined],
    ['soon', undefined],
  ])('wait %j', (text, expected) => expect(parseWait(text)).toEqual(expected));

  it.each([
    ['[template]\ndest = "/x"', 'empty src template'],
    ['[template]\nsrc = "a"', 'dest is required'],
    ['src = "a"', 'has no [template] table'],
    ['[template]\nsrc = "a"\ndest = "/x"\nmode = "rw-r--r--"', 'mode "rw-r--r--" is not a number'],
    ['[template]\nsrc = "a"\ndest = "/x"\nowner = "nobody-here"', 'owner "nobody-here" is not a user'],
    ['[template]\nsrc = "a"\ndest = "/x"\nkeys = "/k"', 'keys must be an array of strings'],
    ['[template\nsrc=', 'not valid TOML'],
  ])('rejects %j: %s', (text, message) => {
    expect(() => parseResource('/c/conf.d/x.toml', text, defaults)).toThrow(message);
  });

  it('keeps unknown keys aside for a warning', () => {
    expect(parseResource('/c/x.toml', '[template]\nsrc = "a"\ndest = "/x"\nsurprise = 1', defaults).unknownKeys).toEqual(['surprise']);
  });
});

describe('weft confd settings', () => {
  it('takes confd flags with one or two dashes, file < flags, repeatable -node', () => {
    const args = parseConfdArgs(['-onetime', '--confdir=/srv/confd', '-node', 'http://a:2379', '--node', 'b:2379', '-prefix', '/p', '-interval', '30', '-noop=false']);
    const { settings, ignoredKeys } = resolveConfdSettings(args, 'backend = "etcdv3"\nnodes = ["http://file:2379"]\nprefix = "/file"\nwatch = true\nscheme = "http"\n');
    expect(settings).toMatchObject({ onetime: true, watch: true, confdir: '/srv/confd', nodes: ['http://a:2379', 'http://b:2379'], prefix: '/p', interval: 30, noop: false });
    expect(ignoredKeys).toEqual(['scheme']);
  });

  it('uses confd.toml nodes when no -node is given, defaulting to local etcd', () => {
    expect(resolveConfdSettings(parseConfdArgs([]), 'nodes = ["10.0.0.1:2379"]').settings.nodes).toEqual(['http://10.0.0.1:2379']);
    expect(resolveConfdSettings(parseConfdArgs([]), undefined).settings.nodes).toEqual(['http://127.0.0.1:2379']);
  });

  it.each([
    [['-interval', 'often'], 'expected a whole number'],
    [['-nosuch'], 'flag provided but not defined: -nosuch'],
    [['-confdir'], 'flag needs an argument: -confdir'],
    [['-watch=maybe'], 'expected true or false'],
  ])('rejects %j', (args, message) => {
    expect(() => resolveConfdSettings(parseConfdArgs(args), undefined)).toThrow(message);
  });
});
