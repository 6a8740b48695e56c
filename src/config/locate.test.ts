import { describe, expect, it } from 'vitest';
import { loadConfig } from './load.ts';
import { locateKey } from './locate.ts';

describe('locateKey', () => {
  const text = [
    '# comment',
    'top = 1',
    '[ etcd ]',
    'endpoints = []',
    '  "dial_timeout"= "1s"',
    "'ca_file' = ''",
    '[dns]',
    'zones.extra = 1',
    '"a.b" = 2',
    '"a\\u0028b" = 3',
    '[[proxy.listen]]',
    'x = 1',
    '',
  ].join('\n');

  it.each([
    ['etcd', undefined, 3],
    ['etcd', 'endpoints', 4],
    ['etcd', 'dial_timeout', 5],
    ['etcd', 'ca_file', 6],
    ['dns', 'zones', 8],
    ['dns', 'a.b', 9],
    ['dns', 'a(b', 10],
    ['proxy', 'listen', 11],
    ['top', undefined, 2],
    ['dns', 'missing', undefined],
    ['log', undefined, undefined],
  ])('finds [%s] %s on line %s', (section, key, line) => {
    expect(locateKey(text, section, key)).toBe(line);
  });

  it.each(['a(b', '(((((((((((((((((((((((((((x', 'a[', '\\', '.*+?^$'])('reports an unknown key %j with its line, never throws', (key) => {
    const toml = `[dns]\nenabled = true\n${JSON.stringify(key)} = 1\n`;
    const { problems } = loadConfig({ text: toml });
    expect(problems).toEqual([expect.objectContaining({ path: `dns.${key}`, line: 3, source: 'file' })]);
  });

  // The scan looks at each character a bounded number of times (no RegExp from the key): a 10k-character
  // key that defeats a backtracking regex is located like any other key.
  it('handles a 10k-character key of regex syntax', () => {
    const key = `${'a?'.repeat(5000)}${'a'.repeat(5000)}`.slice(0, 10_000);
    const toml = `[dns]\n${'\n'.repeat(100)}${JSON.stringify(key)} = 1\n`;
    const started = performance.now();
    expect(locateKey(toml, 'dns', key)).toBe(102);
    expect(loadConfig({ text: toml }).problems[0]?.line).toBe(102);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
