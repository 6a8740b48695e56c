import { describe, expect, it } from 'vitest';
import { checkVtepMAC, deriveVtepMAC, overlayMtu } from './host.ts';

describe('VTEP MAC and MTU', () => {
  it('derives a stable, locally administered unicast MAC', () => {
    const mac = deriveVtepMAC('0123456789abcdef');
    expect(mac).toBe(deriveVtepMAC('0123456789abcdef'));
    expect(mac).not.toBe(deriveVtepMAC('fedcba9876543210'));
    expect(mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(Number.parseInt(mac.slice(0, 2), 16) & 0x03).toBe(0x02);
    expect(checkVtepMAC(mac)).toBe(mac);
  });

  it.each(['01:00:5e:00:00:01', '00:00:00:00:00:00', 'nope'])('rejects %s as a VTEP MAC', (mac) => {
    expect(() => checkVtepMAC(mac)).toThrow(/not a unicast MAC/);
  });

  it.each([
    [0, 0, 1500, 1450],
    [0, 0, 9000, 8950],
    [0, 0, undefined, 1450],
    // Backend.MTU is the underlay MTU, as in flannel ≥ v0.21.3: the device gets 50 less.
    [0, 1500, 9000, 1450],
    [0, 9000, 1500, 8950],
    [1300, 1400, 9000, 1300],
  ])('host %i, backend %i, underlay %s -> MTU %i', (host, backend, underlay, expected) => {
    expect(overlayMtu(host, backend, underlay)).toBe(expected);
  });
});
