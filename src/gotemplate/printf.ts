// fmt.Sprintf's format loop: flags, width, precision, explicit argument indexes, and the
// %!verb(MISSING), %!(EXTRA ...), %!(NOVERB), %!(BADWIDTH), %!(BADPREC), %!verb(BADINDEX) reports.
import { Printer, tooLarge } from './fmt.ts';
import { defineStruct, goStruct } from './structs.ts';
import type { GoValue } from './values.ts';
import { GoPointer, GoStruct, GoUint8, typeName } from './values.ts';

const errorString = defineStruct('errors.errorString', { s: 'string' }, {
  Error: { result: 'string', fn: (e: GoStruct) => e.fields[0] },
});

/** An error value as errors.New makes it (a *errors.errorString), for %w and %s in Go's messages. */
export function goError(message: string): GoValue {
  return new GoPointer(errorString, goStruct(errorString, { s: message }));
}

/** The text of fmt.Errorf(format, args...): Sprintf that also takes one %w. */
export function errorfText(format: string, args: readonly GoValue[]): string {
  return sprintf(format, args, true);
}

function parsenum(s: string, start: number, end: number): { num: number; ok: boolean; next: number } {
  let num = 0;
  let ok = false;
  let i = start;
  for (; i < end && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39; i++) {
    if (tooLarge(num)) return { num: 0, ok: false, next: end };
    num = num * 10 + (s.charCodeAt(i) - 0x30);
    ok = true;
  }
  return { num, ok, next: i };
}

function intFromArg(a: readonly GoValue[], argNum: number): { num: number; isInt: boolean; next: number } {
  if (argNum >= a.length) return { num: 0, isInt: false, next: argNum };
  const v = a[argNum];
  let num = 0;
  let isInt = false;
  if (typeof v === 'bigint' && v >= -(1n << 63n) && v < 1n << 63n) {
    num = Number(v);
    isInt = true;
  } else if (v instanceof GoUint8) {
    num = v.value;
    isInt = true;
  }
  if (tooLarge(num)) return { num: 0, isInt: false, next: argNum + 1 };
  return { num, isInt, next: argNum + 1 };
}

/** fmt.Sprintf. */
export function sprintf(format: string, a: readonly GoValue[], wrapErrs = false): string {
  const p = new Printer();
  p.wrapErrs = wrapErrs;
  const end = format.length;
  let argNum = 0;
  let afterIndex = false;
  let reordered = false;
  let goodArgNum = true;

  const argNumber = (i: number): { argNum: number; i: number; found: boolean } => {
    if (format.length <= i || format[i] !== '[') return { argNum, i, found: false };
    reordered = true;
    // parseArgNumber
    let index = 0;
    let wid = 1;
    let ok = false;
    const rest = format.slice(i);
    if (rest.length >= 3) {
      const close = rest.indexOf(']', 1);
      if (close >= 0) {
        const n = parsenum(rest, 1, close);
        if (!n.ok || n.next !== close) {
          wid = close + 1;
        } else {
          index = n.num - 1;
          wid = close + 1;
          ok = true;
        }
      }
    }
    if (ok && index >= 0 && index < a.length) return { argNum: index, i: i + wid, found: true };
    goodArgNum = false;
    return { argNum, i: i + wid, found: ok };
  };

  let i = 0;
  formatLoop: while (i < end) {
    goodArgNum = true;
    const lasti = i;
    while (i < end && format[i] !== '%') i++;
    if (i > lasti) p.buf += format.slice(lasti, i);
    if (i >= end) break;
    i++;
    p.clearFlags();
    simple: for (; i < end; i++) {
      const c = format[i] as string;
      switch (c) {
        case '#': p.sharp = true; break;
        case '0': p.zero = !p.minus; break;
        case '+': p.plus = true; break;
        case '-': p.minus = true; p.zero = false; break;
        case ' ': p.space = true; break;
        default:
          if (c >= 'a' && c <= 'z' && argNum < a.length) {
            if (c === 'v') {
              p.sharpV = p.sharp;
              p.sharp = false;
              p.plusV = p.plus;
              p.plus = false;
            }
            p.printArg(a[argNum], c);
            argNum++;
            i++;
            continue formatLoop;
          }
          break simple;
      }
    }
    let r = argNumber(i);
    argNum = r.argNum;
    i = r.i;
    afterIndex = r.found;
    if (i < end && format[i] === '*') {
      i++;
      const w = intFromArg(a, argNum);
      p.wid = w.num;
      p.widPresent = w.isInt;
      argNum = w.next;
      if (!p.widPresent) p.buf += '%!(BADWIDTH)';
      if (p.wid < 0) {
        p.wid = -p.wid;
        p.minus = true;
        p.zero = false;
      }
      afterIndex = false;
    } else {
      const n = parsenum(format, i, end);
      p.wid = n.num;
      p.widPresent = n.ok;
      i = n.next;
      if (afterIndex && p.widPresent) goodArgNum = false;
    }
    if (i + 1 < end && format[i] === '.') {
      i++;
      if (afterIndex) goodArgNum = false;
      r = argNumber(i);
      argNum = r.argNum;
      i = r.i;
      afterIndex = r.found;
      if (i < end && format[i] === '*') {
        i++;
        const w = intFromArg(a, argNum);
        p.prec = w.num;
        p.precPresent = w.isInt;
        argNum = w.next;
        if (p.prec < 0) {
          p.prec = 0;
          p.precPresent = false;
        }
        if (!p.precPresent) p.buf += '%!(BADPREC)';
        afterIndex = false;
      } else {
        const n = parsenum(format, i, end);
        p.prec = n.num;
        p.precPresent = n.ok;
        i = n.next;
        if (!p.precPresent) {
          p.prec = 0;
          p.precPresent = true;
        }
      }
    }
    if (!afterIndex) {
      r = argNumber(i);
      argNum = r.argNum;
      i = r.i;
      afterIndex = r.found;
    }
    if (i >= end) {
      p.buf += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i) as number);
    i += verb.length;
    if (verb === '%') {
      p.buf += '%';
    } else if (!goodArgNum) {
      p.buf += `%!${verb}(BADINDEX)`;
    } else if (argNum >= a.length) {
      p.buf += `%!${verb}(MISSING)`;
    } else {
      if (verb === 'v') {
        p.sharpV = p.sharp;
        p.sharp = false;
        p.plusV = p.plus;
        p.plus = false;
      }
      p.printArg(a[argNum], verb);
      argNum++;
    }
  }
  if (!reordered && argNum < a.length) {
    p.clearFlags();
    p.buf += '%!(EXTRA ';
    a.slice(argNum).forEach((arg, k) => {
      if (k > 0) p.buf += ', ';
      if (arg === null || arg === undefined) {
        p.buf += '<nil>';
      } else {
        p.buf += `${typeName(arg)}=`;
        p.printArg(arg, 'v');
      }
    });
    p.buf += ')';
  }
  return p.buf;
}

/** fmt.Sprintln. */
export function sprintln(args: readonly GoValue[]): string {
  const p = new Printer();
  args.forEach((arg, i) => {
    if (i > 0) p.buf += ' ';
    p.printArg(arg, 'v');
  });
  return `${p.buf}\n`;
}

/** fmt.Sprint of one value; the fast path for {{.}}. */
export function printOne(v: GoValue): string {
  if (typeof v === 'string') return v;
  const p = new Printer();
  p.printArg(v, 'v');
  return p.buf;
}
