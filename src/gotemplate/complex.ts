// Complex constants (`1+2i`, `3i`): parse.newNumber reads an itemComplex with fmt.Sscan into a
// complex128, and fmt prints one as `(re+imi)`, each part formatted as a float64.
import { parseFloatChecked } from './number.ts';

const complexError = 'syntax error scanning complex number';

/** A cursor over the literal with fmt's ss.accept: a rune from `chars` is consumed and kept. */
class Scanner {
  readonly text: string;
  pos = 0;
  buf = '';
  constructor(text: string) {
    this.text = text;
  }

  accept(chars: string): boolean {
    const c = this.text[this.pos];
    if (c === undefined || !chars.includes(c)) return false;
    this.buf += c;
    this.pos++;
    return true;
  }

  /** fmt's floatToken. */
  floatToken(): string {
    this.buf = '';
    if (this.accept('nN') && this.accept('aA') && this.accept('nN')) return this.buf;
    this.accept('+-');
    if (this.accept('iI') && this.accept('nN') && this.accept('fF')) return this.buf;
    let digits = '0123456789_';
    let exp = 'eEpP';
    if (this.accept('0') && this.accept('xX')) {
      digits = '0123456789aAbBcCdDeEfF_';
      exp = 'pP';
    }
    while (this.accept(digits));
    if (this.accept('.')) while (this.accept(digits));
    if (this.accept(exp)) {
      this.accept('+-');
      while (this.accept('0123456789_'));
    }
    return this.buf;
  }
}

function numError(fn: string, num: string, err: 'syntax' | 'range'): Error {
  return new Error(`strconv.${fn}: parsing ${JSON.stringify(num)}: ${err === 'syntax' ? 'invalid syntax' : 'value out of range'}`);
}

/** fmt's convertFloat: strconv.ParseFloat, plus fmt's own decimal-mantissa `p` exponent. */
function convertFloat(str: string): number {
  const p = str.indexOf('p');
  if (p >= 0 && !/[xX]/.test(str)) {
    const f = parseFloatChecked(str.slice(0, p));
    if (typeof f !== 'number') throw numError('ParseFloat', str, f);
    const m = str.slice(p + 1);
    if (!/^[+-]?[0-9]+$/.test(m)) throw numError('Atoi', str, 'syntax');
    return f * 2 ** Number(m);
  }
  const f = parseFloatChecked(str);
  if (typeof f !== 'number') throw numError('ParseFloat', str, f);
  return f;
}

/** fmt.Sscan(text, &c) for a complex128; throws an Error with Go's message. */
export function scanComplex(text: string): { real: number; imag: number } {
  const s = new Scanner(text);
  if (s.pos >= text.length) throw new Error('unexpected EOF');
  const parens = s.accept('(');
  const real = s.floatToken();
  s.buf = '';
  if (!s.accept('+-')) throw new Error(complexError);
  const imagSign = s.buf;
  const imag = s.floatToken();
  if (!s.accept('i')) throw new Error(complexError);
  if (parens && !s.accept(')')) throw new Error(complexError);
  return { real: convertFloat(real), imag: convertFloat(imagSign + imag) };
}
