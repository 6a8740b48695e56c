// This machine's stable identity, shared by the areas that need one (the subnet area's fallback
// VTEP MAC, the overlay's persisted one): one derivation, so both agree when given the same seed.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** /etc/machine-id (or D-Bus's copy), else the host name. */
export function machineId(): string {
  for (const path of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    try {
      const id = readFileSync(path, 'utf8').trim();
      if (id !== '') return id;
    } catch {
      // try the next place
    }
  }
  return hostname();
}

/** A stable, locally administered unicast MAC from a seed (pure). */
export function deriveVtepMac(seed: string): string {
  const bytes = createHash('sha256').update(`weft-vtep:${seed}`).digest().subarray(0, 6);
  bytes[0] = ((bytes[0] ?? 0) & 0xfc) | 0x02;
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}
