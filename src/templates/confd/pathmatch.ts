// Go's path.Match: the glob syntax of confd's `gets`/`getvs` patterns. `*` and `?` never match
// '/', `[...]` classes with ranges and `^` negation, `\` escapes. A malformed pattern is an error
// (Go's ErrBadPattern, "syntax error in pattern") whatever the name, as in Go >= 1.16.

export class BadPatternError extends Error {
  constructor() {
    super('syntax error in pattern');
    this.name = 'BadPatternError';
  }
}

interface CharClass {
  readonly negated: boolean;
  readonly ranges: readonly (readonly [number, number])[];
  /** Index of the closing ']'. */
  readonly end: number;
}

// One possibly escaped character of a class, per Go's getEsc: '-' and ']' may not start it.
function classChar(p: readonly string[], i: number): [number, number] {
  let c = p[i];
  if (c === undefined || c === '-' || c === ']') throw new BadPatternError();
  if (c === '\\') {
    i++;
    c = p[i];
    if (c === undefined) throw new BadPatternError();
  }
  return [c.codePointAt(0) ?? 0, i + 1];
}

function parseClass(p: readonly string[], open: number): CharClass {
  let i = open + 1;
  const negated = p[i] === '^';
  if (negated) i++;
  const ranges: [number, number][] = [];
  for (;;) {
    if (p[i] === ']' && ranges.length > 0) return { negated, ranges, end: i };
    const [lo, next] = classChar(p, i);
    i = next;
    let hi = lo;
    if (p[i] === '-') [hi, i] = classChar(p, i + 1);
    ranges.push([lo, hi]);
  }
}

function validate(p: readonly string[]): void {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') {
      if (++i >= p.length) throw new BadPatternError();
    } else if (p[i] === '[') {
      i = parseClass(p, i).end;
    }
  }
}

function matchFrom(p: readonly string[], pi: number, n: readonly string[], ni: number): boolean {
  while (pi < p.length) {
    const c = p[pi];
    if (c === '*') {
      while (p[pi] === '*') pi++;
      for (let k = ni; ; k++) {
        if (matchFrom(p, pi, n, k)) return true;
        if (k >= n.length || n[k] === '/') return false;
      }
    }
    const ch = n[ni];
    if (ch === undefined) return false;
    if (c === '?') {
      if (ch === '/') return false;
    } else if (c === '[') {
      const cls = parseClass(p, pi);
      const code = ch.codePointAt(0) ?? 0;
      const inside = cls.ranges.some(([lo, hi]) => lo <= code && code <= hi);
      if (ch === '/' || inside === cls.negated) return false;
      pi = cls.end;
    } else if (c === '\\') {
      pi++;
      if (p[pi] !== ch) return false;
    } else if (c !== ch) {
      return false;
    }
    pi++;
    ni++;
  }
  return ni === n.length;
}

/** Reports whether `name` matches the shell pattern, as Go's path.Match does. */
export function pathMatch(pattern: string, name: string): boolean {
  const p = [...pattern];
  validate(p);
  return matchFrom(p, 0, [...name], 0);
}
