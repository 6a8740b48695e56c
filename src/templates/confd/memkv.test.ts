import { describe, expect, it } from 'vitest';
import { BadPatternError } from './pathmatch.ts';
import { basePath, cleanPath, dirPath, joinPath, KeyNotFoundError, MemKV } from './memkv.ts';

function store(entries: Record<string, string>): MemKV {
  const kv = new MemKV();
  for (const [k, v] of Object.entries(entries)) kv.set(k, v);
  return kv;
}

const services = store({
  '/deis/services/app1/web1': '10.0.0.1:80',
  '/deis/services/app1/web2': '10.0.0.2:80',
  '/deis/services/app2/web1': '10.0.1.1:80',
  '/deis/services/plain': 'x',
  '/deis/servicesX/y': 'not below',
  '/top': 'level',
  '/app/upstream/b': '2',
  '/app/upstream/a': '3',
  '/app/upstream/c': '1',
});

describe('memkv semantics', () => {
  it('get returns the pair or a "key does not exist" error', () => {
    expect(services.get('/top')).toEqual({ Key: '/top', Value: 'level' });
    expect(() => services.get('/nope')).toThrow(new KeyNotFoundError('/nope'));
    expect(() => services.get('/nope')).toThrow('key does not exist: /nope');
  });

  it('getv takes a default only when the key is missing', () => {
    expect(services.getValue('/top', 'd')).toBe('level');
    expect(services.getValue('/nope', 'd')).toBe('d');
    expect(services.getValue('/nope', '')).toBe('');
    expect(() => services.getValue('/nope')).toThrow('key does not exist: /nope');
  });

  it('gets sorts by key, getvs by value', () => {
    expect(services.getAll('/app/upstream/*').map((kv) => kv.Key)).toEqual(['/app/upstream/a', '/app/upstream/b', '/app/upstream/c']);
    expect(services.getAllValues('/app/upstream/*')).toEqual(['1', '2', '3']);
    expect(services.getAll('/nothing/*')).toEqual([]);
    expect(() => services.getAll('/app/[')).toThrow(BadPatternError);
  });

  it.each([
    ['/deis/services', ['app1', 'app2', 'plain']],
    ['/deis/services/', ['app1', 'app2', 'plain']],
    ['/deis/services/app1', ['web1', 'web2']],
    ['/deis/services/plain', ['plain']],
    ['/missing', []],
    ['/', ['top']],
  ])('ls %s lists %j', (path, expected) => {
    expect(services.list(path)).toEqual(expected);
  });

  it.each([
    ['/deis/services', ['app1', 'app2']],
    ['/deis', ['services', 'servicesX']],
    ['/deis/services/app1', []],
    ['/', []],
  ])('lsdir %s lists %j', (path, expected) => {
    expect(services.listDir(path)).toEqual(expected);
  });
});

describe('Go path helpers', () => {
  it.each([
    ['', '.'],
    ['/', '/'],
    ['a/b/../c', 'a/c'],
    ['/a//b/./c/', '/a/b/c'],
    ['/../a', '/a'],
    ['../a', '../a'],
  ])('cleanPath(%j) = %j', (input, expected) => expect(cleanPath(input)).toBe(expected));

  it.each([
    ['/a/b', '/a', 'b'],
    ['/a', '/', 'a'],
    ['a', '.', 'a'],
    ['/a/b/', '/a/b', 'b'],
  ])('dir/base of %j', (input, dir, base) => {
    expect(dirPath(input)).toBe(dir);
    expect(basePath(input)).toBe(base);
  });

  it('joinPath ignores empty parts', () => {
    expect(joinPath('/prod', 'app', '/key')).toBe('/prod/app/key');
    expect(joinPath('', '/x')).toBe('/x');
  });
});
