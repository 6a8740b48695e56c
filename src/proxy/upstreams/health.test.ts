import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../log.ts';
import { createProxyMetrics } from '../metrics.ts';
import type { HealthCheckSpec } from '../types.ts';
import { checkUrl, healthyStatus } from './check.ts';
import { HealthMonitor, type HealthChecker } from './health.ts';

const check: HealthCheckSpec = { path: '/health', intervalMs: 1000, timeoutMs: 200, method: 'GET', headers: {} };
const url = 'http://10.0.0.1:80';

type Answer = 'ok' | 'fail' | 'hang';

function setup(cooldownMs = 10_000): { monitor: HealthMonitor; answers: Map<string, Answer>; calls: string[]; gauge: () => Promise<number | undefined> } {
  const answers = new Map<string, Answer>();
  const calls: string[] = [];
  const checker: HealthChecker = async (target, _spec, signal) => {
    calls.push(target);
    const answer = answers.get(target) ?? 'ok';
    if (answer === 'fail') throw new Error('health check answered 500, expected 2xx or 3xx');
    if (answer === 'hang') await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
  };
  const metrics = createProxyMetrics();
  const monitor = new HealthMonitor({ checker, serverUp: metrics.serverUp, logger: silentLogger, passiveCooldownMs: cooldownMs });
  const gauge = async (): Promise<number | undefined> => (await metrics.serverUp.get()).values.find((v) => v.labels.url === url)?.value;
  return { monitor, answers, calls, gauge };
}

