import { describe, expect, it, vi } from 'vitest';
import { LeaseTtls, type LeaseTtlQuery } from './lease-ttl.ts';

function tracker(query: LeaseTtlQuery, options: { maxLeases?: number; concurrency?: number } = {}) {
  const changes: Map<string, number>[] = [];
  const ttls = new LeaseTtls({ query, maxLeases: options.maxLeases ?? 100, timeoutMs: 1000, concurrency: options.concurrency ?? 2, onChange: (t) => changes.push(new Map(t)) });
  return { ttls, changes };
}

describe('LeaseTtls', () => {
  it('asks for each lease in use (never for 0), keeps live ones and reports a change once', async () => {
    const asked: string[] = [];
    const { ttls, changes } = tracker(async (id) => {
      asked.push(id);
      return id === '3' ? -1 : Number(id) * 10;
    });
    await ttls.refresh(['1', '2', '0', '2', '3']);
    expect(asked.sort()).toEqual(['1', '2', '3']);
    expect([ttls.get('1'), ttls.get('2'), ttls.get('3')]).toEqual([10, 20, undefined]);
    await ttls.refresh(['1', '2']);
    expect(changes).toHaveLength(1);
    await ttls.refresh(['1']);
    expect(ttls.get('2')).toBeUndefined();
    expect(changes).toHaveLength(2);
  });

  it('passes a deadline, and a failed call keeps the last value and is counted', async () => {
    let fail = false;
    const deadlines: number[] = [];
    const { ttls } = tracker(async (_id, deadline) => {
      deadlines.push(deadline.getTime() - Date.now());
      if (fail) throw new Error('deadline exceeded');
      return 40;
    });
    await ttls.refresh(['7']);
    fail = true;
    await ttls.refresh(['7']);
    expect(ttls.get('7')).toBe(40);
    expect(ttls.status()).toMatchObject({ leases: 1, failures: 1, lastError: 'deadline exceeded' });
    expect(deadlines.every((ms) => ms > 0 && ms <= 1000)).toBe(true);
  });

  it('tracks at most maxLeases and runs at most `concurrency` calls at once', async () => {
    let inFlight = 0;
    let most = 0;
    const { ttls } = tracker(
      async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
        return 60;
      },
      { maxLeases: 5, concurrency: 3 },
    );
    await ttls.refresh(Array.from({ length: 20 }, (_, i) => String(i + 1)));
    expect(ttls.status()).toMatchObject({ leases: 5, untracked: 15 });
    expect(most).toBe(3);
  });

  it('a refresh asked for during a pass runs once after it', async () => {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { ttls } = tracker(async () => {
      calls += 1;
      if (calls === 1) await gate;
      return 50;
    });
    const first = ttls.refresh(['1']);
    void ttls.refresh(['1']);
    void ttls.refresh(['1']);
    release();
    await first;
    await vi.waitFor(() => expect(calls).toBe(2));
    await ttls.refresh(['1']); // idle again: this one is the third call, so the two queued ones ran once
    expect(calls).toBe(3);
  });
});
