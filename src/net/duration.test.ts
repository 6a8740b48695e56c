import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseDurationNs } from './duration.ts';

// Expected values printed by Go 1.19's time.ParseDuration (int64 nanoseconds; undefined = error).
const goDurations: [string, bigint | undefined][] = [
    ["0", 0n],
    ["-0", 0n],
    ["+0", 0n],
    ["", undefined],
    ["1", undefined],
    ["1d", undefined],
    ["1h30m", 5400000000000n],
    ["1.5h", 5400000000000n],
    ["-1.5h", -5400000000000n],
    ["+5s", 5000000000n],
    ["500ms", 500000000n],
    ["1ns", 1n],
    ["1us", 1000n],
    ["1µs", 1000n],
    ["1μs", 1000n],
    ["1.5ms", 1500000n],
    ["1.4999ms", 1499900n],
    ["0.5ms", 500000n],
    ["499us", 499000n],
    ["500us", 500000n],
    ["-500us", -500000n],
    ["-1.5ms", -1500000n],
    [".5s", 500000000n],
    ["5.s", 5000000000n],
    [".s", undefined],
    ["1.s", 1000000000n],
    ["1h 30m", undefined],
    ["1H", undefined],
    ["3m0.5s", 180500000000n],
    ["2562047h47m16.854775807s", 9223372036854775807n],
    ["2562047h47m16.854775808s", undefined],
    ["-2562047h47m16.854775808s", -9223372036854775808n],
    ["9223372036854775807ns", 9223372036854775807n],
    ["9223372036854775808ns", undefined],
    ["0.000000001s", 1n],
    ["0.0000000019s", 1n],
    ["1.0000000000000000000001s", 1000000000n],
    ["100", undefined],
    ["s", undefined],
    ["-", undefined],
    ["1m-1s", undefined],
    ["00010s", 10000000000n],
    ["1.2.3s", undefined],
    ["24h", 86400000000000n],
    ["0s", 0n],
    ["-0s", 0n],
    ["1e3s", undefined],
    [" 1s", undefined],
    ["1s ", undefined],
    ["1.123456789123s", 1123456789n],
    ["0.1ns", 0n],
    ["1.9ns", 1n],
    ["10000000000000000000h", undefined],
    ["+-1s", undefined],
    ["1.0000000001h", 3600000000360n],
    ["0.99999999999999999999999s", 1000000000n],
    ["1.5h30m", 7200000000000n],
    ["-1h30m", -5400000000000n],
    ["2h45m30.5s", 9930500000000n],
    ["1.7976931348623157e308s", undefined],
    ["0.3333333333333333333h", 1200000000000n],
    ["1.1ms", 1100000n],
    ["3.999999999us", 3999n],
];

describe('parseDurationNs agrees with Go time.ParseDuration', () => {
  it.each(goDurations)('%j -> %s', (text, want) => {
    expect(parseDurationNs(text)).toBe(want);
  });
});

describe('parseDuration in milliseconds', () => {
  it.each([
    ['30s', 30_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['500ms', 500],
    ['0', 0],
    ['-0', 0],
    ['1.5ms', 2],
    ['1.4999ms', 1],
    ['499us', 0],
    ['500us', 1],
    ['-1.5ms', -2],
    ['-500us', -1],
    ['24h', 86_400_000],
    ['', undefined],
    ['1', undefined],
    ['1d', undefined],
    [' 30s', undefined],
  ])('%j -> %s ms (nearest, halves away from zero)', (text, want) => {
    expect(parseDuration(text)).toBe(want);
  });
});

describe('formatDuration', () => {
  it.each([
    [10_000, '10s'], [90_000, '1m30s'], [86_400_000, '24h'], [1500, '1s500ms'], [0, '0s'], [250, '250ms'], [-5000, '-5s'], [3_723_004, '1h2m3s4ms'],
  ])('%d ms is %s, and reads back', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});
