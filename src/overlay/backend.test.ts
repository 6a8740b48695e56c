import { describe, expect, it } from 'vitest';
import { isOwnedRoute, type ReadScope } from './backend.ts';

const scope: ReadScope = { device: 'weft.1', underlay: 'eth0', network: '10.5.0.0/16', ownSubnet: '10.5.1.0/24', directRouting: false };
const route = (dst: string, dev: string, gateway = '10.5.2.0') => ({ dst, gateway, dev, onlink: dev === 'weft.1' });

describe('isOwnedRoute: what the kernel reader reports (and diff may remove)', () => {
  const cases: [string, ReturnType<typeof route>, boolean, Partial<ReadScope>?][] = [
    ['a peer route via our device', route('10.5.2.0/24', 'weft.1'), true],
    ['a default route via our device (a hostile lease 0.0.0.0-0)', route('0.0.0.0/0', 'weft.1'), true],
    ['a route outside the network via our device', route('192.0.2.0/24', 'weft.1', ''), true],
    ['our own subnet via our device', route('10.5.1.0/24', 'weft.1'), true],
    ['the default route via the underlay', route('0.0.0.0/0', 'eth0', '10.0.0.254'), false],
    ['a route into the network via another device', route('10.5.2.0/24', 'eth1'), false],
    ['a gateway route into the network via the underlay without DirectRouting', route('10.5.2.0/24', 'eth0', '10.0.0.2'), false],
    ['a gateway route into the network via the underlay with DirectRouting', route('10.5.2.0/24', 'eth0', '10.0.0.2'), true, { directRouting: true }],
    ['our own subnet via the underlay with DirectRouting', route('10.5.1.0/24', 'eth0', '10.0.0.2'), false, { directRouting: true }],
    ['a route outside the network via the underlay with DirectRouting', route('0.0.0.0/0', 'eth0', '10.0.0.254'), false, { directRouting: true }],
    ['the connected underlay route with DirectRouting', route('10.0.0.0/24', 'eth0', ''), false, { directRouting: true }],
  ];
  it.each(cases)('%s -> %s', (_name, r, owned, over = {}) => {
    expect(isOwnedRoute({ ...scope, ...over }, r)).toBe(owned);
  });
});
