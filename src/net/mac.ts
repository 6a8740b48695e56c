// 48-bit Ethernet addresses, written lower-case with colons as flannel's VtepMAC is.

const mac48 = /^([0-9a-f]{2})([:-])([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})$/i;

/**
 * "AA:BB:CC:DD:EE:FF" or "aa-bb-cc-dd-ee-ff" -> "aa:bb:cc:dd:ee:ff": the 48-bit forms Go's
 * net.ParseMAC reads (two hex digits per octet, one separator throughout); undefined otherwise.
 */
export function normalizeMac(text: string): string | undefined {
  const m = mac48.exec(text);
  if (m === null) return undefined;
  return `${m[1]}:${m[3]}:${m[4]}:${m[5]}:${m[6]}:${m[7]}`.toLowerCase();
}

/** Neither multicast/broadcast (low bit of the first octet) nor all zeros: what a VTEP may be. */
export function isUnicastMac(mac: string): boolean {
  const first = Number.parseInt(mac.slice(0, 2), 16);
  return (first & 1) === 0 && mac !== '00:00:00:00:00:00';
}

export function macToBytes(mac: string): Buffer {
  return Buffer.from(mac.split(':').map((p) => Number.parseInt(p, 16)));
}

export function bytesToMac(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}
