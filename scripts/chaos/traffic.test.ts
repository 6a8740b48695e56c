import { describe, expect, it } from 'vitest';
import { describeSeen, pingLoss, type Seen } from './traffic.ts';

const reply = (seq: number): string => `64 bytes from 10.5.2.11: icmp_seq=${seq} ttl=63 time=0.1 ms\n`;

describe('what users saw', () => {
  it('counts a ping lost when a later one was answered, not the one still in flight', () => {
    expect(pingLoss([1, 2, 3, 4].map(reply).join(''))).toEqual({ sent: 4, lost: 0 });
    expect(pingLoss([1, 2, 5].map(reply).join(''))).toEqual({ sent: 5, lost: 2 });
    expect(pingLoss('PING 10.5.2.11 56(84) bytes of data.\n')).toEqual({ sent: 0, lost: 0 });
  });

  it('is clean only with traffic of every kind and no failure of any', () => {
    const ok: Seen = { pings: { sent: 10, lost: 0 }, dns: { queries: 5, servfail: 0, timeouts: 0, other: 0 }, http: { requests: 7, failed: 0 }, confd: { changes: 3, missed: 0, slowestMs: 40 }, failures: [] };
    expect(describeSeen(ok)).toEqual({ clean: true, figures: ['0 / 10 pings lost', '0 SERVFAIL, 0 timeouts, 0 other / 5 DNS queries', '0 / 7 proxy requests failed', 'confd watch: 3 / 3 changes rendered, slowest 40 ms after the write'] });
    expect(describeSeen({ ...ok, confd: { changes: 3, missed: 1, slowestMs: 40 } }).clean).toBe(false);
    expect(describeSeen({ ...ok, pings: { sent: 10, lost: 1 } }).clean).toBe(false);
    expect(describeSeen({ ...ok, dns: { ...ok.dns, timeouts: 1 } }).clean).toBe(false);
    expect(describeSeen({ ...ok, http: { requests: 7, failed: 1 } }).clean).toBe(false);
    expect(describeSeen({ ...ok, http: { requests: 0, failed: 0 } }).clean).toBe(false);
  });
});
