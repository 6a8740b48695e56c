// What the server's and the forwarder's UDP sockets share: dgram's address lookup for the
// addresses we send to, which are always address literals (a client's rinfo.address, a configured
// upstream), so nothing is resolved. The default (dns.lookup) answers a literal on the next tick
// after a regex check: a deferred step per packet on the hot path. This answers at once, as dgram
// itself does for a connected socket.
import type { SocketOptions } from 'node:dgram';

export function literalLookup(family: 4 | 6): NonNullable<SocketOptions['lookup']> {
  return (address, _options, callback) => callback(null, address, family);
}
