// Go's fmt package for the values a template holds: Sprint, Sprintln, Sprintf with the verbs,
// flags, width and precision of fmt, and its "%!verb(type=value)" mistake reports.
import { formatFloat } from './floatfmt.ts';
import { canBackquote, isPrint, quoteGo, quoteRune } from './quote.ts';
import { boundMethod } from './structs.ts';
import type { GoMap, GoValue } from './values.ts';
import { GoComplex, GoInt, GoPointer, GoStruct, GoUint8, isGoFunc, mapGet, sortedKeys, typeName, utf8Bytes } from './values.ts';

// Go prints a pointer nested in a container as its address, which no two runs share.
const fakeAddress = 0xc000010000n;

const ldigits = '0123456789abcdefx';
const udigits = '0123456789ABCDEFX';

function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

export function tooLarge(x: number): boolean {
  return x > 1e6 || x < -1e6;
}

/** The types fmt's printArg formats without looking for methods. */
function isBasic(v: GoValue): boolean {
  return typeof v !== 'object' || v instanceof GoUint8 || v instanceof GoComplex;
}

function isError(v: GoValue): boolean {
  const method = boundMethod(v, 'Error');
  return method !== undefined && method.params.length === 0 && method.result === 'string';
}

export class Printer {
  buf = '';
  wid = 0;
  prec = 0;
  widPresent = false;
  precPresent = false;
  minus = false;
  plus = false;
  sharp = false;
  space = false;
  zero = false;
  plusV = false;
  sharpV = false;
  // The operand being printed, for bad-verb reports: top-level argument or a nested value.
  arg: GoValue = undefined;
  argIsTop = false;
  // Set while reporting a bad verb: String methods are not called then.
  erroring = false;
  // fmt.Errorf's printer: one %w operand that is an error prints as %v; wrapped: it was seen.
  wrapErrs = false;
  wrapped = false;

  clearFlags(): void {
    this.wid = 0;
    this.prec = 0;
    this.widPresent = this.precPresent = false;
    this.minus = this.plus = this.sharp = this.space = this.zero = this.plusV = this.sharpV = false;
  }

  writePadding(n: number): void {
    if (n <= 0) return;
    this.buf += (this.zero ? '0' : ' ').repeat(n);
  }

  pad(s: string): void {
    if (!this.widPresent || this.wid === 0) {
      this.buf += s;
      return;
    }
    const width = this.wid - runeCount(s);
    if (!this.minus) {
      this.writePadding(width);
      this.buf += s;
    } else {
      this.buf += s;
      this.writePadding(width);
    }
  }

  truncate(s: string): string {
    if (this.precPresent) {
      let n = this.prec;
      let i = 0;
      for (const ch of s) {
        n--;
        if (n < 0) return s.slice(0, i);
        i += ch.length;
      }
    }
    return s;
  }

  fmtBoolean(v: boolean): void {
    this.pad(v ? 'true' : 'false');
  }

  fmtInteger(value: bigint, base: number, verb: string, digits: string, forceSharp = false): void {
    const oldSharp = this.sharp;
    if (forceSharp) this.sharp = !this.sharp;
    try {
      this.fmtIntegerDigits(value, base, verb, digits);
    } finally {
      this.sharp = oldSharp;
    }
  }

  fmtIntegerDigits(value: bigint, base: number, verb: string, digits: string): void {
    const negative = value < 0n;
    let u = negative ? -value : value;
    let prec = 0;
    if (this.precPresent) {
      prec = this.prec;
      if (prec === 0 && u === 0n) {
        const oldZero = this.zero;
        this.zero = false;
        this.writePadding(this.wid);
        this.zero = oldZero;
        return;
      }
    } else if (this.zero && this.widPresent) {
      prec = this.wid;
      if (negative || this.plus || this.space) prec--;
    }
    let s = '';
    const b = BigInt(base);
    if (u === 0n) s = '0';
    while (u > 0n) {
      s = (digits[Number(u % b)] as string) + s;
      u /= b;
    }
    if (s.length < prec) s = '0'.repeat(prec - s.length) + s;
    if (this.sharp) {
      if (base === 2) s = `0b${s}`;
      else if (base === 8 && s[0] !== '0') s = `0${s}`;
      else if (base === 16) s = `0${digits[16]}${s}`;
    }
    if (verb === 'O') s = `0o${s}`;
    if (negative) s = `-${s}`;
    else if (this.plus) s = `+${s}`;
    else if (this.space) s = ` ${s}`;
    const oldZero = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = oldZero;
  }

