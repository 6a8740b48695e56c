import { describe, expect, it } from 'vitest';
import { daemonHeapFlags, tuneDaemonHeap } from './heap.ts';

describe('the daemon heap settings', () => {
  it('keeps the young generation at its start size by default', () => {
    expect(tuneDaemonHeap([], undefined)).toEqual(daemonHeapFlags);
    expect(daemonHeapFlags).toContain('--semi-space-growth-factor=1');
  });

  it("leaves an operator's own semi-space choice alone (node flag or NODE_OPTIONS)", () => {
    expect(tuneDaemonHeap(['--max-semi-space-size=8'], undefined)).toEqual([]);
    expect(tuneDaemonHeap([], '--enable-source-maps --max_semi_space_size=8')).toEqual([]);
  });
});
