import { EventEmitter } from 'node:events';
import type { Watcher } from 'etcd3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { guardStreamDial } from './stream-dial.ts';

// A watcher as etcd3 1.1.2 builds it: an emitter holding its WatchManager (state 2 = Connected).
function fakeWatcher(state = 2): { watcher: Watcher; cancel: ReturnType<typeof vi.fn> } {
  const cancel = vi.fn();
  const watcher = Object.assign(new EventEmitter(), { manager: { state, stream: { cancel } } });
  return { watcher: watcher as unknown as Watcher, cancel };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('guardStreamDial', () => {
  it('cancels a stream etcd has not answered within the timeout, and again each timeout after', () => {
    const { watcher, cancel } = fakeWatcher();
    const redials = vi.fn();
    guardStreamDial(watcher, redials, 3000);
    vi.advanceTimersByTime(2999);
    expect(cancel).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(cancel).toHaveBeenCalledTimes(1);
    expect(redials).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(3000);
    expect(cancel).toHaveBeenCalledTimes(2);
  });

  it('leaves a confirmed watcher alone, and guards it again after it lost its stream', () => {
    const { watcher, cancel } = fakeWatcher();
    guardStreamDial(watcher, () => undefined, 3000);
    watcher.emit('connected', {});
    vi.advanceTimersByTime(10_000);
    expect(cancel).not.toHaveBeenCalled();
    watcher.emit('disconnected', new Error('lost'));
    vi.advanceTimersByTime(3000);
    expect(cancel).toHaveBeenCalledTimes(1);
  });

  it('does nothing while the library has no stream (backing off), and stops when disarmed', () => {
    const idle = fakeWatcher(0);
    const redials = vi.fn();
    guardStreamDial(idle.watcher, redials, 3000);
    vi.advanceTimersByTime(9000);
    expect(idle.cancel).not.toHaveBeenCalled();
    expect(redials).not.toHaveBeenCalled();
    const { watcher, cancel } = fakeWatcher();
    const disarm = guardStreamDial(watcher, redials, 3000);
    disarm();
    vi.advanceTimersByTime(9000);
    expect(cancel).not.toHaveBeenCalled();
  });
});
