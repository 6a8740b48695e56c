// The parser: items -> one Tree per template ({{define}} and {{block}} add more), following
// Go's parse.go closely so the same inputs fail with the same "template: name:line: ..." text.
import type {
  BranchNode, CommandNode, ListNode, Node, PipeNode, TemplateNode, Tree, VariableNode,
} from './ast.ts';
import { isEmptyTree, nodeString } from './ast.ts';
import { itemString, lex } from './lexer.ts';
import type { Item, ItemType } from './lexer.ts';
import { readNumber } from './number.ts';
import { errorfText, goError } from './printf.ts';
import { unquote } from './quote.ts';
import type { GoValue } from './values.ts';

export class ParseFailure extends Error {}

export interface ParseOptions {
  leftDelim?: string;
  rightDelim?: string;
  /** Names callable from the template (built-ins plus registered functions). */
  hasFunction: (name: string) => boolean;
  /** Accept `{{else with}}` (Go 1.23+); off by default to match the Go 1.19 reference. */
  elseWith?: boolean;
}

/** Items from the lexer, shared by the tree being parsed and the definitions inside it. */
class ItemStream {
  private readonly items: Item[];
  private index = 0;
  constructor(items: Item[]) {
    this.items = items;
  }
  nextItem(): Item {
    const item = this.items[this.index] ?? { type: 'error', pos: 0, val: '', line: 0 };
    this.index++;
    return item;
  }
}

class TreeParser {
  readonly tree: Tree;
  private readonly stream: ItemStream;
  private readonly treeSet: Map<string, Tree>;
  private readonly opts: ParseOptions;
  private readonly token: Item[] = [];
  private peekCount = 0;
  private vars: string[] = ['$'];
  private actionLine = 0;
  private rangeDepth = 0;

  constructor(tree: Tree, stream: ItemStream, treeSet: Map<string, Tree>, opts: ParseOptions) {
    this.tree = tree;
    this.stream = stream;
    this.treeSet = treeSet;
    this.opts = opts;
  }

  private tok(i: number): Item {
    return this.token[i] as Item;
  }

  /** Tree.errorf: the parse name goes into the format unescaped, so a `%` in it garbles as in Go. */
  errorf(format: string, ...args: GoValue[]): never {
    this.tree.root = null;
    const line = this.token[0]?.line ?? 0;
    throw new ParseFailure(errorfText(`template: ${this.tree.parseName}:${line}: ${format}`, args));
  }

  /** Tree.error. */
  private error(error: unknown): never {
    return this.errorf('%s', goError(error instanceof Error ? error.message : String(error)));
  }

