import { describe, expect, it } from 'vitest';
import { describeProblems, planCheck, planContent, sameStamp, type ContentFacts, type FileStamp } from './reload-plan.ts';

const stamp = (over: Partial<FileStamp> = {}): FileStamp => ({ dev: 1n, ino: 10n, size: 100n, mtimeNs: 5_000n, ctimeNs: 5_000n, ...over });

describe('whether to read the route file after a stat', () => {
  it.each([
    ['file missing', undefined, undefined, 'event', 'missing'],
    ['file gone after being seen', stamp(), undefined, 'poll', 'missing'],
    ['first sight at start', undefined, stamp(), 'start', 'read'],
    ['poll, stamp unchanged', stamp(), stamp(), 'poll', 'unchanged'],
    ['poll, replaced by rename (new inode)', stamp(), stamp({ ino: 11n }), 'poll', 'read'],
    ['poll, written in place (mtime moved)', stamp(), stamp({ mtimeNs: 6_000n }), 'poll', 'read'],
    ['poll, same mtime but size changed', stamp(), stamp({ size: 101n }), 'poll', 'read'],
    ['event, stamp unchanged (same-size write in one tick)', stamp(), stamp(), 'event', 'read'],
    ['forced, stamp unchanged', stamp(), stamp(), 'forced', 'read'],
  ] as const)('%s -> %s', (_name, seen, now, trigger, expected) => {
    expect(planCheck(seen, now, trigger)).toBe(expected);
  });
});

describe('whether to apply what was read', () => {
  const facts = (over: Partial<ContentFacts> = {}): ContentFacts => ({ lastHash: 'old', hash: 'new', bytes: 100, before: stamp(), after: stamp(), emptyBefore: false, trigger: 'event', ...over });
  it.each([
    ['new bytes', facts(), 'apply'],
    ['the bytes tried last time (applied or refused)', facts({ hash: 'old' }), 'unchanged'],
    ['the same bytes, forced (SIGHUP)', facts({ hash: 'old', trigger: 'forced' }), 'apply'],
    ['file changed while read', facts({ after: stamp({ mtimeNs: 7_000n }) }), 'settle'],
    ['file vanished while read', facts({ after: undefined }), 'settle'],
    ['fewer bytes read than stat said (torn write)', facts({ bytes: 60 }), 'settle'],
    ['empty for the first time (truncated, not yet written)', facts({ bytes: 0, before: stamp({ size: 0n }), after: stamp({ size: 0n }) }), 'settle'],
    ['still empty on the next look', facts({ bytes: 0, before: stamp({ size: 0n }), after: stamp({ size: 0n }), emptyBefore: true }), 'apply'],
    ['first version ever', facts({ lastHash: undefined }), 'apply'],
  ] as const)('%s -> %s', (_name, input, expected) => {
    expect(planContent(input)).toBe(expected);
  });
});

describe('the error shown in readiness', () => {
  it('names the file, line, key path and how many more problems', () => {
    expect(describeProblems('/r.toml', [{ path: 'http.routers.web.rule', message: 'unknown matcher Hots', line: 3 }, { path: 'http.services', message: 'x' }])).toBe(
      '/r.toml:3: http.routers.web.rule: unknown matcher Hots (and 1 more)',
    );
    expect(describeProblems('/r.toml', [{ path: '', message: 'invalid TOML' }])).toBe('/r.toml: invalid TOML');
  });

  it('stamps compare field by field', () => {
    expect(sameStamp(stamp(), stamp())).toBe(true);
    expect(sameStamp(stamp(), stamp({ dev: 2n }))).toBe(false);
    expect(sameStamp(undefined, undefined)).toBe(true);
  });
});
