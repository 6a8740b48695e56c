// strconv.FormatFloat(v, fmt, prec, 64) for fmt in e E f g G b x X: shortest digits come from
// the engine (both pick the shortest round-trip digits), fixed precision is rounded exactly
// (half to even on the exact binary value, as Go does) with BigInt arithmetic.

interface Digits {
  d: string; // significant digits, no trailing zeros ('' for zero)
  dp: number; // decimal point position: value = 0.d * 10^dp
}

const view = new DataView(new ArrayBuffer(8));

/** v (finite, > 0) as m * 2^e. */
function decompose(v: number): { m: bigint; e: number } {
  view.setFloat64(0, v);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const exp = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (exp === 0) return { m, e: -1074 };
  m |= 1n << 52n;
  return { m, e: exp - 1075 };
}

const pow10cache: bigint[] = [];
function pow10(n: number): bigint {
  return (pow10cache[n] ??= 10n ** BigInt(n));
}

/** m * 2^e * 10^k as an exact fraction. */
function scaled(m: bigint, e: number, k: number): { num: bigint; den: bigint } {
  let num = m;
  let den = 1n;
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  if (k >= 0) num *= pow10(k);
  else den *= pow10(-k);
  return { num, den };
}

/** round_half_even(m * 2^e * 10^k). */
function roundScaled(m: bigint, e: number, k: number): bigint {
  const { num, den } = scaled(m, e, k);
  const q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && (q & 1n) === 1n)) return q + 1n;
  return q;
}

function trimZeros(d: string, dp: number): Digits {
  let end = d.length;
  while (end > 0 && d[end - 1] === '0') end--;
  return end === 0 ? { d: '', dp: 0 } : { d: d.slice(0, end), dp };
}

function shortestDigits(v: number): Digits {
  if (v === 0) return { d: '', dp: 0 };
  return parseExponential(v.toExponential());
}

function parseExponential(s: string): Digits {
  const [mant = '', exp = '0'] = s.split('e');
  return trimZeros(mant.replace('.', ''), Number(exp) + 1);
}

/** v (> 0) rounded to n significant digits. */
function precisionDigits(v: number, n: number): Digits {
  if (v === 0) return { d: '', dp: 0 };
  // Fast path: the engine rounds the exact value too, but ties away from zero where Go rounds
  // them to even; a tie shows as a final 5 one digit further, and only then is BigInt needed.
  if (n <= 99) {
    const further = v.toExponential(n);
    if (further[further.indexOf('e') - 1] !== '5') return parseExponential(v.toExponential(n - 1));
  }
  const { m, e } = decompose(v);
  let dp = Math.floor(Math.log10(v)) + 1;
  // Fix the estimate so that 10^(dp-1) <= v < 10^dp exactly.
  for (;;) {
    const lower = roundScaledFloor(m, e, -(dp - 1)); // floor(v / 10^(dp-1))
    if (lower < 1n) dp--;
    else if (lower >= 10n) dp++;
    else break;
  }
  let q = roundScaled(m, e, n - dp);
  if (q === pow10(n)) {
    q = pow10(n - 1);
    dp++;
  }
  return trimZeros(q.toString(), dp);
}

function roundScaledFloor(m: bigint, e: number, k: number): bigint {
  const { num, den } = scaled(m, e, k);
  return num / den;
}

function fmtE(neg: boolean, digs: Digits, prec: number, fmt: string): string {
  let out = neg ? '-' : '';
  out += digs.d.length === 0 ? '0' : (digs.d[0] as string);
  if (prec > 0) {
    out += '.';
    let i = 1;
    const m = Math.min(digs.d.length, prec + 1);
    if (i < m) {
      out += digs.d.slice(i, m);
      i = m;
    }
    for (; i <= prec; i++) out += '0';
  }
  out += fmt;
  let exp = digs.dp - 1;
  if (digs.d.length === 0) exp = 0;
  out += exp < 0 ? '-' : '+';
  exp = Math.abs(exp);
  out += exp < 10 ? `0${exp}` : String(exp);
  return out;
}

function fmtF(neg: boolean, digs: Digits, prec: number): string {
  let out = neg ? '-' : '';
  if (digs.dp > 0) {
    const m = Math.min(digs.d.length, digs.dp);
    out += digs.d.slice(0, m) + '0'.repeat(digs.dp - m);
  } else {
    out += '0';
  }
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) {
      const j = digs.dp + i - 1;
      out += j >= 0 && j < digs.d.length ? digs.d[j] : '0';
    }
  }
  return out;
}

