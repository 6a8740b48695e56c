// Resource records as the resolver produces them, and their encoding into a response with name
// compression, EDNS0 (RFC 6891) and truncation (RFC 1035 §4.2.1, RFC 2181 §9). Pure.
import { ipBytes } from '../net/index.ts';
import { CLASS_IN, Type, Writer, type Query } from './wire.ts';

export type RecordData =
  | { readonly type: 'A' | 'AAAA'; readonly address: string }
  | { readonly type: 'CNAME' | 'PTR' | 'NS'; readonly target: string }
  | { readonly type: 'MX'; readonly preference: number; readonly exchange: string }
  | { readonly type: 'SRV'; readonly priority: number; readonly weight: number; readonly port: number; readonly target: string }
  /** Character-strings as latin1 strings of their bytes (at most 255 each). */
  | { readonly type: 'TXT'; readonly text: readonly string[] }
  | { readonly type: 'HINFO'; readonly cpu: string; readonly os: string }
  | {
      readonly type: 'SOA';
      readonly mname: string;
      readonly rname: string;
      readonly serial: number;
      readonly refresh: number;
      readonly retry: number;
      readonly expire: number;
      readonly minimum: number;
    };

export type ResourceRecord = RecordData & { readonly name: string; readonly ttl: number };

export interface Response {
  readonly rcode: number;
  readonly authoritative: boolean;
  readonly answer: readonly ResourceRecord[];
  readonly authority: readonly ResourceRecord[];
  readonly additional: readonly ResourceRecord[];
}

export interface EncodeOptions {
  /** Set RA: the client may recurse through us. */
  readonly recursionAvailable: boolean;
  /** Our EDNS buffer size, advertised in the OPT record when the query had one. */
  readonly ednsBuffer: number;
}

/** The 16 bytes of an IPv6 address or the 4 of an IPv4 one (IPv4-mapped included); empty if neither. */
export function addressBytes(address: string): Buffer {
  return ipBytes(address) ?? Buffer.alloc(0);
}

function characterString(w: Writer, text: string): void {
  const bytes = Buffer.from(text, 'latin1').subarray(0, 255);
  w.u8(bytes.length);
  w.bytes(bytes);
}

export function writeRecord(w: Writer, rr: ResourceRecord): void {
  w.name(rr.name);
  w.u16(Type[rr.type]);
  w.u16(CLASS_IN);
  w.u32(rr.ttl);
  const done = w.lengthMark();
  switch (rr.type) {
    case 'A':
    case 'AAAA':
      w.bytes(addressBytes(rr.address));
      break;
    case 'CNAME':
    case 'PTR':
    case 'NS':
      w.name(rr.target);
      break;
    case 'MX':
      w.u16(rr.preference);
      w.name(rr.exchange);
      break;
    case 'SRV':
      w.u16(rr.priority);
      w.u16(rr.weight);
      w.u16(rr.port);
      w.name(rr.target, false); // RFC 2782: the target is never compressed
      break;
    case 'TXT':
      for (const chunk of rr.text) characterString(w, chunk);
      break;
    case 'HINFO':
      characterString(w, rr.cpu);
      characterString(w, rr.os);
      break;
    case 'SOA':
      w.name(rr.mname);
      w.name(rr.rname);
      w.u32(rr.serial);
      w.u32(rr.refresh);
      w.u32(rr.retry);
      w.u32(rr.expire);
      w.u32(rr.minimum);
      break;
  }
  done();
}

/** Header bytes 2..3 of a response to `query`: QR, the query's opcode, RD and CD, then ours. */
export function responseFlags(query: Pick<Query, 'flags'>, rcode: number, aa: boolean, tc: boolean, ra: boolean): number {
  return 0x8000 | (query.flags & 0x7800) | (aa ? 0x0400 : 0) | (tc ? 0x0200 : 0) | (query.flags & 0x0100) | (ra ? 0x0080 : 0) | (query.flags & 0x0010) | (rcode & 0x0f);
}

function writeOpt(w: Writer, ednsBuffer: number, rcode: number, dnssecOk: boolean): void {
  w.u8(0);
  w.u16(Type.OPT);
  w.u16(ednsBuffer);
  w.u8(rcode >> 4);
  w.u8(0);
  w.u16(dnssecOk ? 0x8000 : 0);
  w.u16(0);
}

/**
 * Encodes the response to `query` (whose bytes are `raw`, so the question keeps the client's
 * spelling and answer owners compress onto it). With `limit`, a response that does not fit is
 * replaced by an empty one with TC set, so the client retries over TCP.
 */
export function encodeResponse(raw: Buffer, query: Query, response: Response, options: EncodeOptions, limit?: number): Buffer {
  const full = encode(raw, query, response, options, false);
  if (limit === undefined || full.length <= limit) return full;
  return encode(raw, query, response, options, true);
}

function encode(raw: Buffer, query: Query, response: Response, options: EncodeOptions, truncated: boolean): Buffer {
  const w = new Writer(512);
  const rcode = response.rcode;
  const sections = truncated ? [[], [], []] : [response.answer, response.authority, response.additional];
  w.u16(query.id);
  w.u16(responseFlags(query, rcode, response.authoritative, truncated, options.recursionAvailable));
  w.u16(1);
  w.u16(sections[0]?.length ?? 0);
  w.u16(sections[1]?.length ?? 0);
  w.u16((sections[2]?.length ?? 0) + (query.edns === undefined ? 0 : 1));
  // Only the question name itself points at the client's spelling: a cached answer is patched with
  // each client's question, and other names (an SOA, a CNAME target) must not change case with it.
  w.rawName(raw, 12, false);
  w.alias(query.name, 12);
  w.u16(query.type);
  w.u16(query.class);
  for (const section of sections) for (const rr of section) writeRecord(w, rr);
  if (query.edns !== undefined) writeOpt(w, options.ednsBuffer, rcode, query.edns.dnssecOk);
  return w.finish();
}

/** A header-only answer (FORMERR, NOTIMP): no question is echoed when we could not parse it. */
export function encodeHeaderOnly(raw: Buffer, rcode: number): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt16BE(raw.readUInt16BE(0), 0);
  out.writeUInt16BE(0x8000 | (raw.readUInt16BE(2) & 0x7900) | (rcode & 0x0f), 2);
  return out;
}
