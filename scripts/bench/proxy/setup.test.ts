import { describe, expect, it } from 'vitest';
import { parseWrk, proxyGoals, versionLine } from './setup.ts';

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

  it('judges the goal on the median per-round ratio to nginx', () => {
    const ratio = (metric: string, median: number) => ({ pair: 'weft/nginx', metric, median });
    expect(proxyGoals([ratio('rps', 0.61), ratio('p99Ms', 2)])).toEqual([
      { text: 'weft >= 0.6x nginx rps (0.61x)', met: true },
      { text: 'weft p99 <= 2x nginx (2.00x)', met: true },
    ]);
    expect(proxyGoals([ratio('rps', 0.59), ratio('p99Ms', 2.01), { pair: 'weft/node', metric: 'rps', median: 1 }]).map((g) => g.met)).toEqual([false, false]);
    // Without nginx in the run (WEFT_BENCH_PROXY_ONLY) there is nothing to judge.
    expect(proxyGoals([{ pair: 'weft/haproxy', metric: 'rps', median: 1 }])).toEqual([]);
  });

  it('takes a peer version from stderr when stdout is empty (nginx -v)', () => {
    expect(versionLine('', 'nginx version: nginx/1.22.1\n')).toBe('nginx version: nginx/1.22.1');
    expect(versionLine('HAProxy version 2.6.12\nStatus: LTS\n', '')).toBe('HAProxy version 2.6.12');
  });
});