function fixedDigits(v: number, prec: number): Digits {
  if (v === 0) return { d: '', dp: 0 };
  if (v < 1e21 && prec < 100) {
    const further = v.toFixed(prec + 1);
    if (!further.endsWith('5')) {
      const s = v.toFixed(prec).replace('.', '').replace(/^0+/, '');
      return s === '' ? { d: '', dp: 0 } : trimZeros(s, s.length - prec);
    }
  }
  const { m, e } = decompose(v);
  const q = roundScaled(m, e, prec);
  if (q === 0n) return { d: '', dp: 0 };
  const s = q.toString();
  return trimZeros(s, s.length - prec);
}

function fmtB(neg: boolean, v: number): string {
  const { m, e } = v === 0 ? { m: 0n, e: -1074 } : decompose(v);
  const exp = v === 0 ? -1074 : e;
  return `${neg ? '-' : ''}${m}p${exp >= 0 ? '+' : ''}${exp}`;
}

function fmtX(neg: boolean, v: number, prec: number, fmt: 'x' | 'X'): string {
  let mant = 0n;
  let exp = 0;
  if (v !== 0) {
    const d = decompose(v);
    mant = d.m;
    exp = d.e + 52;
  }
  mant <<= 60n - 52n;
  while (mant !== 0n && (mant & (1n << 60n)) === 0n) {
    mant <<= 1n;
    exp--;
  }
  if (prec >= 0 && prec < 15) {
    const shift = BigInt(prec * 4);
    const extra = (mant << shift) & ((1n << 60n) - 1n);
    mant >>= 60n - shift;
    if ((extra | (mant & 1n)) > 1n << 59n) mant++;
    mant <<= 60n - shift;
    if ((mant & (1n << 61n)) !== 0n) {
      mant >>= 1n;
      exp++;
    }
  }
  const hex = fmt === 'X' ? '0123456789ABCDEF' : '0123456789abcdef';
  let out = `${neg ? '-' : ''}0${fmt}${(mant >> 60n) & 1n}`;
  mant = (mant << 4n) & ((1n << 64n) - 1n);
  const nibble = (): string => {
    const c = hex[Number((mant >> 60n) & 15n)] as string;
    mant = (mant << 4n) & ((1n << 64n) - 1n);
    return c;
  };
  if (prec < 0 && mant !== 0n) {
    out += '.';
    while (mant !== 0n) out += nibble();
  } else if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) out += nibble();
  }
  out += fmt === 'X' ? 'P' : 'p';
  out += exp < 0 ? '-' : '+';
  exp = Math.abs(exp);
  out += exp < 10 ? `0${exp}` : String(exp);
  return out;
}

/** strconv.FormatFloat(v, fmt, prec, 64). */
export function formatFloat(v: number, fmt: string, prec: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  if (fmt === 'b') return fmtB(neg, a);
  if (fmt === 'x' || fmt === 'X') return fmtX(neg, a, prec, fmt);
  const shortest = prec < 0;
  let digs: Digits;
  if (shortest) {
    digs = shortestDigits(a);
    if (fmt === 'e' || fmt === 'E') prec = Math.max(digs.d.length - 1, 0);
    else if (fmt === 'f') prec = Math.max(digs.d.length - digs.dp, 0);
    else prec = digs.d.length;
  } else if (fmt === 'f') {
    digs = fixedDigits(a, prec);
  } else {
    if ((fmt === 'g' || fmt === 'G') && prec === 0) prec = 1;
    const n = fmt === 'e' || fmt === 'E' ? prec + 1 : prec;
    digs = precisionDigits(a, n);
  }
  switch (fmt) {
    case 'e': case 'E':
      return fmtE(neg, digs, prec, fmt);
    case 'f':
      return fmtF(neg, digs, prec);
    case 'g': case 'G': {
      let eprec = prec;
      if (eprec > digs.d.length && digs.d.length >= digs.dp) eprec = digs.d.length;
      if (shortest) eprec = 6;
      const exp = digs.dp - 1;
      if (digs.d.length !== 0 && (exp < -4 || exp >= eprec)) {
        if (prec > digs.d.length) prec = digs.d.length;
        return fmtE(neg, digs, prec - 1, fmt === 'g' ? 'e' : 'E');
      }
      if (digs.d.length === 0) return fmtF(neg, digs, 0);
      if (prec > digs.dp) prec = digs.d.length;
      return fmtF(neg, digs, Math.max(prec - digs.dp, 0));
    }
  }
  return `%${fmt}`;
}
