// The parse tree, shaped like Go's parse.Node types; nodeString reproduces Go's String() forms,
// which appear in error messages ("executing \"t\" at <.a.b>: ...").
import { quoteGo } from './quote.ts';
import { utf8Length } from './values.ts';

/** One parsed template: its own name, the name of the Parse call it came from, and that call's text. */
export interface Tree {
  name: string;
  readonly parseName: string;
  readonly text: string;
  root: ListNode | null;
}

interface Base {
  /** UTF-16 offset in tree.text. */
  readonly pos: number;
  readonly tree: Tree;
}

export interface ListNode extends Base { readonly type: 'list'; readonly nodes: Node[] }
export interface TextNode extends Base { readonly type: 'text'; readonly text: string }
export interface ActionNode extends Base { readonly type: 'action'; readonly pipe: PipeNode }
export interface PipeNode extends Base {
  readonly type: 'pipe';
  isAssign: boolean;
  readonly decl: VariableNode[];
  readonly cmds: CommandNode[];
}
export interface CommandNode extends Base { readonly type: 'command'; readonly args: Node[] }
export interface IdentifierNode extends Base { readonly type: 'identifier'; readonly ident: string }
export interface VariableNode extends Base { readonly type: 'variable'; readonly ident: string[] }
export interface DotNode extends Base { readonly type: 'dot' }
export interface NilNode extends Base { readonly type: 'nil' }
export interface FieldNode extends Base { readonly type: 'field'; readonly ident: string[] }
export interface ChainNode extends Base { readonly type: 'chain'; readonly node: Node; readonly field: string[] }
export interface BoolNode extends Base { readonly type: 'bool'; readonly value: boolean }
export interface NumberNode extends Base {
  readonly type: 'number';
  readonly text: string;
  isInt: boolean;
  isUint: boolean;
  isFloat: boolean;
  isComplex: boolean;
  int: bigint;
  uint: bigint;
  float: number;
  /** The complex128 value, when isComplex. */
  real: number;
  imag: number;
}
export interface StringNode extends Base { readonly type: 'string'; readonly quoted: string; readonly text: string }
export interface EndNode extends Base { readonly type: 'end' }
export interface ElseNode extends Base { readonly type: 'else' }
export interface BranchNode extends Base {
  readonly type: 'if' | 'range' | 'with';
  readonly pipe: PipeNode;
  readonly list: ListNode;
  readonly elseList: ListNode | null;
}
export interface BreakNode extends Base { readonly type: 'break' }
export interface ContinueNode extends Base { readonly type: 'continue' }
export interface TemplateNode extends Base {
  readonly type: 'template';
  readonly name: string;
  readonly pipe: PipeNode | null;
}

export type Node =
  | ListNode | TextNode | ActionNode | PipeNode | CommandNode | IdentifierNode | VariableNode
  | DotNode | NilNode | FieldNode | ChainNode | BoolNode | NumberNode | StringNode | EndNode
  | ElseNode | BranchNode | BreakNode | ContinueNode | TemplateNode;

export function nodeString(n: Node): string {
  switch (n.type) {
    case 'list':
      return n.nodes.map(nodeString).join('');
    case 'text':
      return n.text;
    case 'action':
      return `{{${nodeString(n.pipe)}}}`;
    case 'pipe': {
      const decl = n.decl.length > 0 ? `${n.decl.map(nodeString).join(', ')} := ` : '';
      return decl + n.cmds.map(nodeString).join(' | ');
    }
    case 'command':
      return n.args.map((a) => (a.type === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'identifier':
      return n.ident;
    case 'variable':
      return n.ident.join('.');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'field':
      return n.ident.map((id) => `.${id}`).join('');
    case 'chain': {
      const head = n.node.type === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node);
      return head + n.field.map((f) => `.${f}`).join('');
    }
    case 'bool':
      return n.value ? 'true' : 'false';
    case 'number':
      return n.text;
    case 'string':
      return n.quoted;
    case 'end':
      return '{{end}}';
    case 'else':
      return '{{else}}';
    case 'if': case 'range': case 'with': {
      const elsePart = n.elseList !== null ? `{{else}}${nodeString(n.elseList)}` : '';
      return `{{${n.type} ${nodeString(n.pipe)}}}${nodeString(n.list)}${elsePart}{{end}}`;
    }
    case 'break':
      return '{{break}}';
    case 'continue':
      return '{{continue}}';
    case 'template':
      return `{{template ${quoteGo(n.name)}${n.pipe !== null ? ` ${nodeString(n.pipe)}` : ''}}}`;
  }
}

// unicode.IsSpace, which bytes.TrimSpace uses (JS trim() differs: it strips U+FEFF, keeps U+0085).
const goSpaceOnly = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

/** Go's parse.IsEmptyTree: only whitespace text and comments. */
export function isEmptyTree(n: Node | null): boolean {
  if (n === null) return true;
  if (n.type === 'list') return n.nodes.every(isEmptyTree);
  if (n.type === 'text') return goSpaceOnly.test(n.text);
  return false;
}

/** The location half of Tree.ErrorContext: `parseName:line:byteColumn`. */
export function location(node: Node): string {
  const { text, parseName } = node.tree;
  const before = text.slice(0, node.pos);
  const nl = before.lastIndexOf('\n');
  let line = 1;
  for (let i = before.indexOf('\n'); i !== -1; i = before.indexOf('\n', i + 1)) line++;
  return `${parseName}:${line}:${utf8Length(before.slice(nl + 1))}`;
}

/** text/template's doublePercent: a name made safe to put into a format string. */
export function doublePercent(s: string): string {
  return s.replaceAll('%', '%%');
}
