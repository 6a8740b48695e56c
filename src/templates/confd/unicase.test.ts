import { describe, expect, it } from 'vitest';
import { goToLower, goToUpper } from './unicase.ts';

// Expected values printed by Go 1.19's strings.ToUpper / ToLower.
describe("Go's rune-by-rune simple case mapping", () => {
  it.each([
    ['Straße', 'STRAßE', 'straße'], // no simple uppercase for ß (JS: STRASSE)
    ['İstanbul', 'İSTANBUL', 'istanbul'], // simple lowercase of İ is i (JS: i̇stanbul)
    ['ΟΔΟΣ', 'ΟΔΟΣ', 'οδοσ'], // no final sigma (JS: οδος)
    ['ﬁle ŉ ǰ', 'ﬁLE ŉ ǰ', 'ﬁle ŉ ǰ'], // ligatures and others without a one-rune uppercase
    ['ᾳ ᾀ ᾈ', 'ᾼ ᾈ ᾈ', 'ᾳ ᾀ ᾀ'], // ypogegrammeni: simple uppercase is the titlecase rune (JS: ΑΙ)
    ['ǅ Ǆ ǆ', 'Ǆ Ǆ Ǆ', 'ǆ ǆ ǆ'],
    ['plain ASCII', 'PLAIN ASCII', 'plain ascii'],
    ['😀 é', '😀 É', '😀 é'],
  ])('%s', (s, upper, lower) => {
    expect(goToUpper(s)).toBe(upper);
    expect(goToLower(s)).toBe(lower);
  });
});
