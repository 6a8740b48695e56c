import { describe, expect, it } from 'vitest';
import { isWeftError } from '../errors.ts';
import { Template, TemplateExecError, TemplateParseError, defineFunc, parse } from './index.ts';

function render(text: string, data: unknown, options: Parameters<typeof parse>[2] = {}): string {
  return parse('t', text, options).execute(data);
}

function failure(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('rendering like Go text/template', () => {
  it.each([
    ['{{.a}} {{.b}} {{.c}}', { a: 3, b: 1e7, c: 0.1 }, '3 1e+07 0.1'],
    ['{{.missing}}|{{.m}}|{{.l}}', { m: { b: 2, a: 1 }, l: ['x', 'y'] }, '<no value>|map[a:1 b:2]|[x y]'],
    ['{{printf "%d|%v|%5.1f|%q" .n .n .n .s}}', { n: 3, s: 'x' }, '%!d(float64=3)|3|  3.0|"x"'],
    ['{{printf "%d %x" 3 255}}', {}, '3 ff'],
    ['{{range $k, $v := .}}{{$k}}={{$v}};{{end}}', { b: 1, a: 2 }, 'a=2;b=1;'],
    ['{{range .}}{{if eq . 2.0}}{{continue}}{{end}}{{if eq . 4.0}}{{break}}{{end}}{{.}}{{end}}', [1, 2, 3, 4, 5], '13'],
    ['{{if .x}}a{{else if .y}}b{{else}}c{{end}}', { y: 1 }, 'b'],
    ['{{with .x}}{{.}}{{else}}none{{end}}', {}, 'none'],
    ['{{define "row"}}<{{.}}>{{end}}{{range .}}{{template "row" .}}{{end}}', ['a', 'b'], '<a><b>'],
    ['{{block "b" .}}default {{.}}{{end}}', 'x', 'default x'],
    ['a  {{- 1 -}}  b {{/* note */}}c', {}, 'a1b c'],
    ['{{print 1 2 "a" 3 "b" "c"}}|{{println 1 "a"}}', {}, '1 2a3bc|1 a\n'],
    ['{{html "<a&b>"}} {{js "it\'s"}} {{urlquery "a b&c"}}', {}, "&lt;a&amp;b&gt; it\\'s a+b%26c"],
    ['{{$x := 1}}{{if true}}{{$x = 2}}{{$x := 3}}{{end}}{{$x}}', {}, '2'],
    ['{{and 1 0 (index .l 9)}} {{or 0 "" "z"}} {{not .l}}', { l: [] }, '0 z true'],
    ['{{len .s}} {{index .s 1}} {{slice .s 1 3}}', { s: 'héllo' }, '6 195 é'],
  ])('%s', (text, data, expected) => {
    expect(render(text, data)).toBe(expected);
  });

  it('uses custom delimiters', () => {
    expect(new Template('t').delims('[[', ']]').parse('[[.a]] {{.a}}').execute({ a: 1 })).toBe('1 {{.a}}');
  });

  it('honours missingkey=zero and missingkey=error', () => {
    expect(render('{{.nope}}', {}, { missingKey: 'zero' })).toBe('<no value>');
    expect(failure(() => render('{{.nope}}', {}, { missingKey: 'error' })).message).toBe(
      'template: t:1:2: executing "t" at <.nope>: map has no entry for key "nope"',
    );
  });
});

describe('errors carry Go text and a weft code', () => {
  it('reports parse errors with name and line', () => {
    const error = failure(() => parse('conf', 'a\n{{if .x}}'));
    expect(error).toBeInstanceOf(TemplateParseError);
    expect(isWeftError(error, 'WEFT_E_TEMPLATE_PARSE')).toBe(true);
    expect(error.message).toBe('template: conf:2: unexpected EOF');
  });

  it('reports exec errors with line, column, context and the output so far', () => {
    const error = failure(() => render('ok\n  {{eq .n 3}}', { n: 3 }));
    expect(error).toBeInstanceOf(TemplateExecError);
    expect(isWeftError(error, 'WEFT_E_TEMPLATE_EXEC')).toBe(true);
    expect(error.message).toBe('template: t:2:4: executing "t" at <eq .n 3>: error calling eq: incompatible types for comparison');
    expect((error as TemplateExecError).output).toBe('ok\n  ');
  });

  it('rejects {{else with}} like Go 1.19 unless enabled', () => {
    const text = '{{with .a}}a{{else with .b}}b{{.}}{{end}}';
    expect(failure(() => parse('t', text)).message).toBe('template: t:1: unexpected <with> in else');
    expect(parse('t', text, { elseWith: true }).execute({ b: 7 })).toBe('b7');
  });
});

describe('function registry', () => {
  const funcs = {
    join: defineFunc({ params: ['string'], variadic: 'string', result: 'string', fn: (sep, ...parts) => (parts as string[]).join(sep as string) }),
    double: defineFunc({ params: ['int'], result: 'int', fn: (n) => (n as bigint) * 2n }),
    lookup: defineFunc({
      params: ['string'], returnsError: true,
      fn: (key) => {
        if (key === 'gone') throw new Error(`key ${key as string} not found`);
        return `v:${key as string}`;
      },
    }),
  };

  it('calls fixed and variadic functions with Go argument checks', () => {
    expect(render('{{join "," "a" "b"}} {{double 21}} {{3 | double}}', {}, { funcs })).toBe('a,b 42 6');
    expect(failure(() => render('{{double .n}}', { n: 1 }, { funcs })).message).toBe(
      'template: t:1:9: executing "t" at <.n>: wrong type for value; expected int; got float64',
    );
    expect(failure(() => render('{{double}}', {}, { funcs })).message).toBe(
      'template: t:1:2: executing "t" at <double>: wrong number of args for double: want 1 got 0',
    );
  });

  it('aborts rendering on a function error with Go wording', () => {
    expect(render('{{lookup "a"}}', {}, { funcs })).toBe('v:a');
    expect(failure(() => render('x{{lookup "gone"}}', {}, { funcs })).message).toBe(
      'template: t:1:3: executing "t" at <lookup "gone">: error calling lookup: key gone not found',
    );
  });

  it('accepts plain JS functions as func(...interface{}) interface{}', () => {
    const t = new Template('t').funcs({ sum: (...xs) => xs.reduce<number>((a, x) => a + Number(x), 0) });
    expect(t.parse('{{sum 1 2 .x}}').execute({ x: 0.5 })).toBe('3.5');
  });

  it('refuses unknown functions at parse time', () => {
    expect(failure(() => parse('t', '{{nope 1}}')).message).toBe('template: t:1: function "nope" not defined');
  });
});
