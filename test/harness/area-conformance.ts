// The one suite every area passes (as Hono runs one suite against every router): the lifecycle
// contract of src/area.ts, checked from outside. Each area provides a fixture; the suite knows
// nothing of what the area does.
import { expect, it } from 'vitest';
import type { Area } from '../../src/area.ts';

export interface AreaFixture {
  /** Constructs the area (once); the fixture's helpers (etcd clients, temp dirs) exist before. */
  build(): Area;
  /** Whatever the area could touch outside the process (files, etcd revision), as JSON-able data. */
  observe(): Promise<unknown>;
  /** Whether the area becomes ready in this fixture once started. */
  readonly becomesReady: boolean;
  /** After stop resolved: did the area finish its clean-up (socket removed, rules deleted, ...)? */
  cleanedUp?(): Promise<boolean>;
  /** Makes the area's clean-up slow ('slow': ~300 ms) or never finish ('hang'), where it can. */
  slowDown?(mode: 'slow' | 'hang'): void;
  dispose(): Promise<void>;
}

export type MakeFixture = () => Promise<AreaFixture>;

/** Handles (timers, sockets, child processes) alive in this process, as a sorted multiset. */
function resources(): string[] {
  return process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').sort();
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const begun = Date.now();
  while (!check()) {
    if (Date.now() - begun > timeoutMs) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const soon = (ms: number): Date => new Date(Date.now() + ms);

export function areaConformance(make: MakeFixture): void {
  const withArea = (test: (area: Area, f: AreaFixture) => Promise<void>) => async () => {
    const fixture = await make();
    const area = fixture.build();
    try {
      await test(area, fixture);
    } finally {
      await area.stop(soon(5000)).catch(() => undefined);
      await fixture.dispose();
    }
  };
  const startReady = async (area: Area, fixture: AreaFixture, signal = new AbortController().signal): Promise<void> => {
    await area.start(signal);
    if (fixture.becomesReady) await until(`${area.name} ready`, () => area.ready());
  };

  it('constructing has no side effects: no new handle, file or etcd write; not ready', async () => {
    const fixture = await make();
    try {
      const observed = await fixture.observe();
      const before = resources();
      const area = fixture.build();
      // Synchronous: nothing else ran in between, so any new timer, socket or child is the area's.
      expect(resources()).toEqual(before);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await fixture.observe()).toEqual(observed);
      expect(area.ready()).toBe(false);
    } finally {
      await fixture.dispose();
    }
  });

  it('stop before start is safe and leaves it not ready', withArea(async (area) => {
    await area.stop(soon(2000));
    expect(area.ready()).toBe(false);
  }));

  it('is ready after start when it can be, and not ready after stop', withArea(async (area, fixture) => {
    expect(area.ready()).toBe(false);
    await startReady(area, fixture);
    await area.stop(soon(5000));
    expect(area.ready()).toBe(false);
  }));

  it('does not stop itself when the start signal aborts', withArea(async (area, fixture) => {
    const abort = new AbortController();
    await startReady(area, fixture, abort.signal);
    abort.abort();
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (fixture.becomesReady) expect(area.ready()).toBe(true);
    if (fixture.cleanedUp !== undefined) expect(await fixture.cleanedUp()).toBe(false);
  }));

  it("stop twice: the second call returns the first call's promise, settled only after the clean-up", withArea(async (area, fixture) => {
    const abort = new AbortController();
    await startReady(area, fixture, abort.signal);
    fixture.slowDown?.('slow');
    // The daemon aborts the start signal first, then stops in order: the stop must still wait.
    abort.abort();
    const first = area.stop(soon(5000));
    const second = area.stop(soon(5000));
    expect(second).toBe(first);
    await second;
    if (fixture.cleanedUp !== undefined) expect(await fixture.cleanedUp()).toBe(true);
  }));

  it('stop honours its deadline even when the clean-up hangs', withArea(async (area, fixture) => {
    await startReady(area, fixture);
    fixture.slowDown?.('hang');
    const begun = Date.now();
    const outcome = await Promise.race([
      area.stop(soon(300)).then(() => 'resolved', () => 'rejected'),
      new Promise((resolve) => setTimeout(() => resolve('still running'), 2300)),
    ]);
    expect(outcome).not.toBe('still running');
    expect(Date.now() - begun).toBeLessThan(2300);
    expect(area.ready()).toBe(false);
  }));
}
