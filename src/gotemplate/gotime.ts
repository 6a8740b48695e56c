// A small model of Go's time.Time for templates (confd's `datetime` is time.Now): printing via
// String, Format with Go's layout language, the calendar accessors, UTC/Local, Add and Truncate
// with a time.Duration, Before/After/Equal, IsZero. Zones are UTC, fixed offsets, or the host's
// local zone. Not modelled: In, Sub, Round, Date/Clock, ISOWeek, Duration printing, parsing.
import { defineIntType, defineStruct } from './structs.ts';
import type { GoFunc, GoValue } from './values.ts';
import { GoInt, GoStruct } from './values.ts';

interface Zone {
  readonly name: string;
  /** Seconds east of UTC. */
  readonly offset: number;
}

interface TimeState {
  /** Seconds since the Unix epoch. */
  readonly sec: bigint;
  readonly nsec: number;
  readonly zone: Zone;
  readonly local: boolean;
  /** Monotonic clock reading in ns (time.Now values only); printed by String as m=±s. */
  readonly mono?: bigint;
}

const monthNames = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const dayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const secondsPerDay = 86400n;
const unixToInternal = 62135596800n; // seconds from year 1 to 1970, Go's zero time

export const int64Type = defineIntType('int64', false);
export const durationType = defineIntType('time.Duration', false);
export const monthType = defineIntType('time.Month', false, {
  String: { result: 'string', fn: (m: GoInt) => monthNames[Number(m.value) - 1] ?? `%!Month(${m.value})` },
});
export const weekdayType = defineIntType('time.Weekday', false, {
  String: { result: 'string', fn: (d: GoInt) => dayNames[Number(d.value)] ?? `%!Weekday(${d.value})` },
});

