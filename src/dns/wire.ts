// DNS wire format (RFC 1035 §4): a strict, allocation-light query parser for the front door, and a
// writer with name compression (RFC 1035 §4.1.4) for everything we send. Pure.

export const Rcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16 } as const;
export const Type = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, HINFO: 13, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, IXFR: 251, AXFR: 252, ANY: 255,
} as const;
export const CLASS_IN = 1;

// The query types CoreDNS's metrics name (plugin/metrics/vars); any other type is 'other'.
const typeNames = new Map<number, string>([
  ...Object.entries(Type).filter(([name]) => name !== 'OPT' && name !== 'HINFO').map(([name, code]): [number, string] => [code, name]),
  [43, 'DS'], [46, 'RRSIG'], [47, 'NSEC'], [48, 'DNSKEY'], [50, 'NSEC3'], [64, 'SVCB'], [65, 'HTTPS'],
]);
/** A metric label for a query type: a bounded set of mnemonics, else 'other' (a client picks the type). */
export function typeName(type: number): string {
  return typeNames.get(type) ?? 'other';
}

export interface Edns {
  readonly udpSize: number;
  readonly version: number;
  readonly dnssecOk: boolean;
}

export interface Query {
  readonly id: number;
  /** Header bytes 2 and 3 as sent (opcode, RD, CD …). */
  readonly flags: number;
  readonly opcode: number;
  /** Lower-cased wire name (length-prefixed labels) as latin1. */
  readonly nameKey: string;
  /** The cache key of the name: `nameKey`, or the exact wire name when it has upper case (see cache.ts). */
  readonly caseKey: string;
  /** Presentation form, lower-case, no trailing dot ('' for the root). */
  readonly name: string;
  readonly type: number;
  readonly class: number;
  /** Offset just past the question (12 + name + 4). */
  readonly questionEnd: number;
  readonly edns: Edns | undefined;
}

export type ParseResult = { ok: true; query: Query } | { ok: false; rcode: number; reason: string };

const scratch = Buffer.alloc(256);

