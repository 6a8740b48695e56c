// With the demo kept up: the status page at http://127.0.0.1:9180/ on this machine. The admin
// listener is on host 1's underlay address, inside host 1's namespace, out of the root
// namespace's reach; a relay started in that namespace listens on a unix socket (a file, so it
// crosses namespaces) and this process forwards 127.0.0.1:9180 to it. Only the read-only listener
// is relayed, never the admin socket with its write API.
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import type { Demo } from './world.ts';

const inNamespace = `const net = require('node:net');
const [socket, host, port] = process.argv.slice(1);
net.createServer((client) => {
  const upstream = net.connect(Number(port), host);
  client.pipe(upstream).pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
}).listen(socket, () => process.stdout.write('listening\\n'));`;

/** Relays `local` (127.0.0.1:PORT) to `target` (host 1's admin listener); resolves to an error text if it cannot. */
export async function relayStatusPage(demo: Demo, target: string, localPort: number): Promise<string | undefined> {
  const socket = join(demo.confdir, '..', 'status-page.sock');
  const [host, port] = target.split(':') as [string, string];
  const child = demo.cni.bed.spawn(demo.cni.bed.host(1).ns, process.execPath, ['-e', inNamespace, socket, host, port]);
  const up = await new Promise<boolean>((resolve) => {
    child.stdout?.setEncoding('utf8').once('data', () => resolve(true));
    child.once('exit', () => resolve(false));
  });
  if (!up) return 'the relay in host 1\'s namespace did not start';
  const server = createServer((client) => {
    const upstream = connect(socket);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  return new Promise((resolve) => {
    server.once('error', (error) => resolve(`127.0.0.1:${localPort}: ${error.message}`));
    server.listen(localPort, '127.0.0.1', () => resolve(undefined));
  });
}
