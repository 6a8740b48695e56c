import { describe, expect, it } from 'vitest';
import { GoJsonError, GoNumber, goBool, goFields, goFold, goInt, goParse, goString, goStruct } from './gojson.ts';

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

  it('prefers the field spelled exactly like the key over one that only folds to it', () => {
    expect(goFields({ name: 1 }, ['Name', 'name'] as const, 'x')).toEqual({ name: 1 });
    expect(goFields({ NAME: 1 }, ['Name', 'name'] as const, 'x')).toEqual({ Name: 1 });
  });

  it('folds as Go foldName does (the Kelvin sign is k, long s is s; ß is not SS)', () => {
    expect(goFold('hoſt')).toBe('HOST');
    expect(goFold('\u212Aey')).toBe('KEY');
    expect(goFields({ 'hoſt': 'a', '\u212Aey': 'b' }, ['host', 'key'] as const, 'x')).toEqual({ host: 'a', key: 'b' });
    expect(goFields({ paß: 1 }, ['pass'] as const, 'x')).toEqual({});
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

describe('numbers keep their literal, as Go decides integer fields from the text', () => {
  it.each([
    ['80', 80],
    ['-1', -1],
    ['9223372036854775807', 9223372036854775807],
  ])('%s is an int', (literal, want) => {
    expect(goInt((goParse(`{"n":${literal}}`) as { n: GoNumber }).n, 'n', -(2n ** 63n), 2n ** 63n - 1n)).toBe(want);
  });

  it.each(['80.0', '8e1', '1E2', '-0.5', '9223372036854775808'])('%s does not fit an int64 field', (literal) => {
    const n = (goParse(`{"n":${literal}}`) as { n: GoNumber }).n;
    expect(n.source).toBe(literal);
    expect(() => goInt(n, 'n', -(2n ** 63n), 2n ** 63n - 1n)).toThrow(GoJsonError);
  });
});

describe('goParse finds every non-plain literal, wherever it stands', () => {
  const shape = { n: 'int', s: 'string', t: 'bool' } as const;
  it.each([
    ['{"s":"1.5e3 \\" 2.0","t":true,"n":80}', 80],
    ['{"t":false,"n":-7}', -7],
  ])('%s decodes', (text, n) => {
    expect(goStruct(goParse(text), shape, 'v').n).toBe(n);
  });
  it.each(['{"s":"a.b","t":true,"n":1E2}', '{"t":true,"n":2.0}', '{"n":1234567890123456789012}', '{"s":"\\"","n":5e0}'])('%s is refused', (text) => {
    expect(() => goStruct(goParse(text), shape, 'v')).toThrow(GoJsonError);
  });
  it('keeps large integers exact', () => {
    expect((goParse('{"n":9007199254740993}') as { n: GoNumber }).n.source).toBe('9007199254740993');
  });
});

describe('goStruct decodes a value into a Go struct shape', () => {
  const shape = { host: 'string', port: 'int', mail: 'bool', ttl: 'uint32' } as const;
  it('matches keys case-insensitively and leaves absent or null fields undefined', () => {
    expect(goStruct(goParse('{"HOST":"10.0.0.1","Port":80,"mail":null,"other":[1]}'), shape, 'Service')).toEqual({ host: '10.0.0.1', port: 80 });
  });
  it('is an empty struct for null (Go leaves the struct alone)', () => {
    expect(goStruct(goParse('null'), shape, 'Service')).toEqual({});
  });
  it.each([
    ['{"port":"80"}', 'Service.port must be a whole number, got string "80"'],
    ['{"port":80.5}', 'Service.port must be a whole number, got number 80.5'],
    ['{"ttl":-1}', 'Service.ttl must be between 0 and 4294967295, got -1'],
    ['{"ttl":4294967296}', 'Service.ttl must be between 0 and 4294967295, got 4294967296'],
    ['{"mail":"true"}', 'Service.mail must be true or false, got string "true"'],
    ['{"host":10}', 'Service.host must be a string, got number 10'],
    ['{"Port":"x","port":80}', 'Service.port must be a whole number, got string "x"'],
    ['[1]', 'Service must be a JSON object, got an array'],
  ])('%s is an error, not a zero value', (text, message) => {
    expect(() => goStruct(goParse(text), shape, 'Service')).toThrow(message);
  });
});
