// A Go regexp as a Thompson NFA, run as a state set (Pike, without captures) with a bounded lazy DFA
// cache: time is linear in input length times program size, so no route file can make matching
// backtrack catastrophically.
import { isWord, parseGoRegexp, type AssertKind } from './goregexp.ts';
import { Builder, requiredLiteral, type Inst } from './nfa-program.ts';

export { maxInstructions } from './nfa-program.ts';

export interface GoRegexp {
  readonly source: string;
  /** Go's MatchString: does the expression match anywhere in `text`? */
  test(text: string): boolean;
}

/** Cached DFA states and transitions per expression; past these the cache starts over (as RE2's does). */
const maxDfaStates = 1000;
const maxDfaTransitions = 20_000;

interface DfaState {
  /** Threads waiting for a character (char instructions), after following splits and assertions. */
  readonly pcs: readonly number[];
  readonly matched: boolean;
  readonly next: Map<number, DfaState>;
  /** The same for ASCII characters, indexed by code (the common case, without hashing). */
  readonly nextAscii: (DfaState | undefined)[];
  /** Whether a match is found when this character is the text's last. */
  readonly last: Map<number, boolean>;
}

/** Compiles a Go (RE2) regular expression; throws GoRegexpError with Go-like messages. */
export function compileGoRegexp(source: string): GoRegexp {
  const builder = new Builder();
  const match = builder.emit({ op: 'match' });
  const tree = parseGoRegexp(source);
  const start = builder.build(tree, match);
  const required = requiredLiteral(tree);
  const prog = builder.prog;
  const marks = new Uint32Array(prog.length);
  let generation = 0;
  // Without \b or (?m) anchors, the set of threads after a character depends only on the set before it
  // and the character (inside the text): those sets are cached as DFA states, built lazily.
  const cacheable = prog.every((inst) => inst.op !== 'assert' || inst.kind === 'beginText' || inst.kind === 'endText');
  let states = new Map<string, DfaState>();
  let transitions = 0;
  let initial: DfaState | undefined;
  // Most texts lack the literal every match contains: `includes` rejects them without running the automaton.
  return { source, test: (text) => (required.length < 2 || text.includes(required)) && (cacheable ? runDfa(text) : runNfa(text)) };

  // The threads reached from `seeds` plus a new thread at `start` (unanchored search).
  function closure(seeds: readonly number[], begin: boolean, end: boolean): { pcs: number[]; matched: boolean } {
    generation = generation === 0xffffffff ? 1 : generation + 1;
    if (generation === 1) marks.fill(0);
    const pcs: number[] = [];
    const stack = [start, ...[...seeds].reverse()];
    while (stack.length > 0) {
      const at = stack.pop() as number;
      if (marks[at] === generation) continue;
      marks[at] = generation;
      const inst = prog[at] as Inst;
      if (inst.op === 'match') return { pcs, matched: true };
      if (inst.op === 'char') pcs.push(at);
      else if (inst.op === 'split') stack.push(inst.b, inst.a);
      else if (inst.kind === 'beginText' ? begin : inst.kind === 'endText' ? end : false) stack.push(inst.next);
    }
    return { pcs, matched: false };
  }

  function step(pcs: readonly number[], c: number): number[] {
    const next: number[] = [];
    for (const pc of pcs) {
      const inst = prog[pc] as Extract<Inst, { op: 'char' }>;
      if (inst.test(c)) next.push(inst.next);
    }
    return next;
  }

  function intern(found: { pcs: number[]; matched: boolean }): DfaState {
    const key = `${found.matched ? 'm' : ''}${found.pcs.join(',')}`;
    let state = states.get(key);
    if (state === undefined) {
      if (states.size >= maxDfaStates || transitions >= maxDfaTransitions) {
        states = new Map();
        transitions = 0;
        initial = undefined;
      }
      state = { ...found, next: new Map(), nextAscii: new Array<DfaState | undefined>(128).fill(undefined), last: new Map() };
      states.set(key, state);
    }
    return state;
  }

  function runDfa(text: string): boolean {
    const length = text.length;
    if (length === 0) return closure([], true, true).matched;
    initial ??= intern(closure([], true, false));
    let state = initial;
    if (state.matched) return true;
    for (let i = 0; i < length; ) {
      const c = text.codePointAt(i) as number;
      i += c > 0xffff ? 2 : 1;
      if (i >= length) {
        let matched = state.last.get(c);
        if (matched === undefined) {
          matched = closure(step(state.pcs, c), false, true).matched;
          state.last.set(c, matched);
          transitions += 1;
        }
        return matched;
      }
      let next = c < 128 ? state.nextAscii[c] : state.next.get(c);
      if (next === undefined) {
        next = intern(closure(step(state.pcs, c), false, false));
        if (c < 128) state.nextAscii[c] = next;
        else state.next.set(c, next);
        transitions += 1;
      }
      if (next.matched) return true;
      state = next;
    }
    return false;
  }

  function runNfa(text: string): boolean {
    let current: number[] = [];
    const length = text.length;
    let prev = -1;
    for (let i = 0; ; ) {
      const c = i < length ? (text.codePointAt(i) as number) : -1;
      generation = generation === 0xffffffff ? 1 : generation + 1;
      if (generation === 1) marks.fill(0);
      // Threads carried over keep priority; a new thread starts here (unanchored search).
      const seeds = current;
      current = [];
      for (const pc of seeds) if (add(current, pc, prev, c, i, length)) return true;
      if (add(current, start, prev, c, i, length)) return true;
      if (c === -1) return false;
      current = step(current, c);
      prev = c;
      i += c > 0xffff ? 2 : 1;
    }
  }

  // Follows splits and assertions from `pc`; true when the match instruction is reachable.
  function add(list: number[], pc: number, prev: number, c: number, i: number, length: number): boolean {
    const stack = [pc];
    while (stack.length > 0) {
      const at = stack.pop() as number;
      if (marks[at] === generation) continue;
      marks[at] = generation;
      const inst = prog[at] as Inst;
      if (inst.op === 'match') return true;
      if (inst.op === 'char') list.push(at);
      else if (inst.op === 'split') stack.push(inst.b, inst.a);
      else if (holds(inst.kind, prev, c, i, length)) stack.push(inst.next);
    }
    return false;
  }
}

function holds(kind: AssertKind, prev: number, c: number, i: number, length: number): boolean {
  switch (kind) {
    case 'beginText':
      return i === 0;
    case 'endText':
      return i === length;
    case 'beginLine':
      return i === 0 || prev === 10;
    case 'endLine':
      return i === length || c === 10;
    case 'wordBoundary':
      return isWord(prev) !== isWord(c);
    case 'notWordBoundary':
      return isWord(prev) === isWord(c);
  }
}
