// Names outside our zones go to upstream resolvers: UDP from a fresh random port per query, the
// answer matched on address, ID and question; a truncated answer is asked again over TCP; a
// timeout, SERVFAIL or REFUSED moves on to the next upstream, and the last one that worked is
// asked first next time.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { randomInt } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { canonicalIp, formatIpPort, ipFamily, parseIpPort } from '../net/index.ts';
import { literalLookup } from './udp.ts';
import { Rcode, Type, type Query } from './wire.ts';

export interface Upstream {
  readonly host: string;
  readonly port: number;
}

export function formatUpstream(u: Upstream): string {
  return formatIpPort(u);
}

/** "1.2.3.4", "1.2.3.4:5353", "::1", "[::1]:5353" → an upstream; undefined when not an IP address. */
export function parseUpstream(text: string): Upstream | undefined {
  return parseIpPort(text.trim(), 53);
}

function localAddresses(): Set<string> {
  const out = new Set(['127.0.0.1', '::1', '0.0.0.0', '::']);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}

/**
 * The nameservers of a resolv.conf, minus ourselves: an entry naming one of our listen addresses
 * (or any local address when we listen on a wildcard) on our port would forward to us in a loop.
 */
export function upstreamsFromResolvConf(text: string, listen: readonly Upstream[]): Upstream[] {
  const local = localAddresses();
  const out: Upstream[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*nameserver\s+(\S+)/.exec(line);
    const upstream = match?.[1] === undefined ? undefined : parseUpstream(match[1].replace(/%.*$/, ''));
    if (upstream === undefined) continue;
    const self = listen.some(
      (l) => l.port === upstream.port && (l.host === upstream.host || ((l.host === '0.0.0.0' || l.host === '::' || l.host === '') && local.has(upstream.host))),
    );
    if (!self) out.push(upstream);
  }
  return out;
}

export interface ForwarderOptions {
  readonly upstreams: readonly Upstream[];
  /** Per attempt, in milliseconds. */
  readonly timeout: number;
  readonly ednsBuffer: number;
  /** Called with each attempt's outcome and duration (seconds), for metrics. */
  readonly observe?: (upstream: string, outcome: string, seconds: number) => void;
}

export class ForwardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForwardError';
  }
}

/** The query we send upstream: our own random ID, RD, the client's question and EDNS (DO) choice. */
export function upstreamQuery(raw: Buffer, query: Query, ednsBuffer: number): { id: number; bytes: Buffer } {
  const id = randomInt(0, 0x10000);
  const opt = query.edns === undefined ? 0 : 11;
  const out = Buffer.alloc(query.questionEnd + opt);
  out.writeUInt16BE(id, 0);
  out.writeUInt16BE(0x0100 | (query.flags & 0x0010), 2);
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(opt === 0 ? 0 : 1, 10);
  raw.copy(out, 12, 12, query.questionEnd);
  if (opt !== 0) {
    const o = query.questionEnd;
    out.writeUInt16BE(Type.OPT, o + 1);
    out.writeUInt16BE(ednsBuffer, o + 3);
    if (query.edns?.dnssecOk === true) out.writeUInt16BE(0x8000, o + 7);
  }
  return { id, bytes: out };
}

/** True when `response` answers `sent` (ID, QR, same question, compared case-insensitively). */
export function matches(response: Buffer, sent: Buffer, questionEnd: number): boolean {
  if (response.length < questionEnd || response.readUInt16BE(0) !== sent.readUInt16BE(0) || ((response[2] ?? 0) & 0x80) === 0) return false;
  for (let i = 12; i < questionEnd; i++) {
    const a = response[i] ?? 0;
    const b = sent[i] ?? 0;
    if (a !== b && (a | 0x20) !== (b | 0x20)) return false;
    if (a !== b && !((a | 0x20) >= 0x61 && (a | 0x20) <= 0x7a)) return false;
  }
  return true;
}

export class Forwarder {
  readonly #options: ForwarderOptions;
  #preferred = 0;

  constructor(options: ForwarderOptions) {
    this.#options = options;
  }

