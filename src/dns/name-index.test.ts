import { describe, expect, it } from 'vitest';
import { NameIndex } from './name-index.ts';

const sorted = (keys: Iterable<string>): string[] => [...keys].sort();

describe('the name index', () => {
  it('lists the keys at a name and below it, a key under every ancestor', () => {
    const index = new NameIndex();
    index.add('web.prod.internal', 'k1');
    index.add('web.prod.internal', 'k2');
    index.add('db.prod.internal', 'k3');
    index.add('prod.internal', 'k4');
    expect(sorted(index.exact('web.prod.internal'))).toEqual(['k1', 'k2']);
    expect(sorted(index.below('prod.internal'))).toEqual(['k1', 'k2', 'k3']);
    expect(sorted(index.below('internal'))).toEqual(['k1', 'k2', 'k3', 'k4']);
    expect(sorted(index.below(''))).toEqual(['k1', 'k2', 'k3', 'k4']);
    expect(index.below('web.prod.internal')).toEqual([]);
    expect(index.has('internal') && index.has('')).toBe(true);
    expect(index.has('other.internal')).toBe(false);
  });

  it('forgets a name and its empty ancestors once their last key is removed, keeps the rest', () => {
    const index = new NameIndex();
    index.add('a.b.c.internal', 'k1');
    index.add('x.internal', 'k2');
    index.add('b.c.internal', 'k3');
    index.remove('a.b.c.internal', 'k1');
    expect(index.has('a.b.c.internal')).toBe(false);
    expect(index.has('b.c.internal')).toBe(true);
    index.remove('b.c.internal', 'k3');
    expect(index.has('c.internal')).toBe(false);
    expect(sorted(index.below(''))).toEqual(['k2']);
    index.remove('x.internal', 'k2');
    expect(index.has('')).toBe(false);
    index.add('x.internal', 'k2');
    expect(sorted(index.below(''))).toEqual(['k2']);
  });

  it('removes one of several keys at a name only', () => {
    const index = new NameIndex();
    index.add('web.internal', 'k1');
    index.add('web.internal', 'k2');
    index.remove('web.internal', 'k1');
    expect(sorted(index.exact('web.internal'))).toEqual(['k2']);
    index.remove('web.internal', 'k2');
    expect(index.has('internal')).toBe(false);
  });
});
