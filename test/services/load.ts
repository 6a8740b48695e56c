// The load generator of the services tests, run inside a namespace: requests to URL with a Host
// header, one after another on keep-alive connections (CONCURRENCY of them), for COUNT requests or
// until SECONDS passed; prints one JSON object: every request's [start ms epoch, end ms, status or
// -1, body or error].
// Usage: node load.ts URL HOST (--count N | --seconds S) [--concurrency C] [--timeout MS]
import { Agent, request } from 'node:http';

const [url = '', host = '', ...rest] = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = rest.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(rest[at + 1]);
};
const count = flag('count', Number.POSITIVE_INFINITY);
const until = Date.now() + flag('seconds', 3600) * 1000;
const concurrency = flag('concurrency', 2);
const timeoutMs = flag('timeout', 10_000);
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const results: [number, number, number, string][] = [];
let started = 0;

function once(): Promise<void> {
  const begun = Date.now();
  return new Promise((resolve) => {
    const req = request(url, { agent, headers: { host }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        results.push([begun, Date.now(), res.statusCode ?? 0, body]);
        resolve();
      });
      res.on('error', (error) => {
        results.push([begun, Date.now(), -1, error.message]);
        resolve();
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', (error) => {
      results.push([begun, Date.now(), -1, error.message]);
      resolve();
    });
    req.end();
  });
}

async function worker(): Promise<void> {
  while (started < count && Date.now() < until) {
    started++;
    await once();
  }
}

await Promise.all(Array.from({ length: concurrency }, () => worker()));
agent.destroy();
process.stdout.write(`${JSON.stringify({ results })}\n`);
