// The executor: walks a parsed tree over JS data with text/template's rules (exec.go): variable
// scopes, range/with/if, function calls with Go's argument checks, and Go's error texts.
import type {
  BranchNode, ChainNode, CommandNode, FieldNode, IdentifierNode, Node, NumberNode, PipeNode,
  TemplateNode, Tree, VariableNode,
} from './ast.ts';
import { doublePercent, location, nodeString } from './ast.ts';
import { InterfaceValue, assignable, builtins, truth } from './funcs.ts';
import { errorfText, goError, printOne } from './printf.ts';
import { quoteGo } from './quote.ts';
import { boundMethod, fieldIndex } from './structs.ts';
import type { GoFunc, GoValue, ParamType } from './values.ts';
import {
  GoComplex, GoInt, GoPointer, GoStruct, funcTypeName, isGoFunc, isMap, isTrue, mapGet, mapHas, paramTypeName, sliceElemIsInterface,
  sortedKeys, typeName, typedSlice,
} from './values.ts';

export type MissingKey = 'default' | 'zero' | 'error';

/** What the executor needs from a template set. */
export interface ExecContext {
  lookup(name: string): { name: string; tree: Tree | null } | undefined;
  func(name: string): GoFunc | undefined;
  readonly missingKey: MissingKey;
}

export class ExecFailure extends Error {
  readonly output: string;
  constructor(message: string, output: string) {
    super(message);
    this.output = output;
  }
}

const MISSING: unique symbol = Symbol('missing');
type Final = GoValue | typeof MISSING;

// Control flow for {{break}} and {{continue}}, thrown through the walk to the enclosing range.
class BreakSignal extends Error {}
class ContinueSignal extends Error {}
const breakSignal = new BreakSignal();
const continueSignal = new ContinueSignal();

interface Field {
  readonly value: GoValue;
  /** The value's static type is interface{} (a map or list element, an interface{} result). */
  readonly iface: boolean;
}

interface Variable {
  readonly name: string;
  value: GoValue;
  /** Held in an interface{} (a range element): field errors then name type "interface {}". */
  iface: boolean;
}

const maxExecDepth = 100000;

function isFunctionResultIface(fn: GoFunc | undefined): boolean {
  return fn !== undefined && (fn.result === undefined || fn.result === 'interface {}');
}

class State {
  out = '';
  node: Node | null = null;
  vars: Variable[];
  private readonly ctx: ExecContext;
  private readonly tmplName: string;
  private readonly depth: number;

  constructor(ctx: ExecContext, tmplName: string, vars: Variable[], depth: number) {
    this.ctx = ctx;
    this.tmplName = tmplName;
    this.vars = vars;
    this.depth = depth;
  }

  /**
   * state.errorf: Go puts the template's name into the format it hands fmt (a `%` in the name is
   * doubled, but not in the location's), so names holding `%` garble the message as in Go.
   */
  errorf(format: string, ...args: GoValue[]): never {
    const name = doublePercent(this.tmplName);
    const full = this.node === null
      ? `template: ${name}: ${format}`
      : `template: ${location(this.node)}: executing ${quoteGo(name)} at <${doublePercent(nodeString(this.node))}>: ${format}`;
    throw new ExecFailure(errorfText(full, args), this.out);
  }

  private at(node: Node): void {
    this.node = node;
  }

