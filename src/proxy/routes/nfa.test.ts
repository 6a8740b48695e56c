import { describe, expect, it } from 'vitest';
import { GoRegexpError } from './goregexp.ts';
import { compileGoRegexp } from './nfa.ts';

// [pattern, input, Go's regexp.MatchString]: unanchored unless the pattern anchors itself.
const matches: [string, string, boolean][] = [
  ['foo', 'a foo b', true],
  ['^foo$', 'a foo b', false],
  ['^[a-z]+\\.example\\.test$', 'web.example.test', true],
  ['^[a-z]+\\.example\\.test$', 'web.example.testx', false],
  ['^[a-z]+\\.example\\.test$', 'WEB.example.test', false],
  ['(?i)^WEB\\.', 'web.example.test', true],
  ['(?i:W)EB', 'wEB', true],
  ['(?i:W)EB', 'web', false],
  ['a.c', 'a\nc', false],
  ['(?s)a.c', 'a\nc', true],
  ['a.c', 'a\rc', true],
  ['^b$', 'a\nb\nc', false],
  ['(?m)^b$', 'a\nb\nc', true],
  ['\\Aab\\z', 'ab', true],
  ['\\bfoo\\b', 'a foo b', true],
  ['\\bfoo\\b', 'afoob', false],
  ['\\Bfoo', 'afoo', true],
  ['\\d{3}-\\d{4}', 'call 555-1234', true],
  ['^\\d+$', '١٢', false],
  ['^\\s$', '\u00a0', false],
  ['^\\s$', '\t', true],
  ['^\\w+$', 'héllo', false],
  ['[[:alpha:]]+[[:digit:]]', 'abc1', true],
  ['[[:^digit:]]', '123', false],
  ['^[^/]+$', 'a/b', false],
  ['^[]a]+$', ']a]', true],
  ['^[a-]+$', 'a-a', true],
  ['\\p{Greek}', 'αβγ', true],
  ['\\p{Greek}', 'abc', false],
  ['\\pL', '1a', true],
  ['\\PL', 'abc', false],
  ['^\\x41\\x{42}\\103$', 'ABC', true],
  ['\\Q.*\\E', 'a.*b', true],
  ['\\Q.*\\E', 'ab', false],
  ['^a{2,3}$', 'aaaa', false],
  ['^a{2,3}$', 'aaa', true],
  ['^a{2,}$', 'aaaaa', true],
  ['^(?:ab|cd)+$', 'abcdab', true],
  ['^(?P<v>v[0-9]+)/', 'v12/x', true],
  ['^(?<v>v[0-9]+)/', 'x/v12/', false],
  ['a{,2}', 'a{,2}', true],
  ['x*', '', true],
  ['^$', '', true],
  ['\\.', 'a.b', true],
  ['\\-\\#', '-#', true],
  ['😀+', 'x😀😀', true],
  ['^.$', '😀', true],
];

describe('Go regexp (RE2 syntax, linear-time matching)', () => {
  it.each(matches)('%j on %j is %j', (pattern, input, expected) => {
    expect(compileGoRegexp(pattern).test(input)).toBe(expected);
  });

  // What Go's regexp.Compile refuses: no backreferences, lookarounds, possessive or nested repeats.
  it.each([
    ['(a)\\1', 'backreferences'],
    ['(?=a)', 'lookahead'],
    ['(?<=a)b', 'lookbehind'],
    ['(?!a)', 'negative lookahead'],
    ['a**', 'nested repetition'],
    ['a++', 'possessive'],
    ['*a', 'missing argument'],
    ['a{1001}', 'repeat over 1000'],
    ['(a', 'unclosed group'],
    ['a)', 'unexpected )'],
    ['[a', 'unclosed class'],
    ['[z-a]', 'bad range'],
    ['\\k', 'unknown escape'],
    ['\\p{NoSuchScript}', 'unknown class'],
    ['a\\', 'trailing backslash'],
    ['\\Z', 'Perl \\Z'],
    ['x'.repeat(1025), 'over the length bound'],
  ])('refuses %j (%s)', (pattern) => {
    expect(() => compileGoRegexp(pattern)).toThrow(GoRegexpError);
  });

  it('refuses programs past the size bound instead of building them', () => {
    expect(() => compileGoRegexp('(?:(?:a{1000}){1000})')).toThrow(/too large/);
  });

  // A backtracking engine takes exponential time on these; the state-set simulation is linear.
  it.each([
    ['(a+)+$', `${'a'.repeat(20_000)}b`],
    ['(a|a)*c', 'a'.repeat(20_000)],
    ['(.*)*x', 'y'.repeat(20_000)],
    ['^(\\w+\\s?)*$', `${'word '.repeat(4000)}!`],
  ])('matches %j against a hostile input without backtracking', (pattern, input) => {
    expect(compileGoRegexp(pattern).test(input)).toBe(false);
  });

  // The lazy DFA cache (and its reset when full) must answer as the plain simulation would: compare
  // with V8's RegExp on patterns that mean the same in both dialects, over many varied inputs.
  it.each([
    ['^(?:[a-c]+d|[b-e]{2,5}f)+$', '^(?:[a-c]+d|[b-e]{2,5}f)+$', 'abcdef'],
    ['[a-z]{3}\\.[0-9]+$', '[a-z]{3}\\.[0-9]+$', 'ab.019z'],
    ['^\\p{L}+x', '^\\p{L}+x', 'aαβЖ中x1'],
    ['ab(?:cd)+e\\b|xyz', 'ab(?:cd)+e\\b|xyz', 'abcdexyz '],
    ['^[a-c]ab\\.ca(?:b|c)+$', '^[a-c]ab\\.ca(?:b|c)+$', 'abc.'],
    ['(?:\\p{Han}|\\p{Greek}){2}', '(?:\\p{Script=Han}|\\p{Script=Greek}){2}', 'a中αЖ'],
  ])('%j agrees with a reference engine on 5,000 random inputs', (pattern, jsPattern, alphabet) => {
    const ours = compileGoRegexp(pattern);
    const reference = new RegExp(jsPattern, 'u');
    const letters = Array.from(alphabet);
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 5000; i++) {
      // Now and then a character outside the alphabet, so the cache sees many distinct transitions.
      const text = Array.from({ length: random(12) }, () => (random(10) === 0 ? String.fromCodePoint(0x4e00 + random(20_000)) : letters[random(letters.length)])).join('');
      expect([text, ours.test(text)]).toEqual([text, reference.test(text)]);
    }
  });
});

