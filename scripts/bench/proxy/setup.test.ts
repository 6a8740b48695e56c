import { describe, expect, it } from 'vitest';
import { median, parseWrk, summarize } from './setup.ts';

const report = `Running 10s test @ http://127.0.0.1:8080/
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.10ms  215.39us   8.23ms   90.12%
    Req/Sec    58.12k     2.10k   61.23k    80.00%
  Latency Distribution
     50%    1.07ms
     75%    1.13ms
     90%    1.25ms
     99%  950.00us
  578236 requests in 10.00s, 688.05MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 12
Requests/sec:  57821.60
Transfer/sec:     68.80MB
`;

describe('proxy benchmark arithmetic', () => {
  it('reads wrk --latency output', () => {
    expect(parseWrk(report)).toEqual({ rps: 57821.6, p99Ms: 0.95, requests: 578236, errors: 3, non2xx: 12 });
    expect(parseWrk(report.replace('950.00us', '1.20s')).p99Ms).toBe(1200);
    expect(() => parseWrk('garbage')).toThrow(/without Requests\/sec/);
  });

  it('medians and ratios, of medians and round by round', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    const round = (proxy: string, round: number, rps: number, p99Ms: number) => ({ proxy, round, rps, p99Ms, requests: 0, errors: 0, non2xx: 0 });
    const s = summarize([round('weft', 1, 60, 2), round('nginx', 1, 100, 1), round('weft', 2, 80, 4), round('nginx', 2, 100, 2)], ['weft', 'nginx']);
    expect(s.medians).toEqual({ weft: { rps: 70, p99Ms: 3 }, nginx: { rps: 100, p99Ms: 1.5 } });
    expect(s.ratios['weft/nginx']).toEqual({ rps: 0.7, p99: 2, rpsPerRound: [0.6, 0.8], p99PerRound: [2, 2] });
    expect(s.ratios['weft/haproxy']).toBeUndefined();
  });
});
