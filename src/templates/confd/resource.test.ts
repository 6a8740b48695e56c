import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadResources } from './engine.ts';
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
  const nginx = ['[template]', 'src = "nginx.tmpl"', 'dest = "/etc/nginx/nginx.conf"', 'prefix = "myapp"', 'keys = ["/upstream", "domain"]', 'owner = "nginx"', 'group = "www"', 'mode = "0644"', 'check_cmd = "nginx -t -c {{.src}}"', 'reload_cmd = "nginx -s reload"', 'wait = "200ms:1s"'].join('\n');

  it('parses every confd field; a global prefix replaces the resource\'s, as confd 0.16', () => {
    const r = parseResource('/etc/confd/conf.d/nginx.toml', nginx, { ...defaults, globalPrefix: '/production' });
    expect(r).toMatchObject({ name: 'nginx', src: '/etc/confd/templates/nginx.tmpl', prefix: '/production', fullKeys: ['/production/upstream', '/production/domain'], mode: 0o644, uid: 101, gid: 33, wait: { min: 200, max: 1000 }, warnings: [] });
    expect(resourceSees(r, '/production/upstream/a')).toBe(true);
    expect(resourceSees(r, '/production/myapp/upstream/a')).toBe(false);
    expect(storeKey(r, '/production/upstream/a')).toBe('/upstream/a');
  });

  it('joins the prefixes with prefixMode "join"', () => {
    const r = parseResource('/etc/confd/conf.d/nginx.toml', nginx, { ...defaults, globalPrefix: '/production', prefixMode: 'join' });
    expect(r).toMatchObject({ prefix: '/production/myapp', fullKeys: ['/production/myapp/upstream', '/production/myapp/domain'] });
    expect(storeKey(r, '/production/myapp/upstream/a')).toBe('/upstream/a');
  });

  it.each([
    ['', '', 'replace', '/'],
    ['prod', '', 'replace', '/prod'],
    ['', 'app/', 'replace', '/app'],
    ['', 'app', 'join', '/app'],
    ['/prod/', '/app', 'replace', '/prod'],
    ['/prod', '', 'join', '/prod'],
    ['/prod/', '/app', 'join', '/prod/app'],
  ] as const)('prefix %j + %j (%s) = %j', (global, own, mode, expected) => expect(effectivePrefix(global, own, mode)).toBe(expected));

  it('reads a key and the keys below it, not every key that starts with the same letters (confd 0.16 etcdv3)', () => {
    const r = parseResource('/c/x.toml', '[template]\nsrc = "a"\ndest = "/x"\nkeys = ["/app", "/"]\nprefix = "/p"', defaults);
    expect(['/p/app', '/p/app/x', '/p/application', '/p/other', '/q'].filter((k) => resourceSees({ ...r, fullKeys: ['/p/app'] }, k))).toEqual(['/p/app', '/p/app/x']);
    expect(['/p/app', '/p/other', '/q'].filter((k) => resourceSees(r, k))).toEqual(['/p/app', '/p/other']);
  });

  it('matches keys case-insensitively, as BurntSushi/toml does, an exact match first', () => {
    const r = parseResource('/c/x.toml', '[Template]\nSRC = "a"\nDest = "/x"\nKEYS = ["/k"]\nCheck_Cmd = "true"\nReload_CMD = "reload"\nMode = "0600"\nUID = 7\nprefix = "/exact"\nPREFIX = "/folded"', defaults);
    expect(r).toMatchObject({ src: '/etc/confd/templates/a', dest: '/x', keys: ['/k'], checkCmd: 'true', reloadCmd: 'reload', mode: 0o600, uid: 7, prefix: '/exact', unknownKeys: [] });
  });

  it('takes uid/gid -1 as unset (the effective IDs), as confd', () => {
    expect(parseResource('/c/x.toml', '[template]\nsrc = "a"\ndest = "/x"\nuid = -1\ngid = -1', defaults)).toMatchObject({ uid: undefined, gid: undefined });
    expect(() => parseResource('/c/x.toml', '[template]\nsrc = "a"\ndest = "/x"\nuid = -2', defaults)).toThrow('uid must be a non-negative integer');
  });

  it('warns about an owner or group that does not exist and leaves the file to the effective IDs (confd ignores owner)', () => {
    const r = parseResource('/c/x.toml', '[template]\nsrc = "a"\ndest = "/x"\nowner = "nobody-here"\ngroup = "nogroup-here"', defaults);
    expect(r.uid).toBeUndefined();
    expect(r.gid).toBeUndefined();
    expect(r.warnings).toEqual([
      'owner "nobody-here" is not a user on this host; the file is owned by the effective uid, as confd does',
      'group "nogroup-here" is not a group on this host; the file gets the effective gid, as confd does',
    ]);
  });

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
    const { settings, ignoredKeys } = resolveConfdSettings(args, 'backend = "etcdv3"\nnodes = ["http://file:2379"]\nprefix = "/file"\nwatch = true\ntable = "t"\n');
    expect(settings).toMatchObject({ onetime: true, watch: true, confdir: '/srv/confd', nodes: ['http://a:2379', 'http://b:2379'], prefix: '/p', interval: 30, noop: false });
    expect(ignoredKeys).toEqual(['table']);
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

