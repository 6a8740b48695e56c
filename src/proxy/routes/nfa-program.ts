// A Go regexp's tree compiled to a Thompson NFA program (char, split, assert, match), bounded in
// size, and the literal every match must contain (a cheap pre-filter).
import { GoRegexpError, type AssertKind, type CharTest, type ReNode } from './goregexp.ts';

export type Inst =
  | { op: 'char'; test: CharTest; next: number }
  | { op: 'split'; a: number; b: number }
  | { op: 'assert'; kind: AssertKind; next: number }
  | { op: 'match' };

/** Program size limit (Go bounds its programs too); `(a{1000}){1000}` is refused, not built. */
export const maxInstructions = 20_000;

export class Builder {
  readonly prog: Inst[] = [];

  emit(inst: Inst): number {
    if (this.prog.length >= maxInstructions) throw new GoRegexpError(`expression too large (over ${maxInstructions} instructions)`);
    this.prog.push(inst);
    return this.prog.length - 1;
  }

  // Compiles `node` so that it continues at `next`; returns its entry.
  build(node: ReNode, next: number): number {
    switch (node.t) {
      case 'empty':
        return next;
      case 'char':
        return this.emit({ op: 'char', test: node.test, next });
      case 'assert':
        return this.emit({ op: 'assert', kind: node.kind, next });
      case 'cat': {
        let entry = next;
        for (let i = node.items.length - 1; i >= 0; i--) entry = this.build(node.items[i] as ReNode, entry);
        return entry;
      }
      case 'alt': {
        let entry = this.build(node.items[node.items.length - 1] as ReNode, next);
        for (let i = node.items.length - 2; i >= 0; i--) entry = this.emit({ op: 'split', a: this.build(node.items[i] as ReNode, next), b: entry });
        return entry;
      }
      case 'repeat': {
        let entry = next;
        if (node.max === -1) {
          const loop = this.emit({ op: 'split', a: -1, b: next });
          const body = this.build(node.node, loop);
          (this.prog[loop] as { a: number }).a = body;
          entry = loop;
        } else {
          for (let i = node.min; i < node.max; i++) entry = this.emit({ op: 'split', a: this.build(node.node, entry), b: next });
        }
        for (let i = 0; i < node.min; i++) entry = this.build(node.node, entry);
        return entry;
      }
    }
  }
}

/** The longest run of literal characters that every match contains ('' when none is known). */
export function requiredLiteral(node: ReNode): string {
  if (node.t === 'char') return node.literal === undefined ? '' : String.fromCodePoint(node.literal);
  if (node.t === 'repeat') return node.min > 0 ? requiredLiteral(node.node) : '';
  if (node.t !== 'cat') return '';
  let best = '';
  let run = '';
  for (const item of node.items) {
    if (item.t === 'char' && item.literal !== undefined) run += String.fromCodePoint(item.literal);
    // Assertions consume nothing: the characters around them stay adjacent.
    else if (item.t !== 'assert' && item.t !== 'empty') {
      const inner = requiredLiteral(item);
      if (run.length > best.length) best = run;
      if (inner.length > best.length) best = inner;
      run = '';
    }
  }
  return run.length > best.length ? run : best;
}
