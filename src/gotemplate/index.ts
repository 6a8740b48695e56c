// Public API: Go's text/template over plain JS data. Template sets, delimiters, missingkey,
// and a function registry; errors carry Go's exact message text and a weft error code.
import { WeftError } from '../errors.ts';
import type { Tree } from './ast.ts';
import { ExecFailure, execute } from './exec.ts';
import type { ExecContext, MissingKey } from './exec.ts';
import { builtins } from './funcs.ts';
import { ParseFailure, parseTrees } from './parser.ts';
import { isEmptyTree } from './ast.ts';
import { quoteGo } from './quote.ts';
import type { GoFunc, GoValue, ParamType } from './values.ts';

export type { BasicParamType, GoFunc, GoIntType, GoMap, GoStructType, GoValue, ParamType } from './values.ts';
export { GoInt, GoPointer, GoStruct, GoUint8, typeName, typedSlice } from './values.ts';
export { defineIntType, defineStruct, goStruct, type MethodSpec } from './structs.ts';
export { durationType, goDate, goNow, int64Type, monthType, timeType, weekdayType } from './gotime.ts';
export type { MissingKey } from './exec.ts';

/** A template failed to parse; `message` is Go's, e.g. `template: t:3: unexpected "}" in operand`. */
export class TemplateParseError extends WeftError {
  constructor(message: string) {
    super('WEFT_E_TEMPLATE_PARSE', message);
    this.name = 'TemplateParseError';
  }
}

/** A template failed while executing; `output` holds what was written before the error, as in Go. */
export class TemplateExecError extends WeftError {
  readonly output: string;
  constructor(message: string, output: string) {
    super('WEFT_E_TEMPLATE_EXEC', message);
    this.name = 'TemplateExecError';
    this.output = output;
  }
}

export interface FuncSpec {
  /** Go parameter types, in order (default: none). */
  params?: readonly ParamType[];
  /** Element type of a trailing `...T` parameter. */
  variadic?: ParamType;
  /** The function returns (value, error): throwing an Error reports `error calling NAME: <message>`. */
  returnsError?: boolean;
  /** Go type of the result, for messages (default "interface {}"). */
  result?: string;
  fn: (...args: GoValue[]) => GoValue;
}

/** Builds a template function from its Go signature. */
export function defineFunc(spec: FuncSpec): GoFunc {
  const f: { -readonly [K in keyof GoFunc]: GoFunc[K] } = { kind: 'func', params: spec.params ?? [], fn: spec.fn };
  if (spec.variadic !== undefined) f.variadic = spec.variadic;
  if (spec.returnsError !== undefined) f.returnsError = spec.returnsError;
  if (spec.result !== undefined) f.result = spec.result;
  return f;
}

export interface TemplateOptions {
  leftDelim?: string;
  rightDelim?: string;
  /** missingkey=default (also 'invalid'), zero or error. */
  missingKey?: MissingKey;
  /** Accept `{{else with ...}}` (Go 1.23+); the Go 1.19 reference rejects it, so it is off by default. */
  elseWith?: boolean;
}

const identifier = /^[\p{L}_][\p{L}\p{Nd}_]*$/u;

class TemplateSet implements ExecContext {
  readonly templates = new Map<string, Template>();
  readonly funcs = new Map<string, GoFunc>();
  missingKey: MissingKey = 'default';
  elseWith = false;

  lookup(name: string): Template | undefined {
    return this.templates.get(name);
  }

  func(name: string): GoFunc | undefined {
    return this.funcs.get(name);
  }
}

export class Template {
  readonly name: string;
  tree: Tree | null = null;
  private readonly set: TemplateSet;
  private leftDelim = '';
  private rightDelim = '';

  constructor(name: string, options: TemplateOptions = {}, set?: TemplateSet) {
    this.name = name;
    this.set = set ?? new TemplateSet();
    if (options.leftDelim !== undefined || options.rightDelim !== undefined) {
      this.delims(options.leftDelim ?? '', options.rightDelim ?? '');
    }
    if (options.missingKey !== undefined) this.set.missingKey = options.missingKey;
    if (options.elseWith !== undefined) this.set.elseWith = options.elseWith;
  }

  /** Go's t.New(name): a new template in the same set, with the same delimiters. */
  new(name: string): Template {
    const t = new Template(name, {}, this.set);
    t.leftDelim = this.leftDelim;
    t.rightDelim = this.rightDelim;
    return t;
  }

  delims(left: string, right: string): this {
    this.leftDelim = left;
    this.rightDelim = right;
    return this;
  }

  /** Go's Option("missingkey=..."). */
  option(...options: string[]): this {
    for (const opt of options) {
      const m = /^missingkey=(default|invalid|zero|error)$/.exec(opt);
      if (m === null) throw new TypeError(`unrecognized option: ${opt}`);
      this.set.missingKey = m[1] === 'invalid' ? 'default' : (m[1] as MissingKey);
    }
    return this;
  }

  /** Registers functions for the whole set; must happen before parse, as in Go. */
  funcs(map: Readonly<Record<string, GoFunc | ((...args: GoValue[]) => GoValue)>>): this {
    for (const [name, f] of Object.entries(map)) {
      if (!identifier.test(name)) throw new TypeError(`function name ${quoteGo(name)} is not a valid identifier`);
      this.set.funcs.set(name, typeof f === 'function' ? defineFunc({ variadic: 'any', fn: f }) : f);
    }
    return this;
  }

  parse(text: string): this {
    let trees: Map<string, Tree>;
    try {
      trees = parseTrees(this.name, text, {
        leftDelim: this.leftDelim,
        rightDelim: this.rightDelim,
        hasFunction: (name) => this.set.funcs.has(name) || builtins.has(name),
        elseWith: this.set.elseWith,
      });
    } catch (error) {
      if (error instanceof ParseFailure) throw new TemplateParseError(error.message);
      throw error;
    }
    for (const [name, tree] of trees) this.addParseTree(name, tree);
    return this;
  }

  private addParseTree(name: string, tree: Tree): void {
    const nt = name === this.name ? this : this.new(name);
    const old = this.set.templates.get(name);
    if (old !== undefined && isEmptyTree(tree.root) && old.tree !== null) return;
    this.set.templates.set(name, nt);
    nt.tree = tree;
  }

  lookup(name: string): Template | undefined {
    return this.set.lookup(name);
  }

  templates(): Template[] {
    return [...this.set.templates.values()];
  }

  execute(data: unknown): string {
    try {
      return execute(this.set, this.name, this.tree, data as GoValue);
    } catch (error) {
      if (error instanceof ExecFailure) throw new TemplateExecError(error.message, error.output);
      if (error instanceof RangeError) {
        throw new TemplateExecError(`template: ${this.name}: exceeded maximum template depth (${error.message})`, '');
      }
      throw error;
    }
  }

  executeTemplate(name: string, data: unknown): string {
    const t = this.lookup(name);
    if (t === undefined) {
      throw new TemplateExecError(`template: no template ${quoteGo(name)} associated with template ${quoteGo(this.name)}`, '');
    }
    return t.execute(data);
  }
}

/** Parses `text` as a template named `name` with `funcs` registered. */
export function parse(name: string, text: string, options: TemplateOptions & { funcs?: Record<string, GoFunc> } = {}): Template {
  const t = new Template(name, options);
  if (options.funcs !== undefined) t.funcs(options.funcs);
  return t.parse(text);
}
