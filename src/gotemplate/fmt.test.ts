import { describe, expect, it } from 'vitest';
import { formatFloat } from './floatfmt.ts';
import { sprint } from './fmt.ts';
import { sprintf } from './printf.ts';

describe('fmt.Sprintf', () => {
  it.each([
    ['%d|%5d|%-5d|%05d|%+d|%x|%X|%o|%b|%#x|%#o', [42n, 42n, 42n, -42n, 42n, 255n, 255n, 8n, 5n, 255n, 8n], '42|   42|42   |-0042|+42|ff|FF|10|101|0xff|010'],
    ['%v|%g|%e|%f|%.2f|%8.3f|%G', [0.1, 1e21, 1234.5678, 1.5, 2.675, 3.14159, 1e-7], '0.1|1e+21|1.234568e+03|1.500000|2.67|   3.142|1E-07'],
    ['%s|%q|%x|%10s|%-4s|%.2s', ['hi', 'a"b', 'hi', 'r', 'l', 'héllo'], 'hi|"a\\"b"|6869|         r|l   |hé'],
    ['%t|%c|%U|%#U|%%', [true, 65n, 0x1f600n, 65n], "true|A|U+1F600|U+0041 'A'|%"],
    ['%d %s', ['x'], '%!d(string=x) %!s(MISSING)'],
    ['%d', [1n, 'x'], '1%!(EXTRA string=x)'],
    ['%*d|%.*f', [4n, 7n, 1n, 2.25], '   7|2.2'],
    ['%[2]d %[1]d', [1n, 2n], '2 1'],
    ['%!', [], '%!!(MISSING)'],
    ['a%', [], 'a%!(NOVERB)'],
  ])('%s', (format, args, expected) => {
    expect(sprintf(format, args)).toBe(expected);
  });

  it('prints operands like fmt.Sprint', () => {
    expect(sprint([1n, 2n, 'a', 3n, null, { b: [1, null], a: true }])).toBe('1 2a3 <nil> map[a:true b:[1 <nil>]]');
  });
});

describe('strconv.FormatFloat', () => {
  it.each([
    [1e6, 'g', -1, '1e+06'],
    [123456, 'g', -1, '123456'],
    [0.00001, 'g', -1, '1e-05'],
    [0.0001, 'g', -1, '0.0001'],
    [2.5, 'f', 0, '2'],
    [3.5, 'f', 0, '4'],
    [0.125, 'f', 2, '0.12'],
    [1e23, 'e', 3, '1.000e+23'],
    [3.5, 'x', -1, '0x1.cp+01'],
    [1, 'b', -1, '4503599627370496p-52'],
    [-0, 'g', -1, '-0'],
  ])('%d %s %d', (v, fmt, prec, expected) => {
    expect(formatFloat(v, fmt, prec)).toBe(expected);
  });
});
