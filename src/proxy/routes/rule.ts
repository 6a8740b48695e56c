// Traefik v3 rules compiled into matchers, with the semantics of Traefik's pkg/muxer/http/matcher.go:
// regexps unanchored (Go's MatchString), Host case-insensitive with `*.` wildcards and trailing dots.
import { builders, isAscii, type Builder, type Matcher } from './matchers.ts';
import { MatchContext } from './request.ts';
import { parseRuleSyntax, RuleSyntaxError, type RuleNode } from './rule-syntax.ts';

export interface CompiledRule {
  readonly match: Matcher;
  /** Lower-cased hosts (trailing dots removed) one of which a request must have to match; undefined: any. */
  readonly hosts: ReadonlySet<string> | undefined;
}

/** A rule that does not compile: what is wrong and the 1-based column in the rule. */
export class RuleError extends Error {
  readonly column: number;

  constructor(message: string, column: number) {
    super(message);
    this.column = column;
  }
}

export const hostKey = (host: string): string => host.replace(/\.+$/, '');

// Traefik registers each matcher as Name, name, NAME and Title-of-lower (`Hostregexp`).
const byName = new Map<string, { canonical: string; arity: readonly number[]; build: Builder }>();
for (const [name, spec] of Object.entries(builders)) {
  const lower = name.toLowerCase();
  for (const alias of [name, lower, name.toUpperCase(), lower[0]?.toUpperCase() + lower.slice(1)]) byName.set(alias, { canonical: name, ...spec });
}

/** Parses and compiles a rule; throws RuleError naming the column. */
export function compileRule(rule: string): CompiledRule {
  let tree: RuleNode;
  try {
    tree = parseRuleSyntax(rule);
  } catch (error) {
    if (error instanceof RuleSyntaxError) throw new RuleError(error.message, error.column);
    throw error;
  }
  return { match: build(tree), hosts: hostsOf(tree) };
}

function build(node: RuleNode): Matcher {
  switch (node.op) {
    case 'and': {
      const [left, right] = [build(node.left), build(node.right)];
      return (r) => left(r) && right(r);
    }
    case 'or': {
      const [left, right] = [build(node.left), build(node.right)];
      return (r) => left(r) || right(r);
    }
    case 'not': {
      const inner = build(node.node);
      return (r) => !inner(r);
    }
    case 'call':
      return buildCall(node);
  }
}

function buildCall(node: Extract<RuleNode, { op: 'call' }>): Matcher {
  const spec = byName.get(node.name);
  const fail = (message: string): never => {
    throw new RuleError(`${message} at column ${node.column}`, node.column);
  };
  if (spec === undefined) return fail(`unknown matcher ${node.name} (known: ${Object.keys(builders).join(', ')})`);
  if (node.args.length === 0) fail(`no args for matcher ${spec.canonical}`);
  if (node.args.some((a) => a === '')) fail(`empty args for matcher ${spec.canonical}`);
  if (!spec.arity.includes(node.args.length)) fail(`${spec.canonical}: unexpected number of parameters; got ${node.args.length}, expected ${spec.arity.join(' or ')}`);
  try {
    return spec.build(node.args);
  } catch (error) {
    return fail(`${spec.canonical}: ${(error as Error).message}`);
  }
}

// Hosts a request must have for the rule to match (a pre-filter for the table's index; the matcher decides).
function hostsOf(node: RuleNode): ReadonlySet<string> | undefined {
  if (node.op === 'call') {
    const host = node.args[0] ?? '';
    const isHost = byName.get(node.name)?.canonical === 'Host' && node.args.length === 1;
    return isHost && !host.startsWith('*') && host !== '' && isAscii(host) ? new Set([hostKey(host.toLowerCase())]) : undefined;
  }
  if (node.op === 'not') return undefined;
  const [left, right] = [hostsOf(node.left), hostsOf(node.right)];
  if (node.op === 'or') return left === undefined || right === undefined ? undefined : new Set([...left, ...right]);
  if (left === undefined) return right;
  return right === undefined || left.size <= right.size ? left : right;
}

/** Traefik's default priority: len(rule), which Go counts in bytes. */
export function defaultPriority(rule: string): number {
  return Buffer.byteLength(rule, 'utf8');
}

export { MatchContext, type Matcher };