describe('loadResources', () => {
  it('applies the global prefix to conf.d resources, not to weft\'s own (they name absolute keys)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-load-'));
    try {
      mkdirSync(join(dir, 'conf.d'));
      writeFileSync(join(dir, 'conf.d', 'app.toml'), '[template]\nsrc = "a"\ndest = "/x"\nprefix = "/app"\nkeys = ["/k"]');
      const builtin = { file: 'weft-own.toml', text: '[template]\nsrc = "b"\ndest = "/y"\nprefix = "/weft/services"\nkeys = ["/"]', templateDir: join(dir, 'share') };
      const { resources, errors } = await loadResources({ confdir: dir, prefix: '/prod', noop: false, syncOnly: false, checkTimeout: 1, reloadTimeout: 1, lookupUser: () => undefined, lookupGroup: () => undefined, builtinResources: [builtin] });
      expect(errors).toEqual([]);
      expect(resources.map((r) => r.fullKeys)).toEqual([['/prod/k'], ['/weft/services']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const base = { noop: false, syncOnly: false, checkTimeout: 1, reloadTimeout: 1, lookupUser: () => undefined, lookupGroup: () => undefined };

  it('uses an operator\'s conf.d file of the same name instead of the built-in resource', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-load-'));
    try {
      mkdirSync(join(dir, 'conf.d'));
      const builtin = { file: 'weft-services.toml', text: '[template]\nsrc = "shipped.tmpl"\ndest = "/run/weft/routes.toml"\nkeys = ["/"]', templateDir: join(dir, 'share', 'templates') };
      const shipped = await loadResources({ ...base, confdir: dir, prefix: '', builtinResources: [builtin] });
      expect(shipped.resources.map((r) => r.src)).toEqual([join(dir, 'share', 'templates', 'shipped.tmpl')]);
      writeFileSync(join(dir, 'conf.d', 'weft-services.toml'), '[template]\nsrc = "mine.tmpl"\ndest = "/run/weft/routes.toml"\nkeys = ["/"]');
      const mine = await loadResources({ ...base, confdir: dir, prefix: '', builtinResources: [builtin] });
      expect(mine.resources.map((r) => r.src)).toEqual([join(dir, 'templates', 'mine.tmpl')]);
      // [templates] off: the confdir is not read, the built-in resource runs alone.
      const off = await loadResources({ ...base, confdir: dir, prefix: '', readConfdir: false, builtinResources: [builtin] });
      expect(off.resources.map((r) => r.src)).toEqual([join(dir, 'share', 'templates', 'shipped.tmpl')]);
      expect(off.errors).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
