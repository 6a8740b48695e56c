// The pure half of the route file reloader: from what stat and a read saw, whether to read the
// file, and whether to apply what was read. Tested as a table (reload-plan.test.ts).
import type { RouteProblem } from './types.ts';

/** What identifies one version of the file without reading it. */
export interface FileStamp {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}

export type Trigger = 'event' | 'poll' | 'start' | 'forced';

export function sameStamp(a: FileStamp | undefined, b: FileStamp | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

/**
 * After a stat: read the file, or not. A watch event always reads (an in-place write of the same
 * size inside one timestamp tick keeps the stamp); a poll reads only when the stamp moved.
 */
export function planCheck(seen: FileStamp | undefined, now: FileStamp | undefined, trigger: Trigger): 'missing' | 'unchanged' | 'read' {
  if (now === undefined) return 'missing';
  if (trigger === 'poll' && sameStamp(seen, now)) return 'unchanged';
  return 'read';
}

export interface ContentFacts {
  /** Hash of the last version tried (applied or refused): the same bytes are not tried twice. */
  readonly lastHash: string | undefined;
  readonly hash: string;
  readonly bytes: number;
  readonly before: FileStamp;
  readonly after: FileStamp | undefined;
  /** The previous check saw the file empty too. */
  readonly emptyBefore: boolean;
  readonly trigger: Trigger;
}

/**
 * After a read: 'settle' (look again shortly) when the file moved while it was read, or is empty
 * for the first time (an in-place writer between truncate and write); 'unchanged' for bytes already
 * tried, unless forced (SIGHUP re-tries: a certificate it names may have been fixed).
 */
export function planContent(facts: ContentFacts): 'apply' | 'unchanged' | 'settle' {
  if (!sameStamp(facts.before, facts.after) || BigInt(facts.bytes) !== facts.before.size) return 'settle';
  if (facts.bytes === 0 && !facts.emptyBefore) return 'settle';
  if (facts.hash === facts.lastHash && facts.trigger !== 'forced') return 'unchanged';
  return 'apply';
}

/** One line for readiness and status: the first problem with its key path, and how many more. */
export function describeProblems(file: string, problems: readonly RouteProblem[]): string {
  const [first] = problems;
  if (first === undefined) return `${file}: invalid`;
  const where = `${file}${first.line === undefined ? '' : `:${first.line}`}`;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return `${where}: ${first.path === '' ? '' : `${first.path}: `}${first.message}${more}`;
}