  private next(): Item {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.stream.nextItem();
    return this.tok(this.peekCount);
  }
  private backup(): void {
    this.peekCount++;
  }
  private backup2(t1: Item): void {
    this.token[1] = t1;
    this.peekCount = 2;
  }
  private backup3(t2: Item, t1: Item): void {
    this.token[1] = t1;
    this.token[2] = t2;
    this.peekCount = 3;
  }
  private peek(): Item {
    if (this.peekCount > 0) return this.tok(this.peekCount - 1);
    this.peekCount = 1;
    this.token[0] = this.stream.nextItem();
    return this.tok(0);
  }
  private nextNonSpace(): Item {
    let token: Item;
    do token = this.next();
    while (token.type === 'space');
    return token;
  }
  private peekNonSpace(): Item {
    const token = this.nextNonSpace();
    this.backup();
    return token;
  }
  private expect(expected: ItemType, context: string): Item {
    const token = this.nextNonSpace();
    if (token.type !== expected) this.unexpected(token, context);
    return token;
  }
  private expectOneOf(a: ItemType, b: ItemType, context: string): Item {
    const token = this.nextNonSpace();
    if (token.type !== a && token.type !== b) this.unexpected(token, context);
    return token;
  }
  private unexpected(token: Item, context: string): never {
    if (token.type === 'error') {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${this.tree.parseName}:${this.actionLine}`;
        if (token.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf('%s%s', itemString(token), extra);
    }
    this.errorf('unexpected %s in %s', itemString(token), context);
  }

  private unquoteOrFail(s: string): string {
    try {
      return unquote(s);
    } catch {
      return this.error(new Error('invalid syntax'));
    }
  }

  private add(): void {
    const existing = this.treeSet.get(this.tree.name);
    if (existing === undefined || isEmptyTree(existing.root)) {
      this.treeSet.set(this.tree.name, this.tree);
      return;
    }
    if (!isEmptyTree(this.tree.root)) this.errorf('template: multiple definition of template %q', this.tree.name);
  }

  private child(name: string): TreeParser {
    const tree: Tree = { name, parseName: this.tree.parseName, text: this.tree.text, root: null };
    return new TreeParser(tree, this.stream, this.treeSet, this.opts);
  }

  parseTop(): void {
    this.tree.root = this.newList(this.peek().pos);
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'leftDelim') {
        const delim = this.next();
        if (this.nextNonSpace().type === 'define') {
          this.child('definition').parseDefinition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') this.errorf('unexpected %s', nodeString(n));
      this.tree.root.nodes.push(n);
    }
    this.add();
  }

  private parseDefinition(): void {
    const context = 'define clause';
    const name = this.expectOneOf('string', 'rawString', context);
    this.tree.name = this.unquoteOrFail(name.val);
    this.expect('rightDelim', context);
    const [list, end] = this.itemList();
    this.tree.root = list;
    if (end.type !== 'end') this.errorf('unexpected %s in %s', nodeString(end), context);
    this.add();
  }

  private newList(pos: number): ListNode {
    return { type: 'list', pos, tree: this.tree, nodes: [] };
  }

  private itemList(): [ListNode, Node] {
    const list = this.newList(this.peekNonSpace().pos);
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return [list, n];
      list.nodes.push(n);
    }
    return this.errorf('unexpected EOF');
  }

  private textOrAction(): Node {
    const token = this.nextNonSpace();
    switch (token.type) {
      case 'text':
        return { type: 'text', pos: token.pos, tree: this.tree, text: token.val };
      case 'leftDelim': {
        this.actionLine = token.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      default:
        return this.unexpected(token, 'input');
    }
  }

  private action(): Node {
    const token = this.nextNonSpace();
    switch (token.type) {
      case 'block':
        return this.blockControl();
      case 'break':
      case 'continue': {
        const next = this.nextNonSpace();
        if (next.type !== 'rightDelim') this.unexpected(next, `{{${token.type}}}`);
        if (this.rangeDepth === 0) this.errorf(`{{${token.type}}} outside {{range}}`);
        return { type: token.type, pos: token.pos, tree: this.tree };
      }
      case 'else':
        return this.elseControl();
      case 'end':
        return { type: 'end', pos: this.expect('rightDelim', 'end').pos, tree: this.tree };
      case 'if':
        return this.control('if');
      case 'range':
        return this.control('range');
      case 'template':
        return this.templateControl();
      case 'with':
        return this.control('with');
    }
    this.backup();
    const pos = this.peek().pos;
    return { type: 'action', pos, tree: this.tree, pipe: this.pipeline('command', 'rightDelim') };
  }

  private pipeline(context: string, end: ItemType): PipeNode {
    const pipe: PipeNode = { type: 'pipe', pos: this.peekNonSpace().pos, tree: this.tree, isAssign: false, decl: [], cmds: [] };
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== 'variable') break;
      this.next();
      const tokenAfterVariable = this.peek();
      const next = this.peekNonSpace();
      if (next.type === 'assign' || next.type === 'declare') {
        pipe.isAssign = next.type === 'assign';
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
      } else if (next.type === 'char' && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const t = this.peekNonSpace().type;
          if (t === 'variable' || t === 'rightDelim' || t === 'rightParen') continue decls;
          this.errorf('range can only initialize variables');
        }
        this.errorf('too many declarations in %s', context);
      } else if (tokenAfterVariable.type === 'space') {
        this.backup3(v, tokenAfterVariable);
      } else {
        this.backup2(v);
      }
      break;
    }
    for (;;) {
      const token = this.nextNonSpace();
      switch (token.type) {
        case end:
          this.checkPipeline(pipe, context);
          return pipe;
        case 'bool': case 'charConstant': case 'complex': case 'dot': case 'field': case 'identifier':
        case 'number': case 'nil': case 'rawString': case 'string': case 'variable': case 'leftParen':
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf('missing value for %s', context);
    pipe.cmds.slice(1).forEach((c, i) => {
      const t = c.args[0]?.type;
      if (t === 'bool' || t === 'dot' || t === 'nil' || t === 'number' || t === 'string') {
        this.errorf('non executable command in pipeline stage %d', BigInt(i + 2));
      }
    });
  }

  private control(context: 'if' | 'range' | 'with'): BranchNode {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, 'rightDelim');
      if (context === 'range') this.rangeDepth++;
      const [list, first] = this.itemList();
      let next = first;
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | null = null;
      if (next.type === 'else') {
        const chained = context === 'if' ? 'if' : context === 'with' && this.opts.elseWith === true ? 'with' : null;
        if (chained !== null && this.peek().type === chained) {
          this.next();
          elseList = this.newList(next.pos);
          elseList.nodes.push(this.control(chained));
        } else {
          [elseList, next] = this.itemList();
          if (next.type !== 'end') this.errorf('expected end; found %s', nodeString(next));
        }
      }
      return { type: context, pos: pipe.pos, tree: this.tree, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }

  private elseControl(): Node {
    const peek = this.peekNonSpace();
    if (peek.type === 'if' || (peek.type === 'with' && this.opts.elseWith === true)) {
      return { type: 'else', pos: peek.pos, tree: this.tree };
    }
    return { type: 'else', pos: this.expect('rightDelim', 'else').pos, tree: this.tree };
  }

  private blockControl(): Node {
    const context = 'block clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    const pipe = this.pipeline(context, 'rightDelim');
    const block = this.child(name);
    const [list, end] = block.itemList();
    block.tree.root = list;
    if (end.type !== 'end') this.errorf('unexpected %s in %s', nodeString(end), context);
    block.add();
    return { type: 'template', pos: token.pos, tree: this.tree, name, pipe } satisfies TemplateNode;
  }

  private templateControl(): Node {
    const context = 'template clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().type !== 'rightDelim') {
      this.backup();
      pipe = this.pipeline(context, 'rightDelim');
    }
    return { type: 'template', pos: token.pos, tree: this.tree, name, pipe } satisfies TemplateNode;
  }

  private parseTemplateName(token: Item, context: string): string {
    if (token.type === 'string' || token.type === 'rawString') return this.unquoteOrFail(token.val);
    return this.unexpected(token, context);
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, tree: this.tree, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== null) cmd.args.push(operand);
      const token = this.next();
      if (token.type === 'space') continue;
      if (token.type === 'rightDelim' || token.type === 'rightParen') this.backup();
      else if (token.type !== 'pipe') this.unexpected(token, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): Node | null {
    const node = this.term();
    if (node === null) return null;
    if (this.peek().type !== 'field') return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().type === 'field') fields.push(this.next().val.slice(1));
    switch (node.type) {
      case 'field':
        return { type: 'field', pos, tree: this.tree, ident: [...node.ident, ...fields] };
      case 'variable':
        return { type: 'variable', pos, tree: this.tree, ident: [...node.ident, ...fields] };
      case 'bool': case 'string': case 'number': case 'nil': case 'dot':
        return this.errorf('unexpected . after term %q', nodeString(node));
      default:
        return { type: 'chain', pos, tree: this.tree, node, field: fields };
    }
  }

  private term(): Node | null {
    const token = this.nextNonSpace();
    const base = { pos: token.pos, tree: this.tree };
    switch (token.type) {
      case 'identifier':
        if (!this.opts.hasFunction(token.val)) this.errorf('function %q not defined', token.val);
        return { type: 'identifier', ...base, ident: token.val };
      case 'dot':
        return { type: 'dot', ...base };
      case 'nil':
        return { type: 'nil', ...base };
      case 'variable':
        return this.useVar(token.pos, token.val);
      case 'field':
        return { type: 'field', ...base, ident: [token.val.slice(1)] };
      case 'bool':
        return { type: 'bool', ...base, value: token.val === 'true' };
      case 'charConstant': case 'complex': case 'number': {
        try {
          return { type: 'number', ...base, text: token.val, ...readNumber(token.val, token.type) };
        } catch (error) {
          return this.error(error);
        }
      }
      case 'leftParen':
        return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string': case 'rawString':
        return { type: 'string', ...base, quoted: token.val, text: this.unquoteOrFail(token.val) };
    }
    this.backup();
    return null;
  }

  private newVariable(pos: number, name: string): VariableNode {
    return { type: 'variable', pos, tree: this.tree, ident: name.split('.') };
  }

  private useVar(pos: number, name: string): VariableNode {
    const v = this.newVariable(pos, name);
    if (!this.vars.includes(v.ident[0] as string)) this.errorf('undefined variable %q', v.ident[0]);
    return v;
  }
}

/**
 * Parses `text` as template `name`; returns every tree it defines (the top one under `name`).
 * Throws ParseFailure with Go's message.
 */
export function parseTrees(name: string, text: string, opts: ParseOptions): Map<string, Tree> {
  const items = lex(text, {
    leftDelim: opts.leftDelim === undefined || opts.leftDelim === '' ? '{{' : opts.leftDelim,
    rightDelim: opts.rightDelim === undefined || opts.rightDelim === '' ? '}}' : opts.rightDelim,
    breakOK: !opts.hasFunction('break'),
    continueOK: !opts.hasFunction('continue'),
  });
  const treeSet = new Map<string, Tree>();
  const tree: Tree = { name, parseName: name, text, root: null };
  new TreeParser(tree, new ItemStream(items), treeSet, opts).parseTop();
  return treeSet;
}