describe('health state', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('starts a server up, takes it out when a check fails and back when one passes', async () => {
    const { monitor, answers, gauge } = setup();
    monitor.update([{ service: 'web', url, check }]);
    const cell = monitor.cell('web', url);
    expect(cell.up).toBe(true);
    expect(await gauge()).toBe(1);
    answers.set(url, 'fail');
    await vi.advanceTimersByTimeAsync(1000);
    expect(cell.up).toBe(false);
    expect(await gauge()).toBe(0);
    expect(monitor.list()[0]).toMatchObject({ up: false, reason: 'health check answered 500, expected 2xx or 3xx' });
    answers.set(url, 'ok');
    await vi.advanceTimersByTimeAsync(1000);
    expect(cell.up).toBe(true);
    expect(await gauge()).toBe(1);
  });

  it('fails a check that does not answer within its timeout', async () => {
    const { monitor, answers } = setup();
    answers.set(url, 'hang');
    monitor.update([{ service: 'web', url, check }]);
    await vi.advanceTimersByTimeAsync(1000 + 199);
    expect(monitor.cell('web', url).up).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(monitor.list()[0]).toMatchObject({ up: false, reason: 'no answer within 200 ms' });
  });

  it('stops the checks of a removed server at once, and its metric', async () => {
    const { monitor, answers, calls, gauge } = setup();
    answers.set(url, 'hang');
    monitor.update([{ service: 'web', url, check }]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(1);
    monitor.update([]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toHaveLength(1);
    expect(monitor.list()).toEqual([]);
    expect(await gauge()).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps the state of a server that stays across an update', async () => {
    const { monitor, answers } = setup();
    answers.set(url, 'fail');
    monitor.update([{ service: 'web', url, check }]);
    await vi.advanceTimersByTimeAsync(1000);
    const cell = monitor.cell('web', url);
    monitor.update([{ service: 'web', url, check }, { service: 'web', url: 'http://10.0.0.2:80', check }]);
    expect(monitor.cell('web', url)).toBe(cell);
    expect(cell.up).toBe(false);
  });

  it('counts a server up when its check is removed (nothing could bring it back)', async () => {
    const { monitor, answers } = setup();
    answers.set(url, 'fail');
    monitor.update([{ service: 'web', url, check }]);
    await vi.advanceTimersByTimeAsync(1000);
    monitor.update([{ service: 'web', url }]);
    expect(monitor.cell('web', url).up).toBe(true);
  });

  it('takes a refusing server out for the cool-down, without active checks', async () => {
    const { monitor, gauge } = setup(10_000);
    monitor.update([{ service: 'web', url }]);
    expect(monitor.reportFailure('web', url, 'connect ECONNREFUSED')).toBe(true);
    expect(monitor.cell('web', url).up).toBe(false);
    expect(await gauge()).toBe(0);
    expect(monitor.list()[0]).toMatchObject({ up: false, reason: 'connect ECONNREFUSED' });
    await vi.advanceTimersByTimeAsync(9_999);
    expect(monitor.cell('web', url).up).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(monitor.cell('web', url).up).toBe(true);
    expect(await gauge()).toBe(1);
  });

  it('ends a cool-down early when an active check started after the failure passes', async () => {
    const { monitor } = setup(60_000);
    monitor.update([{ service: 'web', url, check }]);
    await vi.advanceTimersByTimeAsync(500);
    monitor.reportFailure('web', url, 'connect ECONNREFUSED');
    await vi.advanceTimersByTimeAsync(500);
    expect(monitor.cell('web', url).up).toBe(true);
  });

  it('keeps a server down while its active check fails, even after the cool-down', async () => {
    const { monitor, answers } = setup(1_500);
    answers.set(url, 'fail');
    monitor.update([{ service: 'web', url, check }]);
    monitor.reportFailure('web', url, 'connect ECONNREFUSED');
    await vi.advanceTimersByTimeAsync(3_000);
    expect(monitor.cell('web', url).up).toBe(false);
  });

  it('ignores failures of servers it does not know', () => {
    const { monitor } = setup();
    expect(monitor.reportFailure('web', url, 'connect ECONNREFUSED')).toBe(false);
    expect(monitor.cell('web', url).up).toBe(true);
  });
});

describe('health check request', () => {
  it.each([
    { spec: check, target: 'http://10.0.0.1:8080/health' },
    { spec: { ...check, port: 9000 }, target: 'http://10.0.0.1:9000/health' },
    { spec: { ...check, scheme: 'https' as const, path: '/ready?full=1' }, target: 'https://10.0.0.1:8080/ready?full=1' },
  ])('asks $target', ({ spec, target }) => {
    expect(checkUrl('http://10.0.0.1:8080', spec).href).toBe(target);
  });

  it('refuses a path that names another host', () => {
    expect(() => checkUrl('http://10.0.0.1:8080', { ...check, path: 'http://elsewhere/health' })).toThrow(/must be relative/);
    expect(() => checkUrl('http://10.0.0.1:8080', { ...check, path: '//elsewhere/health' })).toThrow(/must be relative/);
  });

  it.each([
    { status: 200, expected: undefined, healthy: true },
    { status: 302, expected: undefined, healthy: true },
    { status: 404, expected: undefined, healthy: false },
    { status: 199, expected: undefined, healthy: false },
    { status: 503, expected: 503, healthy: true },
    { status: 200, expected: 204, healthy: false },
  ])('status $status with expected $expected is healthy: $healthy', ({ status, expected, healthy }) => {
    expect(healthyStatus(status, expected === undefined ? check : { ...check, status: expected })).toBe(healthy);
  });
});

describe('health across worker threads', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('the checking monitor says when a result flips; a follower copies the servers down and back', async () => {
    const { monitor, answers } = setup();
    const flips: number[] = [];
    const metrics = createProxyMetrics();
    const checking = new HealthMonitor({ checker: async (target) => { if (answers.get(target) === 'fail') throw new Error('answered 500'); }, serverUp: metrics.serverUp, logger: silentLogger, onActiveChange: () => flips.push(Date.now()) });
    checking.update([{ service: 'web', url, check }]);
    monitor.update([{ service: 'web', url }]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(flips).toHaveLength(0);
    answers.set(url, 'fail');
    await vi.advanceTimersByTimeAsync(2000);
    expect(flips).toHaveLength(1);
    expect(checking.activeDown()).toEqual([{ service: 'web', url, reason: 'answered 500' }]);
    monitor.followActive(checking.activeDown());
    expect(monitor.cell('web', url).up).toBe(false);
    expect(monitor.list()[0]).toMatchObject({ up: false, reason: 'answered 500' });
    answers.delete(url);
    await vi.advanceTimersByTimeAsync(1000);
    expect(flips).toHaveLength(2);
    monitor.followActive(checking.activeDown());
    expect(monitor.cell('web', url).up).toBe(true);
    checking.close();
  });
});
