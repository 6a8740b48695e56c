// Users of one host, run inside its network namespace by traffic.ts: DNS queries for a zone name
// (UDP, every INTERVAL ms, 1 s timeout) and HTTP requests through the proxy (one after another on
// a keep-alive connection), until SIGTERM; then prints one JSON line of counts and the first few
// failures with their time.
// Usage: node probe.ts DNS_SERVER NAME PROXY_URL HOST_HEADER [INTERVAL_MS]
import { createSocket } from 'node:dgram';
import { Agent, request } from 'node:http';
import dnsPacket from 'dns-packet';

const [dnsServer = '127.0.0.1', name = '', proxyUrl = '', hostHeader = '', interval = '50'] = process.argv.slice(2);
const counts = { dnsQueries: 0, dnsOk: 0, dnsServfail: 0, dnsOther: 0, dnsTimeouts: 0, httpRequests: 0, httpOk: 0, httpFailed: 0 };
const failures: string[] = [];
const fail = (what: string): void => void (failures.length < 10 && failures.push(`${new Date().toISOString()} ${what}`));
let running = true;

const socket = createSocket('udp4');
const pending = new Map<number, NodeJS.Timeout>();
let nextId = 1;
socket.on('message', (reply) => {
  const packet = dnsPacket.decode(reply);
  const timer = pending.get(packet.id ?? -1);
  if (timer === undefined) return;
  clearTimeout(timer);
  pending.delete(packet.id ?? -1);
  const rcode = (packet as { rcode?: string }).rcode;
  if (rcode === 'NOERROR' && (packet.answers ?? []).length > 0) {
    counts.dnsOk++;
  } else if (rcode === 'SERVFAIL') {
    counts.dnsServfail++;
    fail('dns SERVFAIL');
  } else {
    counts.dnsOther++;
    fail(`dns ${rcode ?? '?'} with ${(packet.answers ?? []).length} answers`);
  }
});
const dnsTimer = setInterval(() => {
  const id = nextId++ & 0xffff;
  counts.dnsQueries++;
  const timeout = setTimeout(() => {
    pending.delete(id);
    counts.dnsTimeouts++;
    fail('dns timeout');
  }, 1000);
  pending.set(id, timeout);
  socket.send(dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] }), 53, dnsServer);
}, Number(interval));

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function once(): Promise<void> {
  return new Promise((resolve) => {
    counts.httpRequests++;
    const req = request(proxyUrl, { agent, headers: { host: hostHeader }, timeout: 5000 }, (res) => {
      res.resume().on('end', () => {
        if (res.statusCode === 200) {
          counts.httpOk++;
        } else {
          counts.httpFailed++;
          fail(`http ${res.statusCode}`);
        }
        resolve();
      });
    });
    req.on('timeout', () => req.destroy(new Error('no answer in 5 s')));
    req.on('error', (error) => {
      counts.httpFailed++;
      fail(`http ${error.message}`);
      resolve();
    });
    req.end();
  });
}
const http = (async () => {
  while (running) {
    await once();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
})();

process.on('SIGTERM', () => {
  running = false;
  clearInterval(dnsTimer);
  void http.then(() => {
    // Queries still in flight get their chance to be answered (or time out) before the count.
    setTimeout(() => {
      process.stdout.write(`${JSON.stringify({ ...counts, failures })}\n`);
      process.exit(0);
    }, 1100);
  });
});
process.stdout.write('probing\n');
