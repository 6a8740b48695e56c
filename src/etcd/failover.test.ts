import { GRPCDeadlineExceededError, GRPCInvalidArgumentError, type CallContext } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { callDeadlines, countingRetry } from './failover.ts';

const unary: CallContext = { service: 'KV', method: 'put', params: { key: Buffer.from('k') }, isStream: false };
const stream: CallContext = { service: 'Watch', method: 'watch', isStream: true };
const deadlineIn = (options: { deadline?: unknown }): number => Number(options.deadline) - Date.now();

describe('callDeadlines', () => {
  const several = callDeadlines({ dialTimeoutMs: 5000, failoverTimeoutMs: 2000, endpoints: 3 });

  it('gives a unary call\'s tries failover_timeout while untried members remain, then dial_timeout', async () => {
    const seen: number[] = [];
    await countingRetry().execute(async () => {
      await Promise.resolve(); // the library resolves call options after an await
      seen.push(deadlineIn(several(unary)));
      if (seen.length < 4) throw new GRPCDeadlineExceededError('4 DEADLINE_EXCEEDED');
    });
    expect(seen).toHaveLength(4);
    for (const ms of seen.slice(0, 2)) {
      expect(ms).toBeGreaterThan(1900);
      expect(ms).toBeLessThanOrEqual(2000);
    }
    for (const ms of seen.slice(2)) expect(ms).toBeGreaterThan(4900);
  });

  it('uses the short deadline outside the retry (authentication) and never sets one on streams', () => {
    expect(deadlineIn(several(unary))).toBeLessThanOrEqual(2000);
    expect(several(stream)).toEqual({});
  });

  it('keeps dial_timeout on every try with one endpoint, and never goes above dial_timeout', async () => {
    expect(deadlineIn(callDeadlines({ dialTimeoutMs: 5000, failoverTimeoutMs: 2000, endpoints: 1 })(unary))).toBeGreaterThan(4900);
    const two = callDeadlines({ dialTimeoutMs: 5000, failoverTimeoutMs: 2000, endpoints: 2 });
    const seen: number[] = [];
    await countingRetry().execute(async () => {
      await Promise.resolve();
      seen.push(deadlineIn(two(unary)));
      if (seen.length < 2) throw new GRPCDeadlineExceededError('4 DEADLINE_EXCEEDED');
    });
    expect(seen[0]).toBeLessThanOrEqual(2000);
    expect(seen[1]).toBeGreaterThan(4900);
    expect(deadlineIn(callDeadlines({ dialTimeoutMs: 1000, failoverTimeoutMs: 2000, endpoints: 3 })(unary))).toBeLessThanOrEqual(1000);
  });
});

describe('countingRetry', () => {
  it('retries recoverable errors 3 times, as the library does, and not the others', async () => {
    let tries = 0;
    await expect(countingRetry().execute(() => {
      tries++;
      throw new GRPCDeadlineExceededError('4 DEADLINE_EXCEEDED');
    })).rejects.toThrow('DEADLINE_EXCEEDED');
    expect(tries).toBe(4);
    tries = 0;
    await expect(countingRetry().execute(() => {
      tries++;
      throw new GRPCInvalidArgumentError('3 INVALID_ARGUMENT');
    })).rejects.toThrow('INVALID_ARGUMENT');
    expect(tries).toBe(1);
  });
});
