import { describe, expect, it } from 'vitest';
import { GoJsonError, goBool, goFields, goInt, goString } from './gojson.ts';

describe('goFields fills fields as Go encoding/json does', () => {
  const fields = ['Network', 'SubnetLen'] as const;
  it.each([
    ['exact names', { Network: 'a', SubnetLen: 24 }, { Network: 'a', SubnetLen: 24 }],
    ['any casing', { network: 'a', SUBNETLEN: 24 }, { Network: 'a', SubnetLen: 24 }],
    ['the later duplicate wins', JSON.parse('{"Network":"a","network":"b"}') as unknown, { Network: 'b' }],
    ['unknown keys ignored', { Other: 1 }, {}],
    ['null leaves the zero value', { Network: null }, {}],
    ['null object', null, {}],
  ])('%s', (_name, input, want) => {
    expect(goFields(input, fields, 'the config')).toEqual(want);
  });

  it.each([['a string', '"x"'], ['an array', [1]], ['a number', 3]])('rejects %s where an object belongs', (_name, input) => {
    expect(() => goFields(input, fields, 'the config')).toThrow(GoJsonError);
  });
});

describe('typed fields', () => {
  it('accepts the right types and leaves undefined alone', () => {
    expect(goBool(true, 'B')).toBe(true);
    expect(goString('x', 'S')).toBe('x');
    expect(goInt(24, 'I', 0, 32)).toBe(24);
    expect([goBool(undefined, 'B'), goString(undefined, 'S'), goInt(undefined, 'I', 0, 1)]).toEqual([undefined, undefined, undefined]);
  });

  it.each([
    () => goBool('true', 'B'),
    () => goString(1, 'S'),
    () => goInt(1.5, 'I', 0, 32),
    () => goInt('24', 'I', 0, 32),
    () => goInt(33, 'I', 0, 32),
  ])('rejects a mismatch with a message naming the field (%#)', (call) => {
    expect(call).toThrow(GoJsonError);
  });
});
