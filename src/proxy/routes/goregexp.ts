// Go's regexp/syntax (RE2) grammar read into a small tree: what Traefik compiles with regexp.Compile.
// Backreferences and lookarounds are refused as Go refuses them; nfa.ts matches the tree in linear time.
import { classNode, cp, GoRegexpError, inRanges, isWord, literal, perl, posix, unicodeClass, type CharTest, type ClassItem, type Flags, type Range } from './goregexp-classes.ts';

export type AssertKind = 'beginText' | 'endText' | 'beginLine' | 'endLine' | 'wordBoundary' | 'notWordBoundary';
export type ReNode =
  | { readonly t: 'empty' }
  | { readonly t: 'char'; readonly test: CharTest; readonly literal?: number }
  | { readonly t: 'assert'; readonly kind: AssertKind }
  | { readonly t: 'cat' | 'alt'; readonly items: readonly ReNode[] }
  | { readonly t: 'repeat'; readonly node: ReNode; readonly min: number; readonly max: number };

/** Longest pattern accepted; Go's own repeat limit (1000) applies to counts. */
export const maxPatternLength = 1024;
const maxRepeat = 1000;

/** Parses `pattern` with Go's syntax (Perl flags, as regexp.Compile); throws GoRegexpError. */
export function parseGoRegexp(pattern: string): ReNode {
  if (pattern.length > maxPatternLength) throw new GoRegexpError(`expression longer than ${maxPatternLength} characters`);
  const chars = Array.from(pattern);
  let at = 0;
  const peek = (offset = 0): string | undefined => chars[at + offset];
  const fail = (message: string): never => {
    throw new GoRegexpError(`${message} at offset ${at}`);
  };

  function parseAlt(flags: Flags): ReNode {
    const items = [parseCat(flags)];
    while (peek() === '|') {
      at++;
      items.push(parseCat(flags));
    }
    return items.length === 1 ? (items[0] as ReNode) : { t: 'alt', items };
  }

  function parseCat(flags: Flags): ReNode {
    const items: ReNode[] = [];
    for (let c = peek(); c !== undefined && c !== '|' && c !== ')'; c = peek()) {
      if (c === '*' || c === '+' || c === '?' || (c === '{' && repeatAhead() !== undefined)) fail('missing argument to repetition operator');
      if (c === '(' && peek(1) === '?' && setsFlagsOnly()) continue;
      let node = parseAtom(flags);
      let quantified = false;
      for (let q = peek(); q === '*' || q === '+' || q === '?' || q === '{'; q = peek()) {
        let min: number;
        let max: number;
        if (q === '{') {
          const repeat = repeatAhead();
          if (repeat === undefined) break;
          [min, max] = [repeat.min, repeat.max];
          at = repeat.end;
        } else {
          [min, max] = q === '*' ? [0, -1] : q === '+' ? [1, -1] : [0, 1];
          at++;
        }
        if (quantified) fail('invalid nested repetition operator');
        if (peek() === '?') at++;
        node = { t: 'repeat', node, min, max };
        quantified = true;
      }
      items.push(node);
    }
    return items.length === 1 ? (items[0] as ReNode) : { t: 'cat', items };

    // `(?flags)` changes the flags of the rest of the enclosing group.
    function setsFlagsOnly(): boolean {
      const close = chars.indexOf(')', at);
      const body = chars.slice(at + 2, close).join('');
      if (close < 0 || !/^[imsU]*(-[imsU]+)?$/.test(body) || body === '') return false;
      applyFlags(flags, body);
      at = close + 1;
      return true;
    }
  }

  function repeatAhead(): { min: number; max: number; end: number } | undefined {
    const rest = chars.slice(at, at + 16).join('');
    const m = /^\{(\d+)(,(\d*))?\}/.exec(rest);
    if (m === null) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
    if (min > maxRepeat || max > maxRepeat || (max !== -1 && max < min)) fail('invalid repeat count');
    return { min, max, end: at + m[0].length };
  }

  function parseAtom(flags: Flags): ReNode {
    const c = peek() as string;
    at++;
    if (c === '(') return parseGroup(flags);
    if (c === '[') return parseClass(flags);
    if (c === '.') return { t: 'char', test: flags.s ? () => true : (x) => x !== 10 };
    if (c === '^') return { t: 'assert', kind: flags.m ? 'beginLine' : 'beginText' };
    if (c === '$') return { t: 'assert', kind: flags.m ? 'endLine' : 'endText' };
    if (c === '\\') {
      const e = peek();
      if (e === 'A' || e === 'z' || e === 'b' || e === 'B') {
        at++;
        return { t: 'assert', kind: e === 'A' ? 'beginText' : e === 'z' ? 'endText' : e === 'b' ? 'wordBoundary' : 'notWordBoundary' };
      }
      if (e === 'Q') {
        at++;
        let end = at;
        while (end < chars.length && !(chars[end] === '\\' && chars[end + 1] === 'E')) end++;
        const text = chars.slice(at, end);
        at = Math.min(end + 2, chars.length);
        return { t: 'cat', items: text.map((ch) => literal(cp(ch), flags)) };
      }
      return classNode(escapeItem(), flags);
    }
    return literal(cp(c), flags);
  }

  function parseGroup(flags: Flags): ReNode {
    const inner: Flags = { ...flags };
    if (peek() === '?') {
      const name = /^\?P?<([A-Za-z0-9_]+)>/.exec(chars.slice(at, at + 40).join(''));
      if (name !== null) at += Array.from(name[0]).length;
      else {
        const m = /^\?([imsU]*(?:-[imsU]*)?):/.exec(chars.slice(at, at + 16).join(''));
        if (m === null) fail('invalid or unsupported Perl syntax (Go has no lookarounds)');
        applyFlags(inner, m?.[1] ?? '');
        at += (m?.[0] ?? '').length;
      }
    }
    const node = parseAlt(inner);
    if (peek() !== ')') fail('missing closing )');
    at++;
    return node;
  }

  function applyFlags(target: Flags, spec: string): void {
    let on = true;
    for (const f of spec) {
      if (f === '-') on = false;
      else if (f === 'i' || f === 'm' || f === 's') target[f] = on;
    }
  }

  function parseClass(flags: Flags): ReNode {
    const negated = peek() === '^';
    if (negated) at++;
    const ranges: Range[] = [];
    const tests: CharTest[] = [];
    let first = true;
    for (;;) {
      const c = peek();
      if (c === undefined) fail('missing closing ]');
      if (c === ']' && !first) break;
      first = false;
      const pos = /^\[:(\^?)([a-z]+):\]/.exec(chars.slice(at, at + 12).join(''));
      if (c === '[' && pos !== null) {
        const set = posix[pos[2] ?? ''];
        if (set === undefined) fail('invalid character class range');
        at += pos[0].length;
        if (pos[1] === '^') tests.push((x) => !inRanges(set ?? [], x));
        else ranges.push(...(set ?? []));
        continue;
      }
      const lo = classAtom();
      if (typeof lo !== 'number') {
        if (lo.ranges !== undefined) ranges.push(...lo.ranges);
        if (lo.test !== undefined) tests.push(lo.test);
        continue;
      }
      if (peek() === '-' && peek(1) !== ']' && peek(1) !== undefined) {
        at++;
        const hi = classAtom();
        if (typeof hi !== 'number' || hi < lo) fail('invalid character class range');
        ranges.push([lo, hi as number]);
      } else ranges.push([lo, lo]);
    }
    at++;
    return classNode({ ranges, test: tests.length === 0 ? undefined : (x) => tests.some((t) => t(x)), negated }, flags);
  }

  function classAtom(): number | ClassItem {
    const c = peek() as string;
    at++;
    return c === '\\' ? escapeItem() : cp(c);
  }

  // An escape after the backslash: a literal code point or a class (\d, \pL, ...).
  function escapeItem(): number | ClassItem {
    const e = peek();
    if (e === undefined) fail('trailing backslash at end of expression');
    at++;
    const lower = (e as string).toLowerCase();
    if (perl[lower] !== undefined && (e === lower || e === lower.toUpperCase())) return { ranges: perl[lower], negated: e !== lower };
    if (e === 'p' || e === 'P') {
      let name = peek() ?? '';
      at++;
      if (name === '{') {
        const close = chars.indexOf('}', at);
        if (close < 0) fail('invalid character class range');
        name = chars.slice(at, close).join('');
        at = close + 1;
      }
      return { test: unicodeClass(name), negated: e === 'P' };
    }
    const simple: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
    if (simple[e as string] !== undefined) return simple[e as string] as number;
    if (e === 'x') {
      const braced = peek() === '{';
      const m = braced ? /^\{([0-9A-Fa-f]{1,8})\}/.exec(chars.slice(at, at + 10).join('')) : /^[0-9A-Fa-f]{2}/.exec(chars.slice(at, at + 2).join(''));
      const value = m === null ? NaN : Number.parseInt(braced ? (m[1] ?? '') : m[0], 16);
      if (m === null || value > 0x10ffff) fail('invalid escape sequence');
      at += (m?.[0] ?? '').length;
      return value;
    }
    if (e !== undefined && e >= '0' && e <= '7') {
      if (e !== '0' && !(peek() !== undefined && (peek() as string) >= '0' && (peek() as string) <= '7')) fail('invalid escape sequence (Go has no backreferences)');
      let digits = e;
      while (digits.length < 3 && peek() !== undefined && (peek() as string) >= '0' && (peek() as string) <= '7') digits += chars[at++];
      return Number.parseInt(digits, 8);
    }
    const code = cp(e as string);
    if (code < 0x80 && !isWord(code)) return code;
    return fail('invalid escape sequence');
  }

  const tree = parseAlt({ i: false, m: false, s: false });
  if (at < chars.length) fail('unexpected )');
  return tree;
}

export { GoRegexpError, isWord };
export type { CharTest };
