// A container's HTTP server for the services tests: answers every path with its own name (and
// /healthz with "ok"), so the load generator can tell which server the proxy chose.
// Usage: node name-server.ts NAME PORT [ADDRESS]
import { createServer } from 'node:http';

const [name = 'unnamed', port = '8080', address = '0.0.0.0'] = process.argv.slice(2);
const server = createServer((request, response) => {
  request.resume();
  response.setHeader('content-type', 'text/plain');
  response.end(request.url === '/healthz' ? 'ok' : name);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), address, () => process.stdout.write(`listening ${name} ${address}:${port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
