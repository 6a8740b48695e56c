// The runtime's ceiling for the proxy benchmark: the least a Node reverse proxy can do — node:http
// in, one undici Pool out, the body streamed back — with no routing, headers policy, health,
// metrics or logging. weft's share of this figure says how much of the gap to nginx is weft's.
// usage: node scripts/bench/proxy/node-floor.ts LISTEN_PORT BACKEND_PORT
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [listenPort = '0', backendPort = '0'] = process.argv.slice(2);
const pool = new Pool(`http://127.0.0.1:${backendPort}`, { pipelining: 1 });

const server = createServer((req, res) => {
  pool.request({ method: 'GET', path: req.url ?? '/', headers: { host: req.headers.host ?? '' } }).then(
    ({ statusCode, headers, body }) => {
      res.writeHead(statusCode, { 'content-type': String(headers['content-type'] ?? 'text/html'), 'content-length': String(headers['content-length'] ?? '') });
      body.pipe(res);
    },
    () => {
      res.writeHead(502).end();
    },
  );
});
server.keepAliveTimeout = 180_000;
server.listen(Number(listenPort), '127.0.0.1');
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close();
  void pool.close();
});