function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = floorDiv(y, 400);
  const yoe = y - era * 400;
  const doy = floorDiv(153 * (month + (month > 2 ? -3 : 9)) + 2, 5) + day - 1;
  const doe = yoe * 365 + floorDiv(yoe, 4) - floorDiv(yoe, 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = floorDiv(z, 146097);
  const doe = z - era * 146097;
  const yoe = floorDiv(doe - floorDiv(doe, 1460) + floorDiv(doe, 36524) - floorDiv(doe, 146096), 365);
  const doy = doe - (365 * yoe + floorDiv(yoe, 4) - floorDiv(yoe, 100));
  const mp = floorDiv(5 * doy + 2, 153);
  const day = doy - floorDiv(153 * mp + 2, 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

interface Fields {
  year: number; month: number; day: number; yday: number; weekday: number;
  hour: number; minute: number; second: number;
}

function fields(t: TimeState): Fields {
  const local = t.sec + BigInt(t.zone.offset);
  const rem = ((local % secondsPerDay) + secondsPerDay) % secondsPerDay;
  const days = Number((local - rem) / secondsPerDay);
  const { year, month, day } = civilFromDays(days);
  const s = Number(rem);
  return {
    year, month, day,
    yday: days - daysFromCivil(year, 1, 1) + 1,
    weekday: (((days + 4) % 7) + 7) % 7,
    hour: Math.floor(s / 3600), minute: Math.floor(s / 60) % 60, second: s % 60,
  };
}

function localZone(sec: bigint): Zone {
  const date = new Date(Number(sec) * 1000);
  const offset = -date.getTimezoneOffset() * 60;
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(date).find((p) => p.type === 'timeZoneName');
  const name = part === undefined || /^GMT/.test(part.value) ? (offset === 0 ? 'UTC' : '') : part.value;
  return { name, offset };
}

const utc: Zone = { name: 'UTC', offset: 0 };

function make(state: TimeState): GoStruct {
  return new GoStruct(timeType, [], state);
}

const st = (t: GoStruct): TimeState => t.internal as TimeState;
const int = (n: number | bigint): bigint => BigInt(n);

function addNanos(t: TimeState, d: bigint): TimeState {
  const total = t.sec * 1_000_000_000n + BigInt(t.nsec) + d;
  const nsec = ((total % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  const sec = (total - nsec) / 1_000_000_000n;
  const zone = t.local ? localZone(sec) : t.zone;
  const next: TimeState = { sec, nsec: Number(nsec), zone, local: t.local };
  return t.mono === undefined ? next : { ...next, mono: t.mono + d };
}

function stripMono(t: TimeState): TimeState {
  return { sec: t.sec, nsec: t.nsec, zone: t.zone, local: t.local };
}

function unixNano(t: TimeState): bigint {
  return BigInt.asIntN(64, t.sec * 1_000_000_000n + BigInt(t.nsec));
}

function compare(a: TimeState, b: TimeState): number {
  if (a.sec !== b.sec) return a.sec < b.sec ? -1 : 1;
  return a.nsec - b.nsec;
}

export const timeType = defineStruct('time.Time', {}, {
  String: { result: 'string', fn: (t: GoStruct) => timeString(st(t)) },
  Format: { params: ['string'], result: 'string', fn: (t: GoStruct, layout: GoValue) => formatTime(st(t), layout as string) },
  Unix: { result: 'int64', fn: (t: GoStruct) => new GoInt(int64Type, st(t).sec) },
  UnixMilli: { result: 'int64', fn: (t: GoStruct) => new GoInt(int64Type, unixNano(st(t)) / 1_000_000n) },
  UnixNano: { result: 'int64', fn: (t: GoStruct) => new GoInt(int64Type, unixNano(st(t))) },
  Year: { result: 'int', fn: (t: GoStruct) => int(fields(st(t)).year) },
  Month: { result: 'time.Month', fn: (t: GoStruct) => new GoInt(monthType, int(fields(st(t)).month)) },
  Day: { result: 'int', fn: (t: GoStruct) => int(fields(st(t)).day) },
  Hour: { result: 'int', fn: (t: GoStruct) => int(fields(st(t)).hour) },
  Minute: { result: 'int', fn: (t: GoStruct) => int(fields(st(t)).minute) },
  Second: { result: 'int', fn: (t: GoStruct) => int(fields(st(t)).second) },
  Nanosecond: { result: 'int', fn: (t: GoStruct) => int(st(t).nsec) },
  YearDay: { result: 'int', fn: (t: GoStruct) => int(fields(st(t)).yday) },
  Weekday: { result: 'time.Weekday', fn: (t: GoStruct) => new GoInt(weekdayType, int(fields(st(t)).weekday)) },
  IsZero: { result: 'bool', fn: (t: GoStruct) => st(t).sec === -unixToInternal && st(t).nsec === 0 },
  UTC: { result: 'time.Time', fn: (t: GoStruct) => make({ ...stripMono(st(t)), zone: utc, local: false }) },
  Local: { result: 'time.Time', fn: (t: GoStruct) => make({ ...stripMono(st(t)), zone: localZone(st(t).sec), local: true }) },
  Add: { params: [durationType], result: 'time.Time', fn: (t: GoStruct, d: GoValue) => make(addNanos(st(t), (d as GoInt).value)) },
  Truncate: {
    params: [durationType],
    result: 'time.Time',
    fn: (t: GoStruct, d: GoValue) => {
      const s = stripMono(st(t));
      const dur = (d as GoInt).value;
      if (dur <= 0n) return make(s);
      const abs = (s.sec + unixToInternal) * 1_000_000_000n + BigInt(s.nsec);
      return make(addNanos(s, -(((abs % dur) + dur) % dur)));
    },
  },
});

// Before/After/Equal take a time.Time: their parameter type is timeType itself.
const timeMethods = timeType.methods as Map<string, GoFunc>;
for (const [name, test] of [['Before', (c: number) => c < 0], ['After', (c: number) => c > 0], ['Equal', (c: number) => c === 0]] as const) {
  timeMethods.set(name, {
    kind: 'func',
    params: [timeType],
    result: 'bool',
    fn: (t, u) => test(compare(st(t as GoStruct), st(u as GoStruct))),
  });
}

/** time.Date in UTC or a fixed zone (time.FixedZone(name, offset)). */
export function goDate(
  year: number, month: number, day: number, hour: number, minute: number, second: number, nsec: number,
  zone: Zone = utc,
): GoStruct {
  const days = BigInt(daysFromCivil(year, month, day));
  const sec = days * secondsPerDay + BigInt(hour * 3600 + minute * 60 + second) - BigInt(zone.offset);
  return make({ sec, nsec, zone, local: false });
}

const monoStart = performance.now();

/** time.Now: the host's local zone, with a monotonic reading as Go prints it (m=+s since start). */
export function goNow(): GoStruct {
  const ns = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
  const sec = ns / 1_000_000_000n;
  const mono = BigInt(Math.round((performance.now() - monoStart) * 1e6)) + 1n;
  return make({ sec, nsec: Number(ns % 1_000_000_000n), zone: localZone(sec), local: true, mono });
}

function appendInt(x: number, width: number): string {
  const digits = String(Math.abs(x)).padStart(width, '0');
  return x < 0 ? `-${digits}` : digits;
}

function timeString(t: TimeState): string {
  let s = formatTime(t, '2006-01-02 15:04:05.999999999 -0700 MST');
  if (t.mono !== undefined) {
    const m = t.mono < 0n ? -t.mono : t.mono;
    const whole = m / 1_000_000_000n;
    s += ` m=${t.mono < 0n ? '-' : '+'}${whole}.${String(m % 1_000_000_000n).padStart(9, '0')}`;
  }
  return s;
}

const isDigitAt = (s: string, i: number): boolean => i < s.length && s[i]! >= '0' && s[i]! <= '9';
const startsWithLower = (s: string): boolean => s.length > 0 && s[0]! >= 'a' && s[0]! <= 'z';

/** Go's nextStdChunk: the text before the first layout element, the element, the rest. */
function nextStdChunk(layout: string): { prefix: string; std: string; suffix: string } {
  const at = (i: number, std: string, len: number, prefixEnd = i): { prefix: string; std: string; suffix: string } =>
    ({ prefix: layout.slice(0, prefixEnd), std, suffix: layout.slice(i + len) });
  for (let i = 0; i < layout.length; i++) {
    const rest = layout.slice(i);
    switch (layout[i]) {
      case 'J':
        if (rest.startsWith('Jan')) {
          if (rest.startsWith('January')) return at(i, 'January', 7);
          if (!startsWithLower(rest.slice(3))) return at(i, 'Jan', 3);
        }
        break;
      case 'M':
        if (rest.startsWith('Mon')) {
          if (rest.startsWith('Monday')) return at(i, 'Monday', 6);
          if (!startsWithLower(rest.slice(3))) return at(i, 'Mon', 3);
        }
        if (rest.startsWith('MST')) return at(i, 'MST', 3);
        break;
      case '0':
        if (rest.length >= 2 && rest[1]! >= '1' && rest[1]! <= '6') return at(i, rest.slice(0, 2), 2);
        if (rest.startsWith('002')) return at(i, '002', 3);
        break;
      case '1':
        if (rest.startsWith('15')) return at(i, '15', 2);
        return at(i, '1', 1);
      case '2':
        if (rest.startsWith('2006')) return at(i, '2006', 4);
        return at(i, '2', 1);
      case '_':
        if (rest.startsWith('_2')) {
          if (rest.startsWith('_2006')) return at(i + 1, '2006', 4);
          return at(i, '_2', 2);
        }
        if (rest.startsWith('__2')) return at(i, '__2', 3);
        break;
      case '3': case '4': case '5':
        return at(i, layout[i]!, 1);
      case 'P':
        if (rest.startsWith('PM')) return at(i, 'PM', 2);
        break;
      case 'p':
        if (rest.startsWith('pm')) return at(i, 'pm', 2);
        break;
      case '-': case 'Z':
        for (const zone of ['070000', '07:00:00', '0700', '07:00', '07']) {
          if (rest.startsWith(layout[i]! + zone)) return at(i, layout[i]! + zone, zone.length + 1);
        }
        break;
      case '.': case ',':
        if (rest[1] === '0' || rest[1] === '9') {
          let j = i + 1;
          while (j < layout.length && layout[j] === rest[1]) j++;
          if (!isDigitAt(layout, j)) return at(i, layout.slice(i, j), j - i);
        }
        break;
    }
  }
  return { prefix: layout, std: '', suffix: '' };
}

function formatZone(std: string, offset: number): string {
  if (offset === 0 && std.startsWith('Z')) return 'Z';
  const spec = std.slice(1);
  const abs = Math.abs(offset);
  const zone = Math.floor(abs / 60);
  let out = (offset < 0 ? '-' : '+') + appendInt(Math.floor(zone / 60), 2);
  if (spec.includes(':')) out += ':';
  if (spec !== '07') out += appendInt(zone % 60, 2);
  if (spec === '070000' || spec === '07:00:00') out += (spec.includes(':') ? ':' : '') + appendInt(abs % 60, 2);
  return out;
}

/** time.Time.Format. */
function formatTime(t: TimeState, layout: string): string {
  const f = fields(t);
  let out = '';
  while (layout !== '') {
    const { prefix, std, suffix } = nextStdChunk(layout);
    out += prefix;
    if (std === '') break;
    layout = suffix;
    const hr12 = f.hour % 12 === 0 ? 12 : f.hour % 12;
    switch (std) {
      case '06': out += appendInt(Math.abs(f.year) % 100, 2); break;
      case '2006': out += appendInt(f.year, 4); break;
      case 'Jan': out += monthNames[f.month - 1]!.slice(0, 3); break;
      case 'January': out += monthNames[f.month - 1]; break;
      case '1': out += appendInt(f.month, 0); break;
      case '01': out += appendInt(f.month, 2); break;
      case 'Mon': out += dayNames[f.weekday]!.slice(0, 3); break;
      case 'Monday': out += dayNames[f.weekday]; break;
      case '2': out += appendInt(f.day, 0); break;
      case '_2': out += (f.day < 10 ? ' ' : '') + appendInt(f.day, 0); break;
      case '02': out += appendInt(f.day, 2); break;
      case '__2': out += (f.yday < 100 ? (f.yday < 10 ? '  ' : ' ') : '') + appendInt(f.yday, 0); break;
      case '002': out += appendInt(f.yday, 3); break;
      case '15': out += appendInt(f.hour, 2); break;
      case '3': out += appendInt(hr12, 0); break;
      case '03': out += appendInt(hr12, 2); break;
      case '4': out += appendInt(f.minute, 0); break;
      case '04': out += appendInt(f.minute, 2); break;
      case '5': out += appendInt(f.second, 0); break;
      case '05': out += appendInt(f.second, 2); break;
      case 'PM': out += f.hour >= 12 ? 'PM' : 'AM'; break;
      case 'pm': out += f.hour >= 12 ? 'pm' : 'am'; break;
      case 'MST': out += t.zone.name !== '' ? t.zone.name : formatZone('-0700', t.zone.offset); break;
      default:
        if (std.startsWith('-') || std.startsWith('Z')) {
          out += formatZone(std, t.zone.offset);
        } else {
          // .000 / ,999: fractional seconds, trailing zeros trimmed for 9s.
          const n = Math.min(std.length - 1, 9);
          let digits = String(t.nsec).padStart(9, '0').slice(0, n);
          if (std[1] === '9') digits = digits.replace(/0+$/, '');
          if (digits !== '' || std[1] === '0') out += std[0]! + digits;
        }
    }
  }
  return out;
}
