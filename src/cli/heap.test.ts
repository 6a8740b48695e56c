import { afterEach, describe, expect, it, vi } from 'vitest';
import { collectAfter } from './heap.ts';

describe('the collection after start-up', () => {
  afterEach(() => vi.useRealTimers());

  it('schedules one full collection per delay on timers that never keep the daemon alive', () => {
    vi.useFakeTimers();
    collectAfter([5000, 15_000]);
    expect(vi.getTimerCount()).toBe(2);
    vi.advanceTimersByTime(15_000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves the global scope without gc', () => {
    collectAfter([]);
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