  fmtFloat(v: number, verb: string, defaultPrec: number): void {
    const prec = this.precPresent ? this.prec : defaultPrec;
    let num = formatFloat(v, verb, prec);
    num = num[0] === '-' || num[0] === '+' ? num : `+${num}`;
    if (this.space && num[0] === '+' && !this.plus) num = ` ${num.slice(1)}`;
    if (num[1] === 'I' || num[1] === 'N') {
      const oldZero = this.zero;
      this.zero = false;
      if (num[1] === 'N' && !this.space && !this.plus) num = num.slice(1);
      this.pad(num);
      this.zero = oldZero;
      return;
    }
    if (this.sharp && verb !== 'b') {
      let digits = 0;
      if (verb === 'v' || verb === 'g' || verb === 'G' || verb === 'x') digits = prec === -1 ? 6 : prec;
      let tail = '';
      let hasDecimalPoint = false;
      let sawNonzeroDigit = false;
      for (let i = 1; i < num.length; i++) {
        const c = num[i] as string;
        if (c === '.') {
          hasDecimalPoint = true;
        } else if (c === 'p' || c === 'P') {
          tail = num.slice(i);
          num = num.slice(0, i);
          break;
        } else if ((c === 'e' || c === 'E') && verb !== 'x' && verb !== 'X') {
          tail = num.slice(i);
          num = num.slice(0, i);
          break;
        } else {
          if (c !== '0') sawNonzeroDigit = true;
          if (sawNonzeroDigit) digits--;
        }
      }
      if (!hasDecimalPoint) {
        if (num.length === 2 && num[1] === '0') digits--;
        num += '.';
      }
      if (digits > 0) num += '0'.repeat(digits);
      num += tail;
    }
    if (this.plus || num[0] !== '+') {
      if (this.zero && this.widPresent && this.wid > num.length) {
        this.buf += num[0];
        this.writePadding(this.wid - num.length);
        this.buf += num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  fmtSbx(s: string, digits: string): void {
    const bytes = utf8Bytes(s);
    let length = bytes.length;
    if (this.precPresent && this.prec < length) length = this.prec;
    let width = 2 * length;
    if (width > 0) {
      if (this.space) {
        if (this.sharp) width *= 2;
        width += length - 1;
      } else if (this.sharp) {
        width += 2;
      }
    } else {
      if (this.widPresent) this.writePadding(this.wid);
      return;
    }
    if (this.widPresent && this.wid > width && !this.minus) this.writePadding(this.wid - width);
    let out = this.sharp ? `0${digits[16]}` : '';
    for (let i = 0; i < length; i++) {
      if (this.space && i > 0) {
        out += ' ';
        if (this.sharp) out += `0${digits[16]}`;
      }
      const c = bytes[i] as number;
      out += (digits[c >> 4] as string) + (digits[c & 0xf] as string);
    }
    this.buf += out;
    if (this.widPresent && this.wid > width && this.minus) this.writePadding(this.wid - width);
  }

  fmtQ(s: string): void {
    s = this.truncate(s);
    if (this.sharp && canBackquote(s)) {
      this.pad(`\`${s}\``);
      return;
    }
    this.pad(quoteGo(s, this.plus));
  }

  fmtC(c: bigint): void {
    const r = c > 0x10ffffn || c < 0n || (c >= 0xd800n && c <= 0xdfffn) ? 0xfffd : Number(c);
    this.pad(String.fromCodePoint(r));
  }

  fmtQc(c: bigint): void {
    const r = c > 0x10ffffn || c < 0n ? 0xfffd : Number(c);
    this.pad(quoteRune(r, this.plus));
  }

  fmtUnicode(u: bigint): void {
    let prec = 4;
    if (this.precPresent && this.prec > 4) prec = this.prec;
    const hex = (u < 0n ? u + (1n << 64n) : u).toString(16).toUpperCase();
    let s = `U+${hex.padStart(prec, '0')}`;
    if (this.sharp && u >= 0n && u <= 0x10ffffn && isPrint(Number(u))) s += ` '${String.fromCodePoint(Number(u))}'`;
    const oldZero = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = oldZero;
  }

  badVerb(verb: string): void {
    this.erroring = true;
    this.buf += `%!${verb}(`;
    const v = this.arg;
    if (v === null || v === undefined) {
      this.buf += '<nil>';
    } else {
      this.buf += `${typeName(v)}=`;
      const saved = this.arg;
      this.printValue(v, 'v', this.argIsTop || v instanceof GoPointer ? 0 : 1);
      this.arg = saved;
    }
    this.buf += ')';
    this.erroring = false;
  }

  fmtString(v: string, verb: string): void {
    switch (verb) {
      case 'v': if (this.sharpV) this.fmtQ(v); else this.pad(this.truncate(v)); return;
      case 's': this.pad(this.truncate(v)); return;
      case 'x': this.fmtSbx(v, ldigits); return;
      case 'X': this.fmtSbx(v, udigits); return;
      case 'q': this.fmtQ(v); return;
      default: this.badVerb(verb);
    }
  }

  /** fmt's handleMethods: GoString for %#v; Error or String for the verbs that take a string. */
  handleMethods(v: GoValue, verb: string): boolean {
    if (this.erroring || !(v instanceof GoStruct || v instanceof GoPointer || v instanceof GoInt)) return false;
    const names = this.sharpV ? ['GoString'] : 'vsxXq'.includes(verb) ? ['Error', 'String'] : [];
    for (const name of names) {
      const method = boundMethod(v, name);
      if (method === undefined || method.params.length > 0 || method.result !== 'string') continue;
      if (v instanceof GoPointer && v.target === null) {
        this.buf += '<nil>'; // fmt's catchPanic for a nil receiver
        return true;
      }
      const s = method.fn() as string;
      if (name === 'GoString') this.pad(this.truncate(s));
      else this.fmtString(s, verb);
      return true;
    }
    return false;
  }

  fmtPointer(v: GoPointer, verb: string): void {
    const u = v.target === null ? 0n : fakeAddress;
    switch (verb) {
      case 'v':
        if (this.sharpV) this.buf += `(${typeName(v)})(${u === 0n ? 'nil' : `0x${u.toString(16)}`})`;
        else if (u === 0n) this.pad('<nil>');
        else this.fmtInteger(u, 16, verb, ldigits, true);
        return;
      case 'p': this.fmtInteger(u, 16, verb, ldigits, true); return;
      case 'b': this.fmtInteger(u, 2, verb, ldigits); return;
      case 'o': this.fmtInteger(u, 8, verb, ldigits); return;
      case 'd': this.fmtInteger(u, 10, verb, ldigits); return;
      case 'x': this.fmtInteger(u, 16, verb, ldigits); return;
      case 'X': this.fmtInteger(u, 16, verb, udigits); return;
      default: this.badVerb(verb);
    }
  }

  printStruct(v: GoStruct, verb: string, depth: number): void {
    if (this.sharpV) this.buf += v.type.name;
    this.buf += '{';
    v.fields.forEach((field, i) => {
      if (i > 0) this.buf += this.sharpV ? ', ' : ' ';
      if (this.plusV || this.sharpV) this.buf += `${v.type.fields[i]?.name ?? ''}:`;
      this.printValue(field, verb, depth + 1);
    });
    this.buf += '}';
  }

  printArg(arg: GoValue, verb: string): void {
    this.arg = arg;
    this.argIsTop = true;
    if (arg === null || arg === undefined) {
      if (verb === 'T' || verb === 'v') this.pad('<nil>');
      else this.badVerb(verb);
      return;
    }
    if (verb === 'T') {
      this.pad(this.truncate(typeName(arg)));
      return;
    }
    if (verb === 'w' && !isBasic(arg)) {
      // handleMethods' %w check; basic types reach their own formatter and report %!w there.
      if (!this.wrapErrs || this.wrapped || !isError(arg)) {
        this.wrapErrs = false;
        this.badVerb(verb);
        return;
      }
      this.wrapped = true;
      verb = 'v';
    }
    if (this.handleMethods(arg, verb)) return;
    this.printValue(arg, verb, 0);
  }

  printValue(v: GoValue, verb: string, depth: number): void {
    if (depth > 0) {
      this.arg = v;
      this.argIsTop = false;
      if (this.handleMethods(v, verb)) return;
    }
    switch (typeof v) {
      case 'boolean':
        if (verb === 't' || verb === 'v') this.fmtBoolean(v);
        else this.badVerb(verb);
        return;
      case 'number':
        this.printFloat(v, verb);
        return;
      case 'bigint':
        this.printInteger(v, verb);
        return;
      case 'string':
        this.fmtString(v, verb);
        return;
    }
    if (v === null || v === undefined) {
      this.buf += '<nil>'; // a nil interface inside a container: written without padding
      return;
    }
    if (v instanceof GoUint8) {
      this.printInteger(BigInt(v.value), verb);
      return;
    }
    if (v instanceof GoComplex) {
      this.printComplex(v, verb);
      return;
    }
    if (v instanceof GoInt) {
      this.printInteger(v.value, verb);
      return;
    }
    if (v instanceof GoStruct) {
      this.printStruct(v, verb, depth);
      return;
    }
    if (v instanceof GoPointer) {
      // A pointer to a struct prints as &{...} at the top level only (fmt avoids loops below).
      if (depth === 0 && v.target !== null) {
        this.buf += '&';
        this.printValue(v.target, verb, depth + 1);
      } else {
        this.fmtPointer(v, verb);
      }
      return;
    }
    if (isGoFunc(v)) {
      // Go prints the function's address, which no two runs share; weft prints a fixed one.
      if (verb === 'v' || verb === 'p') this.pad('0x0');
      else this.buf += `%!${verb}(${typeName(v)}=0x0)`;
      return;
    }
    if (Array.isArray(v)) {
      this.buf += '[';
      v.forEach((item: GoValue, i: number) => {
        if (i > 0) this.buf += ' ';
        this.printValue(item, verb, depth + 1);
      });
      this.buf += ']';
      return;
    }
    const m = v as GoMap;
    this.buf += 'map[';
    sortedKeys(m).forEach((key, i) => {
      if (i > 0) this.buf += ' ';
      this.printValue(key, verb, depth + 1);
      this.buf += ':';
      this.printValue(mapGet(m, key), verb, depth + 1);
    });
    this.buf += ']';
  }

  /** pp.fmtFloat. */
  printFloat(v: number, verb: string): void {
    switch (verb) {
      case 'v': this.fmtFloat(v, 'g', -1); return;
      case 'b': case 'g': case 'G': case 'x': case 'X': this.fmtFloat(v, verb, -1); return;
      case 'f': case 'e': case 'E': this.fmtFloat(v, verb, 6); return;
      case 'F': this.fmtFloat(v, 'f', 6); return;
      default: this.badVerb(verb);
    }
  }

  /** pp.fmtComplex: `(re+imi)`, each part a float64 with the verb; the imaginary part always signed. */
  printComplex(v: GoComplex, verb: string): void {
    if (!'vbgGxXfFeE'.includes(verb)) {
      this.badVerb(verb);
      return;
    }
    const oldPlus = this.plus;
    this.buf += '(';
    this.printFloat(v.real, verb);
    this.plus = true;
    this.printFloat(v.imag, verb);
    this.buf += 'i)';
    this.plus = oldPlus;
  }

  printInteger(v: bigint, verb: string): void {
    switch (verb) {
      case 'v': case 'd': this.fmtInteger(v, 10, verb, ldigits); return;
      case 'b': this.fmtInteger(v, 2, verb, ldigits); return;
      case 'o': case 'O': this.fmtInteger(v, 8, verb, ldigits); return;
      case 'x': this.fmtInteger(v, 16, verb, ldigits); return;
      case 'X': this.fmtInteger(v, 16, verb, udigits); return;
      case 'c': this.fmtC(v); return;
      case 'q': this.fmtQc(v); return;
      case 'U': this.fmtUnicode(v); return;
      default: this.badVerb(verb);
    }
  }
}

function isStringArg(v: GoValue): boolean {
  return typeof v === 'string';
}

/** fmt.Sprint: a space between operands when neither side is a string. */
export function sprint(args: readonly GoValue[]): string {
  const p = new Printer();
  let prevString = false;
  args.forEach((arg, i) => {
    const isString = isStringArg(arg);
    if (i > 0 && !isString && !prevString) p.buf += ' ';
    p.printArg(arg, 'v');
    prevString = isString;
  });
  return p.buf;
}

/** Formats one value with a verb (e.g. '%v'), as used in error messages. */
export function formatValue(v: GoValue, verb = 'v'): string {
  const p = new Printer();
  p.printArg(v, verb);
  return p.buf;
}