  private varValue(name: string): Variable {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) return v;
    }
    return this.errorf('undefined variable: %s', name);
  }

  private setVar(name: string, value: GoValue): void {
    const v = this.varValue(name);
    v.value = value;
    v.iface = false;
  }

  private setTopVar(n: number, value: GoValue, iface: boolean): void {
    const v = this.vars[this.vars.length - n] as Variable;
    v.value = value;
    v.iface = iface;
  }

  walk(dot: GoValue, dotIface: boolean, node: Node): void {
    this.at(node);
    switch (node.type) {
      case 'action': {
        const val = this.evalPipeline(dot, dotIface, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'break':
        throw breakSignal;
      case 'continue':
        throw continueSignal;
      case 'if': case 'with':
        this.walkIfOrWith(dot, dotIface, node);
        return;
      case 'list':
        for (const n of node.nodes) this.walk(dot, dotIface, n);
        return;
      case 'range':
        this.walkRange(dot, dotIface, node);
        return;
      case 'template':
        this.walkTemplate(dot, dotIface, node);
        return;
      case 'text':
        this.out += node.text;
        return;
      default:
        this.errorf('unknown node: %s', nodeString(node));
    }
  }

  private walkIfOrWith(dot: GoValue, dotIface: boolean, node: BranchNode): void {
    const mark = this.vars.length;
    try {
      const val = this.evalPipeline(dot, dotIface, node.pipe);
      if (isTrue(val)) {
        if (node.type === 'with') this.walk(val, false, node.list);
        else this.walk(dot, dotIface, node.list);
      } else if (node.elseList !== null) {
        this.walk(dot, dotIface, node.elseList);
      }
    } finally {
      this.vars.length = mark;
    }
  }

  private walkRange(dot: GoValue, dotIface: boolean, r: BranchNode): void {
    this.at(r);
    const outer = this.vars.length;
    try {
      const piped = this.evalPipeline(dot, dotIface, r.pipe);
      const val = piped instanceof GoPointer && piped.target !== null ? piped.target : piped;
      const mark = this.vars.length;
      const elemIface = !Array.isArray(val) || sliceElemIsInterface(val);
      const oneIteration = (index: GoValue, elem: GoValue): void => {
        if (r.pipe.decl.length > 0) this.setTopVar(1, elem, elemIface);
        if (r.pipe.decl.length > 1) this.setTopVar(2, index, false);
        try {
          this.walk(elem, elemIface, r.list);
        } catch (signal) {
          if (signal !== continueSignal) throw signal;
        } finally {
          this.vars.length = mark;
        }
      };
      if (Array.isArray(val)) {
        if (val.length > 0) {
          const list: readonly GoValue[] = val;
          for (let i = 0; i < list.length; i++) oneIteration(BigInt(i), list[i]);
          return;
        }
      } else if (val !== undefined && isMap(val)) {
        const keys = sortedKeys(val);
        if (keys.length > 0) {
          for (const key of keys) oneIteration(key, mapGet(val, key));
          return;
        }
      } else if (val !== undefined) {
        this.errorf("range can't iterate over %v", val);
      }
      if (r.elseList !== null) this.walk(dot, dotIface, r.elseList);
    } catch (signal) {
      if (signal !== breakSignal) throw signal;
    } finally {
      this.vars.length = outer;
    }
  }

  private walkTemplate(dot: GoValue, dotIface: boolean, t: TemplateNode): void {
    this.at(t);
    const tmpl = this.ctx.lookup(t.name);
    if (tmpl === undefined) this.errorf('template %q not defined', t.name);
    if (this.depth === maxExecDepth) this.errorf('exceeded maximum template depth (%v)', BigInt(maxExecDepth));
    const newDot = this.evalPipeline(dot, dotIface, t.pipe);
    const inner = new State(this.ctx, tmpl.name, [{ name: '$', value: newDot, iface: false }], this.depth + 1);
    inner.out = this.out;
    try {
      const root = tmpl.tree?.root ?? inner.errorf('%q is an incomplete or empty template', tmpl.name);
      inner.walk(newDot, false, root);
    } finally {
      this.out = inner.out;
    }
  }

  private evalPipeline(dot: GoValue, dotIface: boolean, pipe: PipeNode | null): GoValue {
    if (pipe === null) return undefined;
    this.at(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, dotIface, cmd, value);
      // A nil interface{} becomes an invalid value, as reflect.ValueOf(nil) does.
      if (value === null) value = undefined;
    }
    const result = value === MISSING ? undefined : value;
    for (const variable of pipe.decl) {
      const name = variable.ident[0] as string;
      if (pipe.isAssign) this.setVar(name, result);
      else this.vars.push({ name, value: result, iface: false });
    }
    return result;
  }

  private notAFunction(args: readonly Node[], final: Final): void {
    if (args.length > 1 || final !== MISSING) {
      this.errorf("can't give argument to non-function %s", nodeString(args[0] as Node));
    }
  }

  private evalCommand(dot: GoValue, dotIface: boolean, cmd: CommandNode, final: Final): GoValue {
    const first = cmd.args[0] as Node;
    switch (first.type) {
      case 'field':
        return this.evalFieldNode(dot, dotIface, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, dotIface, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, dotIface, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, dotIface, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        return this.errorf('nil is not a command');
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
    return this.errorf("can't evaluate command %q", nodeString(first));
  }

  private idealConstant(n: NumberNode): GoValue {
    this.at(n);
    if (n.isComplex) return new GoComplex(n.real, n.imag);
    const hexInt = /^0[xX]/.test(n.text) && !/[pP]/.test(n.text);
    if (n.isFloat && !hexInt && !n.text.startsWith("'") && /[.eEpP]/.test(n.text)) return n.float;
    if (n.isInt) return n.int;
    if (n.isUint) this.errorf('%s overflows int', n.text);
    return undefined;
  }

  private evalFieldNode(dot: GoValue, dotIface: boolean, field: FieldNode, args: readonly Node[] | null, final: Final): GoValue {
    this.at(field);
    return this.evalFieldChain(dot, dotIface, dot, dotIface, field, field.ident, args, final);
  }

  private evalChainNode(dot: GoValue, dotIface: boolean, chain: ChainNode, args: readonly Node[] | null, final: Final): GoValue {
    this.at(chain);
    if (chain.node.type === 'nil') this.errorf('indirection through explicit nil in %s', nodeString(chain));
    const head = this.evalArg(dot, dotIface, null, chain.node);
    const headIface = chain.node.type === 'identifier' && isFunctionResultIface(this.findFunction(chain.node.ident));
    return this.evalFieldChain(dot, dotIface, head, headIface, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: GoValue, variable: VariableNode, args: readonly Node[] | null, final: Final): GoValue {
    this.at(variable);
    const v = this.varValue(variable.ident[0] as string);
    if (variable.ident.length === 1) {
      this.notAFunction(args ?? [variable], final);
      return v.value;
    }
    return this.evalFieldChain(dot, false, v.value, v.iface, variable, variable.ident.slice(1), args, final);
  }

  private evalFieldChain(
    dot: GoValue, dotIface: boolean, receiver: GoValue, receiverIface: boolean, node: Node,
    ident: readonly string[], args: readonly Node[] | null, final: Final,
  ): GoValue {
    const n = ident.length;
    let current: Field = { value: receiver, iface: receiverIface };
    for (let i = 0; i < n - 1; i++) current = this.evalField(dot, dotIface, node, ident[i] as string, null, MISSING, current);
    return this.evalField(dot, dotIface, node, ident[n - 1] as string, args, final, current).value;
  }

  private findFunction(name: string): GoFunc | undefined {
    return this.ctx.func(name) ?? builtins.get(name);
  }

  private evalFunction(
    dot: GoValue, dotIface: boolean, node: IdentifierNode, cmd: Node, args: readonly Node[] | null, final: Final,
  ): GoValue {
    this.at(node);
    const name = node.ident;
    const user = this.ctx.func(name);
    const fn = user ?? builtins.get(name);
    if (fn === undefined) return this.errorf('%q is not a defined function', name);
    return this.evalCall(dot, dotIface, fn, user === undefined, cmd, name, args, final);
  }

  private evalField(
    dot: GoValue, dotIface: boolean, node: Node, fieldName: string, args: readonly Node[] | null, final: Final,
    { value: receiver, iface }: Field,
  ): Field {
    if (receiver === undefined) {
      if (this.ctx.missingKey === 'error') this.errorf('nil data; no entry for key %q', fieldName);
      return { value: undefined, iface: true };
    }
    const typ = iface ? 'interface {}' : typeName(receiver);
    if (receiver === null) this.errorf('nil pointer evaluating %s.%s', typ, fieldName);
    const method = boundMethod(receiver, fieldName);
    if (method !== undefined) {
      const value = this.evalCall(dot, dotIface, method, false, node, fieldName, args, final);
      return { value, iface: isFunctionResultIface(method) };
    }
    const hasArgs = (args !== null && args.length > 1) || final !== MISSING;
    const struct = receiver instanceof GoPointer ? receiver.target : receiver;
    if (struct instanceof GoStruct) {
      const i = fieldIndex(struct.type, fieldName);
      if (i >= 0) {
        if (hasArgs) this.errorf('%s has arguments but cannot be invoked as function', fieldName);
        return { value: struct.fields[i], iface: struct.type.fields[i]?.type === 'interface {}' };
      }
    } else if (receiver instanceof GoPointer) {
      if (fieldIndex(receiver.type, fieldName) >= 0) this.errorf('nil pointer evaluating %s.%s', typ, fieldName);
    } else if (isMap(receiver)) {
      if (hasArgs) this.errorf('%s is not a method but has arguments', fieldName);
      if (mapHas(receiver, fieldName)) return { value: mapGet(receiver, fieldName), iface: true };
      switch (this.ctx.missingKey) {
        case 'zero': return { value: null, iface: true };
        case 'error': return this.errorf('map has no entry for key %q', fieldName);
        default: return { value: undefined, iface: true };
      }
    }
    return this.errorf("can't evaluate field %s in type %s", fieldName, typ);
  }

  private evalCall(
    dot: GoValue, dotIface: boolean, fn: GoFunc, isBuiltin: boolean, node: Node, name: string,
    allArgs: readonly Node[] | null, final: Final,
  ): GoValue {
    const args = allArgs === null ? [] : allArgs.slice(1);
    const numIn = args.length + (final !== MISSING ? 1 : 0);
    let numFixed = args.length;
    const nParams = fn.params.length + (fn.variadic !== undefined ? 1 : 0);
    if (fn.variadic !== undefined) {
      numFixed = fn.params.length;
      if (numIn < numFixed) this.errorf('wrong number of args for %s: want at least %d got %d', name, BigInt(numFixed), BigInt(args.length));
    } else if (numIn !== nParams) {
      this.errorf('wrong number of args for %s: want %d got %d', name, BigInt(nParams), BigInt(numIn));
    }
    if (isBuiltin && (name === 'and' || name === 'or')) {
      let v: GoValue;
      for (const arg of args) {
        v = this.evalArg(dot, dotIface, 'value', arg);
        if (truth(v) === (name === 'or')) return v;
      }
      if (final !== MISSING) v = this.validateType(final, 'value');
      return v;
    }
    const argv: GoValue[] = [];
    let i = 0;
    for (; i < numFixed && i < args.length; i++) argv.push(this.evalArg(dot, dotIface, fn.params[i] as ParamType, args[i] as Node));
    if (fn.variadic !== undefined) {
      for (; i < args.length; i++) {
        const arg = args[i] as Node;
        const v = this.evalArg(dot, dotIface, fn.variadic, arg);
        // slice reads its indexes without unwrapping interface{}: keep that visible to it.
        const boxed = isBuiltin && name === 'slice' && v !== undefined && this.heldInInterface(arg, dotIface);
        argv.push(boxed ? (new InterfaceValue(v) as unknown as GoValue) : v);
      }
    }
    if (final !== MISSING) {
      let t: ParamType;
      if (fn.variadic !== undefined) t = numIn - 1 < numFixed ? (fn.params[numIn - 1] as ParamType) : fn.variadic;
      else t = fn.params[fn.params.length - 1] as ParamType;
      argv.push(this.validateType(final, t));
    }
    try {
      return fn.fn(...argv);
    } catch (error) {
      if (error instanceof ExecFailure) throw error;
      this.at(node);
      return this.errorf('error calling %s: %w', name, goError(error instanceof Error ? error.message : String(error)));
    }
  }

  /** Whether an argument evaluates to a reflect.Value of kind Interface (a container element). */
  private heldInInterface(n: Node, dotIface: boolean): boolean {
    switch (n.type) {
      case 'field': case 'chain':
        return true;
      case 'dot':
        return dotIface;
      case 'variable':
        return n.ident.length > 1 || this.varValue(n.ident[0] as string).iface;
      case 'identifier':
        return isFunctionResultIface(this.ctx.func(n.ident));
      default:
        return false;
    }
  }

  private validateType(value: GoValue, typ: ParamType | null): GoValue {
    if (typ === null || typ === 'value') return value;
    if (value === undefined) {
      if (typ === 'any') return null;
      if (typeof typ === 'string' && typ.startsWith('[]')) return typedSlice(typ, []);
      return this.errorf('invalid value; expected %s', paramTypeName(typ));
    }
    if (value === null) {
      if (typ === 'any') return null;
      return this.errorf('wrong type for value; expected %s; got %s', paramTypeName(typ), 'interface {}');
    }
    if (!assignable(value, typ)) this.errorf('wrong type for value; expected %s; got %s', paramTypeName(typ), typeName(value));
    return value;
  }

  private evalArg(dot: GoValue, dotIface: boolean, typ: ParamType | null, n: Node): GoValue {
    this.at(n);
    switch (n.type) {
      case 'dot':
        return this.validateType(dot, typ);
      case 'nil':
        if (typ === 'any') return null;
        if (typ === 'value') return undefined;
        if (typeof typ === 'string' && typ.startsWith('[]')) return typedSlice(typ, []);
        return this.errorf('cannot assign nil to %s', typ === null ? '<nil>' : paramTypeName(typ));
      case 'field':
        return this.validateType(this.evalFieldNode(dot, dotIface, n, [n], MISSING), typ);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, n, null, MISSING), typ);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, dotIface, n), typ);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, dotIface, n, n, null, MISSING), typ);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, dotIface, n, null, MISSING), typ);
    }
    if (typeof typ === 'object' && typ !== null) {
      if (typ.kind === 'int') {
        if (n.type === 'number' && (typ.unsigned ? n.isUint : n.isInt)) return new GoInt(typ, typ.unsigned ? n.uint : n.int);
        return this.errorf(typ.unsigned ? 'expected unsigned integer; found %s' : 'expected integer; found %s', nodeString(n));
      }
      return this.errorf("can't handle %s for arg of type %s", nodeString(n), typ.name);
    }
    if (typeof typ === 'string' && typ.startsWith('[]')) return this.errorf("can't handle %s for arg of type %s", nodeString(n), typ);
    switch (typ) {
      case 'bool':
        if (n.type === 'bool') return n.value;
        return this.errorf('expected bool; found %s', nodeString(n));
      case 'float64':
        if (n.type === 'number' && n.isFloat) return n.float;
        return this.errorf('expected float; found %s', nodeString(n));
      case 'int':
        if (n.type === 'number' && n.isInt) return n.int;
        return this.errorf('expected integer; found %s', nodeString(n));
      case 'string':
        if (n.type === 'string') return n.text;
        return this.errorf('expected string; found %s', nodeString(n));
      default:
        return this.evalEmptyInterface(dot, n);
    }
  }

  private evalEmptyInterface(dot: GoValue, n: Node): GoValue {
    this.at(n);
    switch (n.type) {
      case 'bool':
        return n.value;
      case 'dot':
        return dot;
      case 'number':
        return this.idealConstant(n);
      case 'string':
        return n.text;
    }
    return this.errorf("can't handle assignment of %s to empty interface argument", nodeString(n));
  }

  private printValue(n: Node, v: GoValue): void {
    this.at(n);
    if (isGoFunc(v)) this.errorf("can't print %s of type %s", nodeString(n), funcTypeName(v));
    // printableValue: a non-nil pointer prints as what it points to.
    const shown = v instanceof GoPointer && v.target !== null ? v.target : v;
    this.out += shown === undefined ? '<no value>' : printOne(shown);
  }
}

/** Executes one template of a set; throws ExecFailure (with the output written so far). */
export function execute(ctx: ExecContext, name: string, tree: Tree | null, data: GoValue): string {
  const value = data === null ? undefined : data;
  const state = new State(ctx, name, [{ name: '$', value, iface: false }], 0);
  const root = tree?.root ?? state.errorf('%q is an incomplete or empty template', name);
  state.walk(value, false, root);
  return state.out;
}
