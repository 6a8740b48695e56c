// Go's time.ParseDuration, step for step (same grammar, overflow limits and fraction truncation),
// so a value that Go's flannel or confd accepts means the same here.

const unitNs: Record<string, bigint> = { ns: 1n, us: 1_000n, 'µs': 1_000n, 'μs': 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };
const limit = 1n << 63n;
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Nanoseconds as Go computes them, or undefined where Go returns an error. */
export function parseDurationNs(text: string): bigint | undefined {
  let s = text;
  const neg = s.startsWith('-');
  if (neg || s.startsWith('+')) s = s.slice(1);
  if (s === '0') return 0n;
  if (s === '') return undefined;
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) return undefined;
    let i = 0;
    let whole = 0n;
    for (; isDigit(s[i]); i++) {
      whole = whole * 10n + BigInt(s.charCodeAt(i) - 48);
      if (whole > limit) return undefined;
    }
    const pre = i > 0;
    let fraction = 0n;
    let scale = 1;
    let post = false;
    if (s[i] === '.') {
      i++;
      let overflow = false;
      for (; isDigit(s[i]); i++) {
        post = true;
        if (overflow) continue;
        const next = fraction * 10n + BigInt(s.charCodeAt(i) - 48);
        if (fraction > (limit - 1n) / 10n || next > limit) {
          overflow = true;
          continue;
        }
        fraction = next;
        scale *= 10;
      }
    }
    if (!pre && !post) return undefined;
    s = s.slice(i);
    let u = 0;
    while (u < s.length && s[u] !== '.' && !isDigit(s[u])) u++;
    const unit = unitNs[s.slice(0, u)];
    if (u === 0 || unit === undefined) return undefined;
    s = s.slice(u);
    if (whole > limit / unit) return undefined;
    let v = whole * unit;
    // Go adds the fraction through float64 and truncates: the same arithmetic in JS numbers.
    if (fraction > 0n) v += BigInt(Math.trunc(Number(fraction) * (Number(unit) / scale)));
    if (v > limit) return undefined;
    total += v;
    if (total > limit) return undefined;
  }
  if (neg) return -total;
  return total > limit - 1n ? undefined : total;
}

/**
 * A Go duration in milliseconds, rounded to the nearest millisecond (halves away from zero:
 * "1.5ms" -> 2, "499us" -> 0, "-1.5ms" -> -2); undefined where Go's time.ParseDuration errs.
 */
export function parseDuration(text: string): number | undefined {
  const ns = parseDurationNs(text);
  if (ns === undefined) return undefined;
  const magnitude = ns < 0n ? -ns : ns;
  const ms = Number((magnitude + 500_000n) / 1_000_000n);
  return ns < 0n ? -ms : ms;
}

/**
 * Milliseconds as a config file writes them: the largest units, zero parts left out ("10s",
 * "1m30s", "24h", "1s500ms", "0s"). parseDuration reads every result back to the same number.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : '';
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return '0s';
  let text = '';
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) text += `${count}${unit}`;
  }
  return sign + text;
}
