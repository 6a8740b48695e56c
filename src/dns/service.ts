// One SkyDNS value (CoreDNS plugin/etcd/msg.Service) decoded as CoreDNS's Go code decodes it. Pure.
import { GoJsonError, goParse, goStruct, ipFamily, type GoStruct } from '../net/index.ts';
import { isValidName } from './wire.ts';

/** One SkyDNS value (CoreDNS plugin/etcd/msg.Service); unknown JSON fields are ignored. */
export interface Service {
  readonly host: string;
  readonly port: number;
  readonly priority: number;
  readonly weight: number;
  readonly text: string;
  readonly mail: boolean;
  /** 0 when the value sets none (the resolver applies the default). */
  readonly ttl: number;
  readonly targetstrip: number;
  readonly group: string;
  /** The etcd key, and the DNS name it stands for. */
  readonly key: string;
  readonly name: string;
  /** etcd lease ID ('0' when none). */
  readonly lease: string;
}

export interface ZoneItem {
  readonly key: string;
  readonly value: string;
  readonly lease?: string;
}

/** CoreDNS's msg.Service as encoding/json fills it: field names match case-insensitively, types are Go's. */
const serviceShape = {
  host: 'string', port: 'int', priority: 'int', weight: 'int', text: 'string', mail: 'bool', ttl: 'uint32', targetstrip: 'int', group: 'string',
} as const;

/** Longest `text` (UTF-8 bytes) a value may hold: a TXT answer has to fit a 64 KiB DNS message. */
export const maxTextBytes = 16_384;

function inRange(value: number, min: number, max: number, field: string): string | undefined {
  return value >= min && value <= max ? undefined : `${field} ${value} is out of range (${min} to ${max})`;
}

/**
 * Parses a SkyDNS JSON value as CoreDNS's json.Unmarshal into msg.Service does; returns why not when
 * CoreDNS would fail to decode it (not JSON, a field of the wrong type), or weft cannot answer it
 * (a host that is neither an IP nor a name, text over 16 KiB, a port or priority beyond 16 bits,
 * which CoreDNS would wrap around).
 */
export function parseService(key: string, name: string, value: string, lease = '0'): Service | string {
  let v: GoStruct<typeof serviceShape>;
  try {
    v = goStruct(goParse(value), serviceShape, 'value');
  } catch (error) {
    return error instanceof GoJsonError ? error.message : `not JSON (${(error as Error).message})`;
  }
  const host = (v.host ?? '').replace(/\.$/, '').toLowerCase();
  if (host !== '' && ipFamily(host) === 0 && !isValidName(host)) return `host ${JSON.stringify(v.host)} is neither an IP address nor a domain name`;
  const text = v.text ?? '';
  if (Buffer.byteLength(text, 'utf8') > maxTextBytes) return `text is longer than ${maxTextBytes} bytes`;
  const [port, priority, weight] = [v.port ?? 0, v.priority ?? 0, v.weight ?? 0];
  const bad = inRange(port, -1, 65535, 'port') ?? inRange(priority, 0, 65535, 'priority') ?? inRange(weight, 0, 65535, 'weight');
  if (bad !== undefined) return bad;
  return { host, port, priority, weight, text, mail: v.mail ?? false, ttl: v.ttl ?? 0, targetstrip: v.targetstrip ?? 0, group: v.group ?? '', key, name, lease };
}
