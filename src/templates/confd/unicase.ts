// Go's strings.ToUpper / ToLower (confd's toUpper / toLower) map each rune to one rune by
// Unicode's simple case mapping. JS's toUpperCase / toLowerCase apply the full mapping instead:
// 'ß' → 'SS', 'İ' → 'i̇', 'ﬁ' → 'FI', and a final 'Σ' → 'ς' in context. Mapped one rune at a
// time, JS's result is the simple mapping whenever it is a single rune; when it is longer, Go
// keeps the rune, except for the few runes listed here whose simple mapping is another rune.

const ascii = /^[\x00-\x7f]*$/;

/** Runes whose full uppercase is longer but whose simple uppercase is one rune (Greek with ypogegrammeni). */
const simpleUpper = new Map<number, number>([
  ...[0x1f80, 0x1f90, 0x1fa0].flatMap((base) => Array.from({ length: 8 }, (_, i): [number, number] => [base + i, base + 8 + i])),
  [0x1fb3, 0x1fbc],
  [0x1fc3, 0x1fcc],
  [0x1ff3, 0x1ffc],
]);

/** Runes whose full lowercase is longer but whose simple lowercase is one rune. */
const simpleLower = new Map<number, number>([[0x130, 0x69]]); // 'İ' → 'i'

function mapRunes(s: string, full: (rune: string) => string, simple: ReadonlyMap<number, number>): string {
  let out = '';
  for (const rune of s) {
    const mapped = full(rune);
    const single = simple.get(rune.codePointAt(0) ?? 0);
    if (single !== undefined) out += String.fromCodePoint(single);
    else out += mapped.length === rune.length || [...mapped].length === 1 ? mapped : rune;
  }
  return out;
}

/** Go's strings.ToUpper. */
export function goToUpper(s: string): string {
  return ascii.test(s) ? s.toUpperCase() : mapRunes(s, (r) => r.toUpperCase(), simpleUpper);
}

/** Go's strings.ToLower. */
export function goToLower(s: string): string {
  return ascii.test(s) ? s.toLowerCase() : mapRunes(s, (r) => r.toLowerCase(), simpleLower);
}
