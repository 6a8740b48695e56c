// Character classes of Go's regexp syntax: Perl (\d \s \w, ASCII as in Go), POSIX ([:alpha:]),
// Unicode (\pL, \p{Greek}) and (?i) case folding, as predicates over code points.
import type { ReNode } from './goregexp.ts';

export type CharTest = (codePoint: number) => boolean;

export class GoRegexpError extends Error {}

export interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
}
export type Range = [number, number];

export const cp = (c: string): number => c.codePointAt(0) ?? 0;
export const isWord = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
export const perl: Record<string, Range[]> = { d: [[48, 57]], s: [[9, 10], [12, 13], [32, 32]], w: [[48, 57], [65, 90], [95, 95], [97, 122]] };
export const posix: Record<string, Range[]> = {
  alnum: [[48, 57], [65, 90], [97, 122]], alpha: [[65, 90], [97, 122]], ascii: [[0, 127]], blank: [[9, 9], [32, 32]],
  cntrl: [[0, 31], [127, 127]], digit: [[48, 57]], graph: [[33, 126]], lower: [[97, 122]], print: [[32, 126]],
  punct: [[33, 47], [58, 64], [91, 96], [123, 126]], space: [[9, 13], [32, 32]], upper: [[65, 90]],
  word: [[48, 57], [65, 90], [95, 95], [97, 122]], xdigit: [[48, 57], [65, 70], [97, 102]],
};

export function inRanges(ranges: readonly Range[], c: number): boolean {
  for (const [lo, hi] of ranges) if (c >= lo && c <= hi) return true;
  return false;
}

/** Every code point Go's (?i) would treat as equal to `c` (simple case variants). */
function caseVariants(c: number): number[] {
  const s = String.fromCodePoint(c);
  const out = [c];
  for (const v of [s.toLowerCase(), s.toUpperCase()]) if ([...v].length === 1 && !out.includes(cp(v))) out.push(cp(v));
  return out;
}

export function unicodeClass(name: string): CharTest {
  const negated = name.startsWith('^');
  const bare = negated ? name.slice(1) : name;
  if (!/^[A-Za-z_]{1,40}$/.test(bare)) throw new GoRegexpError(`invalid character class range \\p{${name}}`);
  let re: RegExp;
  try {
    re = bare === 'Any' ? /^[\s\S]$/u : new RegExp(`^\\p{${bare.length <= 2 ? bare : `Script=${bare}`}}$`, 'u');
  } catch {
    throw new GoRegexpError(`invalid character class range \\p{${name}}`);
  }
  return negated ? (c) => !re.test(String.fromCodePoint(c)) : (c) => re.test(String.fromCodePoint(c));
}

export interface ClassItem {
  readonly ranges?: readonly Range[] | undefined;
  readonly test?: CharTest | undefined;
  readonly negated: boolean;
}

export function literal(c: number, flags: Flags): ReNode {
  if (!flags.i) return { t: 'char', test: (x) => x === c, literal: c };
  const variants = caseVariants(c);
  return { t: 'char', test: (x) => variants.includes(x) };
}

export function classNode(item: number | ClassItem, flags: Flags): ReNode {
  if (typeof item === 'number') return literal(item, flags);
  const { ranges = [], test, negated } = item;
  const base: CharTest = (x) => inRanges(ranges, x) || (test !== undefined && test(x));
  const folded: CharTest = flags.i ? (x) => caseVariants(x).some(base) : base;
  return { t: 'char', test: negated ? (x) => !folded(x) : folded };
}