function escapeLabelByte(byte: number): string {
  if ((byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x2d || byte === 0x5f || byte === 0x2a) {
    return String.fromCharCode(byte);
  }
  return `\\${byte.toString().padStart(3, '0')}`;
}

/** Lower-case presentation form of a lower-cased wire name held in `wire[0..length)`. */
function presentation(wire: Buffer, length: number): string {
  const labels: string[] = [];
  let i = 0;
  while (i < length) {
    const len = wire[i] ?? 0;
    if (len === 0) break;
    let label = '';
    for (let j = i + 1; j <= i + len; j++) label += escapeLabelByte(wire[j] ?? 0);
    labels.push(label);
    i += len + 1;
  }
  return labels.join('.');
}

/** Skips a possibly compressed name; returns the offset after it, or -1 when malformed. */
export function skipName(buf: Buffer, offset: number): number {
  let i = offset;
  for (let guard = 0; guard < 128; guard++) {
    if (i >= buf.length) return -1;
    const len = buf[i] ?? 0;
    if (len === 0) return i + 1;
    if ((len & 0xc0) === 0xc0) return i + 2 <= buf.length ? i + 2 : -1;
    if ((len & 0xc0) !== 0) return -1;
    i += len + 1;
  }
  return -1;
}

function fail(rcode: number, reason: string): ParseResult {
  return { ok: false, rcode, reason };
}

/**
 * Parses a query strictly. The caller has checked length >= 12 and QR = 0. Names in the question
 * must be uncompressed (a pointer could only point backwards into the header).
 */
export function parseQuery(buf: Buffer): ParseResult {
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  const opcode = (flags >> 11) & 0x0f;
  if (opcode !== 0) return fail(Rcode.NOTIMP, 'opcode');
  const qdcount = buf.readUInt16BE(4);
  if (qdcount !== 1) return fail(Rcode.FORMERR, 'qdcount');
  let i = 12;
  let w = 0;
  let upper = false;
  for (;;) {
    if (i >= buf.length) return fail(Rcode.FORMERR, 'name');
    const len = buf[i] ?? 0;
    if (len > 63) return fail(Rcode.FORMERR, 'label');
    if (w + len + 1 > 255) return fail(Rcode.FORMERR, 'name length');
    scratch[w++] = len;
    i++;
    if (len === 0) break;
    if (i + len > buf.length) return fail(Rcode.FORMERR, 'name');
    for (let j = 0; j < len; j++) {
      const byte = buf[i + j] ?? 0;
      const isUpper = byte >= 0x41 && byte <= 0x5a;
      upper ||= isUpper;
      scratch[w++] = isUpper ? byte + 32 : byte;
    }
    i += len;
  }
  if (i + 4 > buf.length) return fail(Rcode.FORMERR, 'question');
  const type = buf.readUInt16BE(i);
  const qclass = buf.readUInt16BE(i + 2);
  const questionEnd = i + 4;
  const nameKey = scratch.toString('latin1', 0, w);
  const caseKey = upper ? buf.toString('latin1', 12, 12 + w) : nameKey;
  const name = presentation(scratch, w);
  let edns: Edns | undefined;
  const skip = buf.readUInt16BE(6) + buf.readUInt16BE(8);
  const arcount = buf.readUInt16BE(10);
  let o = questionEnd;
  for (let r = 0; r < skip + arcount; r++) {
    o = skipName(buf, o);
    if (o < 0 || o + 10 > buf.length) return fail(Rcode.FORMERR, 'record');
    const rtype = buf.readUInt16BE(o);
    const rdlength = buf.readUInt16BE(o + 8);
    if (o + 10 + rdlength > buf.length) return fail(Rcode.FORMERR, 'rdata');
    if (r >= skip && rtype === Type.OPT) {
      if (edns !== undefined) return fail(Rcode.FORMERR, 'two OPT records');
      if (buf[o - 1] !== 0 || o - 1 < questionEnd || skipName(buf, o - 1) !== o) return fail(Rcode.FORMERR, 'OPT owner');
      edns = { udpSize: Math.max(512, buf.readUInt16BE(o + 2)), version: buf[o + 5] ?? 0, dnssecOk: ((buf[o + 6] ?? 0) & 0x80) !== 0 };
    }
    o += 10 + rdlength;
  }
  return { ok: true, query: { id, flags, opcode, nameKey, caseKey, name, type, class: qclass, questionEnd, edns } };
}

/** Writes DNS messages; names are compressed unless asked not to (RFC 3597 §4: only RFC 1035 types). */
export class Writer {
  buf: Buffer;
  pos = 0;
  readonly #names = new Map<string, number>();

  constructor(size = 512) {
    this.buf = Buffer.allocUnsafe(size);
  }

  #room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.#room(1);
    this.buf[this.pos++] = v & 0xff;
  }

  u16(v: number): void {
    this.#room(2);
    this.buf.writeUInt16BE(v & 0xffff, this.pos);
    this.pos += 2;
  }

  u32(v: number): void {
    this.#room(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }

  bytes(b: Uint8Array): void {
    this.#room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /**
   * Writes a presentation-form name (no trailing dot, '' = root), compressed onto an earlier name
   * with the same spelling: pointing at a differently-cased suffix would change the name's case.
   */
  name(name: string, compress = true): void {
    const labels = name === '' ? [] : splitLabels(name);
    for (let i = 0; i < labels.length; i++) {
      const suffix = i === 0 ? name : labels.slice(i).join('.');
      const at = this.#names.get(suffix);
      if (compress && at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (this.pos < 0x3fff && at === undefined) this.#names.set(suffix, this.pos);
      const bytes = labelBytes(labels[i] ?? '');
      this.u8(bytes.length);
      this.bytes(bytes);
    }
    this.u8(0);
  }

  /** Makes `name` compress onto `offset` (the question, whatever the client's spelling of it). */
  alias(name: string, offset: number): void {
    this.#names.set(name, offset);
  }

  /** Copies a wire name verbatim (the client's spelling); with `remember`, its suffixes serve compression. */
  rawName(wire: Buffer, start: number, remember = true): void {
    const labels: string[] = [];
    const starts: number[] = [];
    let i = start;
    for (;;) {
      const len = wire[i] ?? 0;
      if (len === 0) break;
      let label = '';
      for (let j = i + 1; j <= i + len; j++) {
        label += escapeLabelByte(wire[j] ?? 0);
      }
      labels.push(label);
      starts.push(i - start);
      i += len + 1;
    }
    for (let k = 0; remember && k < labels.length; k++) {
      const key = labels.slice(k).join('.');
      const offset = this.pos + (starts[k] ?? 0);
      if (offset < 0x3fff && !this.#names.has(key)) this.#names.set(key, offset);
    }
    this.bytes(wire.subarray(start, i + 1));
  }

  /** Reserves a 16-bit length and returns a function that fills it in with the bytes written since. */
  lengthMark(): () => void {
    const at = this.pos;
    this.u16(0);
    return () => this.buf.writeUInt16BE(this.pos - at - 2, at);
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

/** Splits a presentation name into labels, honouring `\.` and `\DDD` escapes. */
export function splitLabels(name: string): string[] {
  if (!name.includes('\\')) return name.split('.');
  const labels: string[] = [];
  let current = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === '\\') {
      const digits = name.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(digits)) {
        current += `\\${digits}`;
        i += 3;
      } else {
        current += `\\${name[i + 1] ?? ''}`;
        i += 1;
      }
    } else if (c === '.') {
      labels.push(current);
      current = '';
    } else current += c;
  }
  labels.push(current);
  return labels;
}

function labelBytes(label: string): Buffer {
  if (!label.includes('\\')) return Buffer.from(label, 'latin1');
  const out: number[] = [];
  for (let i = 0; i < label.length; i++) {
    if (label[i] === '\\') {
      const digits = label.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(digits)) {
        out.push(Number(digits) & 0xff);
        i += 3;
      } else {
        out.push(label.charCodeAt(i + 1) & 0xff);
        i += 1;
      }
    } else out.push(label.charCodeAt(i) & 0xff);
  }
  return Buffer.from(out);
}

/** True when `name` is a valid host name for our zone data: labels 1..63 bytes, at most 253 chars. */
export function isValidName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  return name.split('.').every((label) => label.length >= 1 && label.length <= 63 && /^[a-z0-9_*-]+$/i.test(label));
}
