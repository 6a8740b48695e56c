// Finds the line of a TOML key for error context with a plain left-to-right scan (no RegExp built
// from user text): each character of the file is looked at a bounded number of times, so a key of
// any length or content costs linear time and cannot throw.

/** The line (1-based) where `key` is assigned inside `[section]` (or `[section]` itself). */
export function locateKey(text: string, section: string, key?: string): number | undefined {
  let table: string[] = [];
  let lineNumber = 0;
  for (const line of text.split('\n')) {
    lineNumber += 1;
    let at = skipSpace(line, 0);
    if (line[at] === '[') {
      at += line[at + 1] === '[' ? 2 : 1;
      const header = readKey(line, at);
      if (header === undefined) continue;
      table = header.segments;
      if (table[0] === section && (key === undefined || table[1] === key)) return lineNumber;
      continue;
    }
    const assigned = readKey(line, at);
    if (assigned === undefined || line[skipSpace(line, assigned.end)] !== '=') continue;
    const path = [...table, ...assigned.segments];
    if (path[0] === section && (key === undefined || path[1] === key)) return lineNumber;
  }
  return undefined;
}

/** The index of the first character at or after `at` that is not a space or tab. */
export function skipSpace(line: string, at: number): number {
  while (line[at] === ' ' || line[at] === '\t') at += 1;
  return at;
}

const bareKeyChar = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_' || c === '-');

/** A (dotted) key starting at `at`: its decoded segments and the index after it. */
export function readKey(line: string, at: number): { segments: string[]; end: number } | undefined {
  const segments: string[] = [];
  for (;;) {
    at = skipSpace(line, at);
    const segment = readSegment(line, at);
    if (segment === undefined) return undefined;
    segments.push(segment.value);
    at = skipSpace(line, segment.end);
    if (line[at] !== '.') return { segments, end: at };
    at += 1;
  }
}

function readSegment(line: string, at: number): { value: string; end: number } | undefined {
  const quote = line[at];
  if (quote === '"' || quote === "'") {
    let value = '';
    for (let i = at + 1; i < line.length; i++) {
      const c = line[i] ?? '';
      if (c === quote) return { value, end: i + 1 };
      if (c === '\\' && quote === '"') {
        const escape = unescape(line, i);
        value += escape.text;
        i = escape.last;
      } else value += c;
    }
    return undefined;
  }
  let end = at;
  while (bareKeyChar(line[end])) end += 1;
  return end === at ? undefined : { value: line.slice(at, end), end };
}

const simpleEscapes: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', e: '\x1b', '"': '"', '\\': '\\' };

// One escape of a basic string at `at` (the backslash): its text and the index of its last char.
function unescape(line: string, at: number): { text: string; last: number } {
  const c = line[at + 1] ?? '';
  const simple = simpleEscapes[c];
  if (simple !== undefined) return { text: simple, last: at + 1 };
  const digits = c === 'u' ? 4 : c === 'U' ? 8 : c === 'x' ? 2 : 0;
  const hex = line.slice(at + 2, at + 2 + digits);
  const code = Number.parseInt(hex, 16);
  if (digits > 0 && hex.length === digits && /^[0-9a-fA-F]+$/.test(hex) && code <= 0x10ffff) {
    return { text: String.fromCodePoint(code), last: at + 1 + digits };
  }
  return { text: c, last: at + 1 };
}
