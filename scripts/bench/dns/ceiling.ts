// The runtime's ceiling for the DNS benchmark: the least a Node UDP DNS server can do. One dgram
// socket; each query is echoed with QR (and RA) set, ANCOUNT 1 and a fixed A record appended that
// points at the question (0xc00c), so dnsperf counts a valid NOERROR answer. It parses nothing: no
// question, no EDNS, no zone, no metrics. weft's share of this figure is what weft costs per query
// beyond Node's own socket path.
// usage: node scripts/bench/dns/ceiling.ts PORT
import { createSocket } from 'node:dgram';

const port = Number(process.argv[2] ?? 0);
// Owner: pointer to the question name; A IN, TTL 300, 4 bytes: 10.0.0.1.
const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, 10, 0, 0, 1]);

// Sends to the peer's address literal without dns.lookup's deferred step, as weft's server does
// (src/dns/server.ts), so both pay the same socket path.
const socket = createSocket({ type: 'udp4', lookup: (address, _options, callback) => callback(null, address, 4) });
socket.on('message', (query, rinfo) => {
  if (query.length < 12) return;
  const out = Buffer.allocUnsafe(query.length + answer.length);
  query.copy(out);
  answer.copy(out, query.length);
  out[2] = (query[2] ?? 0) | 0x80;
  out[3] = 0x80;
  out[6] = 0;
  out[7] = 1;
  socket.send(out, rinfo.port, rinfo.address);
});
socket.bind(port, '127.0.0.1');
process.once('SIGTERM', () => socket.close());
