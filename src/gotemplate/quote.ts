// Go's strconv quoting and unquoting, and unicode.IsPrint, as text/template and fmt use them.
import { utf8Decode } from './values.ts';

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

export function isPrint(r: number): boolean {
  if (r < 0x80) return r >= 0x20 && r < 0x7f;
  if (r >= 0xd800 && r <= 0xdfff) return false;
  return printable.test(String.fromCodePoint(r));
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function escapeRune(r: number, quote: number, asciiOnly: boolean): string {
  if (r === quote || r === 0x5c) return `\\${String.fromCodePoint(r)}`;
  if (asciiOnly ? r < 0x80 && isPrint(r) : isPrint(r)) return String.fromCodePoint(r);
  switch (r) {
    case 0x07: return '\\a';
    case 0x08: return '\\b';
    case 0x0c: return '\\f';
    case 0x0a: return '\\n';
    case 0x0d: return '\\r';
    case 0x09: return '\\t';
    case 0x0b: return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return `\\x${hex(r, 2)}`;
  if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = 0xfffd;
  if (r < 0x10000) return `\\u${hex(r, 4)}`;
  return `\\U${hex(r, 8)}`;
}

/** strconv.Quote (asciiOnly: strconv.QuoteToASCII). */
export function quoteGo(s: string, asciiOnly = false): string {
  let out = '"';
  for (const ch of s) out += escapeRune(ch.codePointAt(0) as number, 0x22, asciiOnly);
  return `${out}"`;
}

/** strconv.QuoteRune (asciiOnly: QuoteRuneToASCII). */
export function quoteRune(r: number, asciiOnly = false): string {
  if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff) || r < 0) r = 0xfffd;
  return `'${escapeRune(r, 0x27, asciiOnly)}'`;
}

export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const r = ch.codePointAt(0) as number;
    if (r === 0xfeff || (r >= 0xd800 && r <= 0xdfff)) return false;
    if ((r < 0x20 && r !== 0x09) || r === 0x60 || r === 0x7f) return false;
  }
  return true;
}

/** fmt's %#U: U+0041 'A' (the character only when printable). */
export function formatRuneU(r: number): string {
  const u = `U+${r.toString(16).toUpperCase().padStart(4, '0')}`;
  return isPrint(r) ? `${u} '${String.fromCodePoint(r)}'` : u;
}

export class SyntaxError_ extends Error {}

const simpleEscapes: Record<string, number> = {
  a: 0x07, b: 0x08, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b, '\\': 0x5c,
};

/** strconv.UnquoteChar on s[i:]; returns the value, whether it is a byte (\x, octal) and the next index. */
export function unquoteChar(s: string, i: number, quote: number): { value: number; isByte: boolean; next: number } {
  const c = s.codePointAt(i);
  if (c === undefined) throw new SyntaxError_('invalid syntax');
  if (c === quote && (quote === 0x27 || quote === 0x22)) throw new SyntaxError_('invalid syntax');
  if (c !== 0x5c) return { value: c, isByte: false, next: i + (c > 0xffff ? 2 : 1) };
  const e = s[i + 1];
  if (e === undefined) throw new SyntaxError_('invalid syntax');
  const simple = simpleEscapes[e];
  if (simple !== undefined) return { value: simple, isByte: false, next: i + 2 };
  switch (e) {
    case 'x': case 'u': case 'U': {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const digits = s.slice(i + 2, i + 2 + n);
      if (digits.length < n || !/^[0-9a-fA-F]+$/.test(digits)) throw new SyntaxError_('invalid syntax');
      const v = parseInt(digits, 16);
      if (e === 'x') return { value: v, isByte: true, next: i + 2 + n };
      if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw new SyntaxError_('invalid syntax');
      return { value: v, isByte: false, next: i + 2 + n };
    }
    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
      const digits = s.slice(i + 1, i + 4);
      if (digits.length < 3 || !/^[0-7]+$/.test(digits)) throw new SyntaxError_('invalid syntax');
      const v = parseInt(digits, 8);
      if (v > 255) throw new SyntaxError_('invalid syntax');
      return { value: v, isByte: true, next: i + 4 };
    }
    case "'": case '"':
      if (e.charCodeAt(0) !== quote) throw new SyntaxError_('invalid syntax');
      return { value: quote, isByte: false, next: i + 2 };
  }
  throw new SyntaxError_('invalid syntax');
}

/** strconv.Unquote for "..." and `...` literals; throws SyntaxError_ ("invalid syntax"). */
export function unquote(s: string): string {
  if (s.length < 2) throw new SyntaxError_('invalid syntax');
  const q = s[0];
  if (q !== s[s.length - 1]) throw new SyntaxError_('invalid syntax');
  const body = s.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) throw new SyntaxError_('invalid syntax');
    return body.replaceAll('\r', '');
  }
  if (q !== '"') throw new SyntaxError_('invalid syntax');
  if (!body.includes('\\')) {
    if (body.includes('"') || body.includes('\n')) throw new SyntaxError_('invalid syntax');
    return body;
  }
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < body.length;) {
    if (body[i] === '"' || body[i] === '\n') throw new SyntaxError_('invalid syntax');
    const { value, isByte, next } = unquoteChar(body, i, 0x22);
    if (isByte || value < 0x80) bytes.push(value);
    else for (const b of enc.encode(String.fromCodePoint(value))) bytes.push(b);
    i = next;
  }
  return utf8Decode(Uint8Array.from(bytes));
}
