import type { Dispatcher } from 'undici';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../log.ts';
import { UpstreamPools, type PoolFactory } from './pools.ts';

interface FakePool {
  readonly origin: string;
  closeCalls: number;
  destroyCalls: number;
  finishInFlight(): void;
}

function fakes(): { factory: PoolFactory; made: FakePool[] } {
  const made: FakePool[] = [];
  const factory: PoolFactory = (origin) => {
    let finish: () => void = () => undefined;
    const inFlight = new Promise<void>((resolve) => { finish = resolve; });
    const pool = {
      origin, closeCalls: 0, destroyCalls: 0,
      finishInFlight: () => finish(),
      close: () => { pool.closeCalls++; return inFlight; },
      destroy: () => { pool.destroyCalls++; finish(); return Promise.resolve(); },
    };
    made.push(pool);
    return pool as unknown as Dispatcher;
  };
  return { factory, made };
}

const settings = { dialTimeoutMs: 1000, idleTimeoutMs: 90_000, responseHeaderTimeoutMs: 60_000, drainTimeoutMs: 30_000 };

describe('upstream pools', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('keeps pools of origins that stay, makes new ones, drains removed ones', () => {
    const { factory, made } = fakes();
    const pools = new UpstreamPools(settings, silentLogger, factory);
    expect(pools.update(['http://a:80', 'http://b:80'])).toEqual({ added: ['http://a:80', 'http://b:80'], removed: [] });
    const a = pools.get('http://a:80');
    expect(pools.update(['http://a:80', 'http://c:80'])).toEqual({ added: ['http://c:80'], removed: ['http://b:80'] });
    expect(pools.get('http://a:80')).toBe(a);
    expect(made.map((p) => [p.origin, p.closeCalls])).toEqual([['http://a:80', 0], ['http://b:80', 1], ['http://c:80', 0]]);
  });

  it('lets a drained pool finish, destroying it only at the drain deadline', async () => {
    const { factory, made } = fakes();
    const pools = new UpstreamPools(settings, silentLogger, factory);
    pools.update(['http://a:80']);
    pools.update([]);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(made[0]!.destroyCalls).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(made[0]!.destroyCalls).toBe(1);
  });

  it('does not destroy a pool whose requests finished in time', async () => {
    const { factory, made } = fakes();
    const pools = new UpstreamPools(settings, silentLogger, factory);
    pools.update(['http://a:80']);
    pools.update([]);
    made[0]!.finishInFlight();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(made[0]!.destroyCalls).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('close(deadline) also cuts draining pools short, and hands out only closed pools afterwards', async () => {
    const { factory, made } = fakes();
    const pools = new UpstreamPools(settings, silentLogger, factory);
    pools.update(['http://a:80', 'http://b:80']);
    pools.update(['http://a:80']);
    const closing = pools.close(new Date(Date.now() + 1_000));
    await vi.advanceTimersByTimeAsync(1_000);
    await closing;
    expect(made.map((p) => p.destroyCalls)).toEqual([1, 1]);
    pools.get('http://z:80');
    expect(made[2]!.closeCalls).toBe(1);
    expect(pools.origins()).toEqual([]);
  });
});
