import { describe, expect, it } from 'vitest';
import { parse } from '../../gotemplate/index.ts';
import { confdFuncs, goAtoi, goBase64Decode, goParseBool, goReplace, goSplit } from './funcs.ts';
import { MemKV } from './memkv.ts';

function render(text: string, entries: Record<string, string> = {}, env: Record<string, string> = {}): string {
  const store = new MemKV();
  for (const [k, v] of Object.entries(entries)) store.set(k, v);
  return parse('t', text, { funcs: confdFuncs(store, env) }).execute(undefined);
}

describe('Go string functions as confd uses them', () => {
  it.each([
    ['a,b,c', ',', ['a', 'b', 'c']],
    ['', ',', ['']],
    ['abc', '', ['a', 'b', 'c']],
    ['a,,b', ',', ['a', '', 'b']],
  ])('split(%j, %j)', (s, sep, expected) => expect(goSplit(s, sep)).toEqual(expected));

  it.each([
    ['a-b-c', '-', '+', 1, 'a+b-c'],
    ['a-b-c', '-', '+', -1, 'a+b+c'],
    ['a-b-c', '-', '+', 0, 'a-b-c'],
    ['abc', '', '-', -1, '-a-b-c-'],
    ['abc', '', '-', 2, '-a-bc'],
  ])('replace(%j, %j, %j, %d)', (s, o, n, count, expected) => expect(goReplace(s, o, n, count)).toBe(expected));

  it('parseBool accepts exactly strconv.ParseBool spellings', () => {
    for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) expect(goParseBool(t)).toBe(true);
    for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) expect(goParseBool(f)).toBe(false);
    expect(() => goParseBool('yes')).toThrow('strconv.ParseBool: parsing "yes": invalid syntax');
  });

  it('atoi and base64Decode fail like Go', () => {
    expect(goAtoi('-42')).toBe(-42n);
    expect(() => goAtoi('4x')).toThrow('strconv.Atoi: parsing "4x": invalid syntax');
    expect(() => goAtoi('99999999999999999999')).toThrow('value out of range');
    expect(goBase64Decode('d2VmdA==')).toBe('weft');
    expect(() => goBase64Decode('d2V*dA==')).toThrow('illegal base64 data at input byte 3');
  });
});

describe('confd functions inside templates', () => {
  it.each([
    ['{{getv "/a"}}', 'x'],
    ['{{getv "/none" "dflt"}}', 'dflt'],
    ['{{exists "/a"}} {{exists "/none"}}', 'true false'],
    ['{{range gets "/l/*"}}{{.Key}}={{.Value}},{{end}}', '/l/1=c,/l/2=b,/l/3=a,'],
    ['{{range getvs "/l/*"}}{{.}}{{end}}', 'abc'],
    ['{{join (ls "/l") "+"}}', '1+2+3'],
    ['{{getenv "WEFT_T"}}|{{getenv "WEFT_NONE" "d"}}|{{getenv "WEFT_EMPTY" "d"}}', 'set|d|d'],
    ['{{$m := map "k" 1 "j" "v"}}{{$m.k}}{{$m.j}}', '1v'],
    ['{{(json "{\\"a\\":{\\"b\\":[1,2.5]}}").a.b}}', '[1 2.5]'],
    ['{{len (jsonArray "[\\"x\\",null]")}}', '2'],
    ['{{seq 3 1}}', '[]'],
    ['{{range sortKVByLength (gets "/s/*")}}{{.Key}} {{end}}', '/s/b /s/aa /s/ccc '],
    // Go prints confd's structs and typed slices as structs, not maps.
    ['{{get "/a"}}', '{/a x}'],
    ['{{printf "%+v" (get "/a")}}', '{Key:/a Value:x}'],
    ['{{gets "/l/*"}}', '[{/l/1 c} {/l/2 b} {/l/3 a}]'],
    ['{{printf "%T %T %T %T" (get "/a") (gets "/l/*") (sortKVByLength (gets "/l/*")) (ls "/l")}}', 'memkv.KVPair memkv.KVPairs []memkv.KVPair []string'],
    ['{{(index (gets "/l/*") 1).Value}} {{index (ls "/l") 2}} {{len (getvs "/l/*")}}', 'b 3 3'],
    // confd's reverse only knows []string and []memkv.KVPair: memkv.KVPairs comes back unchanged.
    ['{{reverse (ls "/l")}} {{range reverse (gets "/l/*")}}{{.Key}}{{end}} {{range reverse (sortKVByLength (gets "/l/*"))}}{{.Key}}{{end}}', '[3 2 1] /l/1/l/2/l/3 /l/3/l/2/l/1'],
    ['{{printf "%T %v" (seq 1 3) (seq 1 3)}}', '[]int [1 2 3]'],
    ['{{printf "%T" datetime}} {{printf "%T" datetime.Unix}} {{gt (len (datetime.Format "2006-01-02")) 9}}', 'time.Time int64 true'],
  ])('%s renders %j', (text, expected) => {
    const data = { '/a': 'x', '/l/1': 'c', '/l/2': 'b', '/l/3': 'a', '/s/ccc': '1', '/s/aa': '2', '/s/b': '3' };
    expect(render(text, data, { WEFT_T: 'set', WEFT_EMPTY: '' })).toBe(expected);
  });

  it.each([
    ['{{getv "/none"}}', 'error calling getv: key does not exist: /none'],
    ['{{get "/none"}}', 'error calling get: key does not exist: /none'],
    ['{{map "odd"}}', 'error calling map: invalid map call'],
    ['{{map 1 2}}', 'error calling map: map keys must be strings'],
    ['{{div 1 0}}', 'error calling div: runtime error: integer divide by zero'],
    ['{{json "[1]"}}', 'json: cannot unmarshal array into Go value of type map[string]interface {}'],
    ['{{gets "/l/["}}', 'error calling gets: syntax error in pattern'],
    ['{{(get "/l/1").Nope}}', "can't evaluate field Nope in type memkv.KVPair"],
    ['{{join (jsonArray "[\\"a\\"]") ","}}', 'wrong type for value; expected []string; got []interface {}'],
  ])('%s fails with %j', (text, message) => {
    expect(() => render(text, { '/l/1': 'x' })).toThrow(message);
  });
});

describe('name lookups', () => {
  // Resolved by the renderer's pre-pass (lookup.test.ts); executed on their own they refuse to answer.
  it('refuse to run without the renderer\'s lookup table (never a silent empty answer)', () => {
    expect(() => render('{{lookupIP "localhost"}}')).toThrow('name lookups need the renderer');
  });
});