  get upstreams(): readonly Upstream[] {
    return this.#options.upstreams;
  }

  /** Asks the upstreams in turn; resolves with the first usable response (ID still ours). */
  async query(raw: Buffer, query: Query): Promise<Buffer> {
    const { upstreams } = this.#options;
    if (upstreams.length === 0) throw new ForwardError('no upstream resolvers configured');
    let fallback: Buffer | undefined;
    let lastError = 'no answer';
    for (let n = 0; n < upstreams.length; n++) {
      const index = (this.#preferred + n) % upstreams.length;
      const upstream = upstreams[index] as Upstream;
      const name = formatUpstream(upstream);
      const started = performance.now();
      const { bytes } = upstreamQuery(raw, query, this.#options.ednsBuffer);
      try {
        let response = await this.#udp(upstream, bytes, query.questionEnd);
        if (((response[2] ?? 0) & 0x02) !== 0) response = await this.#tcp(upstream, bytes, query.questionEnd);
        const rcode = (response[3] ?? 0) & 0x0f;
        this.#options.observe?.(name, rcode === Rcode.SERVFAIL || rcode === Rcode.REFUSED ? 'rcode' : 'ok', (performance.now() - started) / 1000);
        if (rcode === Rcode.SERVFAIL || rcode === Rcode.REFUSED) {
          fallback = response;
          lastError = `${name} answered rcode ${rcode}`;
          continue;
        }
        this.#preferred = index;
        response[2] = (response[2] ?? 0) & ~0x04; // we pass it on; we are not its authority
        return response;
      } catch (error) {
        lastError = `${name}: ${(error as Error).message}`;
        this.#options.observe?.(name, 'error', (performance.now() - started) / 1000);
      }
    }
    if (fallback !== undefined) return fallback;
    throw new ForwardError(lastError);
  }

  #udp(upstream: Upstream, bytes: Buffer, questionEnd: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const family = ipFamily(upstream.host) === 6 ? 6 : 4;
      const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4', lookup: literalLookup(family) });
      const done = (error: Error | undefined, response?: Buffer): void => {
        clearTimeout(timer);
        socket.removeAllListeners('message');
        socket.close();
        if (error !== undefined) reject(error);
        else resolve(response as Buffer);
      };
      const timer = setTimeout(() => done(new ForwardError(`timeout after ${this.#options.timeout} ms`)), this.#options.timeout);
      socket.on('error', (error) => done(error));
      socket.on('message', (message, rinfo) => {
        if (rinfo.port !== upstream.port || canonicalIp(rinfo.address) !== canonicalIp(upstream.host)) return;
        if (matches(message, bytes, questionEnd)) done(undefined, message);
      });
      socket.send(bytes, upstream.port, upstream.host, (error) => {
        if (error) done(error);
      });
    });
  }

  #tcp(upstream: Upstream, bytes: Buffer, questionEnd: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: upstream.host, port: upstream.port });
      let buffered = Buffer.alloc(0);
      const timer = setTimeout(() => finish(new ForwardError(`TCP timeout after ${this.#options.timeout} ms`)), this.#options.timeout);
      const finish = (error: Error | undefined, response?: Buffer): void => {
        clearTimeout(timer);
        socket.destroy();
        if (error !== undefined) reject(error);
        else resolve(response as Buffer);
      };
      socket.on('error', (error) => finish(error));
      socket.on('connect', () => {
        const length = Buffer.alloc(2);
        length.writeUInt16BE(bytes.length);
        socket.write(Buffer.concat([length, bytes]));
      });
      socket.on('data', (chunk) => {
        buffered = Buffer.concat([buffered, chunk]);
        if (buffered.length < 2) return;
        const size = buffered.readUInt16BE(0);
        if (buffered.length < size + 2) return;
        const response = buffered.subarray(2, size + 2);
        if (matches(response, bytes, questionEnd)) finish(undefined, Buffer.from(response));
        else finish(new ForwardError('TCP answer does not match the question'));
      });
      socket.on('end', () => finish(new ForwardError('TCP connection closed before an answer')));
    });
  }
}
