// Number literals in actions, parsed the way parse.newNumber does: one text, several readings
// (int, uint, float) so the executor can pick Go's "ideal constant" meaning.
import type { NumberNode } from './ast.ts';
import { scanComplex } from './complex.ts';
import { unquoteChar } from './quote.ts';

const INT64_MIN = -(1n << 63n);
const INT64_LIMIT = 1n << 63n;
const UINT64_LIMIT = 1n << 64n;

/** Go's underscoreOK: underscores only between digits (or right after a base prefix). */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && /[bBoOxX]/.test(s[1] as string)) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i] as string;
    if (/[0-9]/.test(c) || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** strconv.ParseInt/ParseUint with base 0, without the range check; null on a syntax error. */
function parseIntLiteral(text: string, allowSign: boolean): bigint | null {
  let s = text;
  let neg = false;
  if (s[0] === '+' || s[0] === '-') {
    if (!allowSign) return null;
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s.length === 0) return null;
  let base = 10;
  let digits = s;
  if (s[0] === '0' && s.length > 1) {
    const p = (s[1] as string).toLowerCase();
    if (p === 'x') [base, digits] = [16, s.slice(2)];
    else if (p === 'o') [base, digits] = [8, s.slice(2)];
    else if (p === 'b') [base, digits] = [2, s.slice(2)];
    else [base, digits] = [8, s.slice(1)];
  }
  if (s.includes('_') && !underscoreOK(s)) return null;
  digits = digits.replaceAll('_', '');
  if (digits.length === 0) return null;
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base as 2 | 8 | 10 | 16];
  if (!valid.test(digits)) return null;
  const prefix = { 2: '0b', 8: '0o', 10: '', 16: '0x' }[base as 2 | 8 | 10 | 16];
  const v = BigInt(prefix + digits);
  return neg ? -v : v;
}

/** strconv.ParseFloat(text, 64): the value, or which of its errors it reports. */
export function parseFloatChecked(text: string): number | 'syntax' | 'range' {
  if (text.includes('_') && !underscoreOK(text)) return 'syntax';
  const s = text.replaceAll('_', '');
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?[0-9]+)$/.exec(s);
  let v: number;
  if (hex !== null) {
    const [, sign, int = '', frac = '', exp = '0'] = hex;
    if (int.length + frac.length === 0) return 'syntax';
    const mant = BigInt(`0x${int}${frac}` === '0x' ? '0' : `0x${int}${frac}`);
    v = Number(mant) * 2 ** (Number(exp) - 4 * frac.length);
    if (sign === '-') v = -v;
  } else {
    if (!/^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(s)) return 'syntax';
    v = Number(s);
  }
  return Number.isFinite(v) ? v : 'range';
}

/** strconv.ParseFloat(text, 64); null on a syntax or range error. */
export function parseFloatLiteral(text: string): number | null {
  const v = parseFloatChecked(text);
  return typeof v === 'number' ? v : null;
}

export type NumberFields = Pick<
  NumberNode, 'isInt' | 'isUint' | 'isFloat' | 'isComplex' | 'int' | 'uint' | 'float' | 'real' | 'imag'
>;

/** NumberNode.simplifyComplex: a complex constant with no imaginary part is also a float (and maybe an int). */
function complexNumber(n: NumberFields, real: number, imag: number): NumberFields {
  const c = { ...n, isComplex: true, real, imag };
  if (imag !== 0) return c;
  c.isFloat = true;
  c.float = real;
  if (Number.isInteger(real) && real >= -(2 ** 63) && real < 2 ** 63) {
    c.isInt = true;
    c.int = BigInt(real);
  }
  if (Number.isInteger(real) && real >= 0 && real < 2 ** 64) {
    c.isUint = true;
    c.uint = BigInt(real);
  }
  return c;
}

/** parse.newNumber; throws an Error with Go's message on bad literals. */
export function readNumber(text: string, kind: 'number' | 'charConstant' | 'complex'): NumberFields {
  const n: NumberFields = {
    isInt: false, isUint: false, isFloat: false, isComplex: false, int: 0n, uint: 0n, float: 0, real: 0, imag: 0,
  };
  if (kind === 'charConstant') {
    const { value, next } = unquoteChar(text, 1, 0x27);
    if (text.slice(next) !== "'") throw new Error(`malformed character constant: ${text}`);
    return { ...n, isInt: true, isUint: true, isFloat: true, int: BigInt(value), uint: BigInt(value), float: value };
  }
  if (kind === 'complex') {
    const { real, imag } = scanComplex(text);
    return complexNumber(n, real, imag);
  }
  // Imaginary constants can only be complex unless they are zero.
  const imag = text.endsWith('i') ? parseFloatLiteral(text.slice(0, -1)) : null;
  if (imag !== null) return complexNumber(n, 0, imag);
  const u = parseIntLiteral(text, false);
  if (u !== null && u < UINT64_LIMIT) {
    n.isUint = true;
    n.uint = u;
  }
  const i = parseIntLiteral(text, true);
  if (i !== null && i >= INT64_MIN && i < INT64_LIMIT) {
    n.isInt = true;
    n.int = i;
    if (i === 0n) {
      n.isUint = true;
      n.uint = 0n;
    }
  }
  if (n.isInt) {
    n.isFloat = true;
    n.float = Number(n.int);
  } else if (n.isUint) {
    n.isFloat = true;
    n.float = Number(n.uint);
  } else {
    const f = parseFloatLiteral(text);
    if (f !== null) {
      if (!/[.eEpP]/.test(text)) throw new Error(`integer overflow: ${JSON.stringify(text)}`);
      n.isFloat = true;
      n.float = f;
      if (Number.isInteger(f) && f >= -(2 ** 63) && f < 2 ** 63) {
        n.isInt = true;
        n.int = BigInt(f);
      }
      if (Number.isInteger(f) && f >= 0 && f < 2 ** 64) {
        n.isUint = true;
        n.uint = BigInt(f);
      }
    }
  }
  if (!n.isInt && !n.isUint && !n.isFloat) throw new Error(`illegal number syntax: ${JSON.stringify(text)}`);
  return n;
}
