// The syntax of a Traefik rule: Traefik hands the rule to vulcand/predicate, which parses it as a
// Go expression. So: Go string literals (`raw` or "escaped"), `!` binding tighter than `&&`,
// `&&` tighter than `||`, both left-associative, and Go's newline-semicolon rule.

export type RuleNode =
  | { readonly op: 'and' | 'or'; readonly left: RuleNode; readonly right: RuleNode }
  | { readonly op: 'not'; readonly node: RuleNode }
  | { readonly op: 'call'; readonly name: string; readonly args: readonly string[]; readonly column: number };

/** A syntax error; `column` is 1-based, in characters of the rule. */
export class RuleSyntaxError extends Error {
  readonly column: number;

  constructor(message: string, column: number) {
    super(`${message} at column ${column}`);
    this.column = column;
  }
}

type Token = { kind: 'ident' | 'string' | 'op' | 'eof'; text: string; column: number };

/** Longest rule accepted (Traefik has no limit; ours keeps parsing bounded). */
export const maxRuleLength = 16_384;
const maxDepth = 64;

export function parseRuleSyntax(rule: string): RuleNode {
  const tokens = tokenize(rule);
  let at = 0;
  let depth = 0;
  const peek = (): Token => tokens[at] as Token;
  const fail = (message: string, token: Token = peek()): never => {
    throw new RuleSyntaxError(message, token.column);
  };
  const describe = (t: Token): string => (t.kind === 'eof' ? 'end of rule' : `'${t.text}'`);

  function binary(op: 'or' | 'and'): RuleNode {
    let left = op === 'or' ? binary('and') : unary();
    while (peek().kind === 'op' && peek().text === (op === 'or' ? '||' : '&&')) {
      at++;
      left = { op, left, right: op === 'or' ? binary('and') : unary() };
    }
    return left;
  }

  function unary(): RuleNode {
    const t = peek();
    if (++depth > maxDepth) fail(`rule nested deeper than ${maxDepth} levels`);
    let node: RuleNode;
    if (t.kind === 'op' && t.text === '!') {
      at++;
      node = { op: 'not', node: unary() };
    } else if (t.kind === 'op' && t.text === '(') {
      at++;
      node = binary('or');
      if (peek().text !== ')' || peek().kind !== 'op') fail(`expected ')', found ${describe(peek())}`);
      at++;
    } else if (t.kind === 'ident') {
      at++;
      if (peek().kind !== 'op' || peek().text !== '(') fail(`expected '(' after ${t.text}`);
      at++;
      const args: string[] = [];
      while (!(peek().kind === 'op' && peek().text === ')')) {
        const arg = peek();
        if (arg.kind !== 'string') fail(`expected a string argument (\`...\` or "..."), found ${describe(arg)}`);
        args.push(arg.text);
        at++;
        if (peek().kind === 'op' && peek().text === ',') at++;
        else if (!(peek().kind === 'op' && peek().text === ')')) fail(`expected ',' or ')', found ${describe(peek())}`);
      }
      at++;
      node = { op: 'call', name: t.text, args, column: t.column };
    } else node = fail(`expected a matcher, '!' or '(', found ${describe(t)}`);
    depth--;
    return node;
  }

  if (peek().kind === 'eof') fail('empty rule');
  const tree = binary('or');
  if (peek().kind !== 'eof') fail(`expected '&&', '||' or end of rule, found ${describe(peek())}`);
  return tree;
}

function tokenize(rule: string): Token[] {
  if (rule.length > maxRuleLength) throw new RuleSyntaxError(`rule longer than ${maxRuleLength} characters`, 1);
  const tokens: Token[] = [];
  let i = 0;
  const fail = (message: string, at: number): never => {
    throw new RuleSyntaxError(message, at + 1);
  };
  while (i < rule.length) {
    const c = rule[i] as string;
    const column = i + 1;
    if (c === '\n') {
      // Go inserts a semicolon after an identifier, literal or ')' at a line end: only the last one may end so.
      const last = tokens[tokens.length - 1];
      if (last !== undefined && (last.kind !== 'op' || last.text === ')') && rule.slice(i).trim() !== '') fail("unexpected newline (Go ends the expression here; break lines after '&&' or '||')", i);
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') i++;
    else if (/[A-Za-z_]/.test(c)) {
      let end = i + 1;
      while (end < rule.length && /[A-Za-z0-9_]/.test(rule[end] as string)) end++;
      tokens.push({ kind: 'ident', text: rule.slice(i, end), column });
      i = end;
    } else if (c === '`') {
      const end = rule.indexOf('`', i + 1);
      if (end < 0) fail('raw string literal not terminated', i);
      tokens.push({ kind: 'string', text: rule.slice(i + 1, end).replaceAll('\r', ''), column });
      i = end + 1;
    } else if (c === '"') {
      const { text, end } = readQuoted(rule, i, fail);
      tokens.push({ kind: 'string', text, column });
      i = end;
    } else if ((c === '&' || c === '|') && rule[i + 1] === c) {
      tokens.push({ kind: 'op', text: c + c, column });
      i += 2;
    } else if (c === '!' || c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: 'op', text: c, column });
      i++;
    } else fail(`unexpected character '${c}'`, i);
  }
  tokens.push({ kind: 'eof', text: '', column: rule.length + 1 });
  return tokens;
}

const escapes: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"' };

// A Go interpreted string literal starting at the quote `at`, decoded as strconv.Unquote does.
function readQuoted(rule: string, at: number, fail: (message: string, at: number) => never): { text: string; end: number } {
  let text = '';
  const bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length > 0) text += Buffer.from(bytes).toString('utf8');
    bytes.length = 0;
  };
  for (let i = at + 1; i < rule.length; i++) {
    const c = rule[i] as string;
    if (c === '"') {
      flush();
      return { text, end: i + 1 };
    }
    if (c === '\n') break;
    if (c !== '\\') {
      flush();
      text += c;
      continue;
    }
    const e = rule[i + 1] ?? '';
    const simple = escapes[e];
    if (simple !== undefined) {
      flush();
      text += simple;
      i++;
      continue;
    }
    const size = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : e >= '0' && e <= '7' ? 3 : 0;
    const digits = e >= '0' && e <= '7' ? rule.slice(i + 1, i + 4) : rule.slice(i + 2, i + 2 + size);
    const valid = size > 0 && digits.length === size && (e >= '0' && e <= '7' ? /^[0-7]{3}$/.test(digits) : /^[0-9A-Fa-f]+$/.test(digits));
    const value = valid ? Number.parseInt(digits, e >= '0' && e <= '7' ? 8 : 16) : -1;
    if (!valid || value > (e === 'x' || e <= '7' ? 255 : 0x10ffff) || (value >= 0xd800 && value <= 0xdfff && size >= 4)) fail('invalid escape in string literal', i);
    // \x and octal escapes are bytes (Go strings are bytes); \u and \U are code points.
    if (size >= 4) {
      flush();
      text += String.fromCodePoint(value);
    } else bytes.push(value);
    i += e >= '0' && e <= '7' ? 3 : size + 1;
  }
  return fail('string literal not terminated', at);
}
