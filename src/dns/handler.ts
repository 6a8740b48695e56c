// One query in, one response out (or nothing): the front-door checks, the pre-encoded answer fast
// path, the resolver, and forwarding for allowed clients. Synchronous except when it forwards, so
// the sockets in server.ts stay a thin shell.
import { AnswerCache, cacheKey, patchResponse, truncate, TtlCache } from './cache.ts';
import { ForwardError, type Forwarder } from './forwarder.ts';
import { encodeHeaderOnly, encodeResponse, type Response } from './message.ts';
import { queryKey, type DnsMetrics } from './metrics.ts';
import type { RateLimitedLog } from './ratelog.ts';
import type { Resolver } from './resolver.ts';
import { CLASS_IN, parseQuery, Rcode, Type, typeName, type Query } from './wire.ts';
import { WireCache } from './wirecache.ts';

export interface HandlerOptions {
  readonly resolver: Resolver;
  /** False until the zone holds its first snapshot: zone names get SERVFAIL, not a false NXDOMAIN. */
  readonly zoneReady: () => boolean;
  readonly answerCache: AnswerCache;
  readonly forwardCache: TtlCache;
  /** Undefined when forwarding is off. */
  readonly forwarder: Forwarder | undefined;
  readonly acl: { allows(address: string): boolean };
  readonly ednsBuffer: number;
  readonly metrics: DnsMetrics;
  /** Where answers that cannot be encoded are reported (once per name and minute). */
  readonly log?: RateLimitedLog;
}

/** The largest DNS message (its TCP length prefix is 16 bits). */
const maxMessage = 65_535;

export type Transport = 'udp' | 'tcp';

const rcodeNames = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

function rcodeName(response: Buffer): string {
  const rcode = (response[3] ?? 0) & 0x0f;
  return rcodeNames[rcode] ?? String(rcode);
}

function empty(rcode: number, authoritative = false): Response {
  return { rcode, authoritative, answer: [], authority: [], additional: [] };
}

export class QueryHandler {
  readonly #o: HandlerOptions;
  readonly #inflight = new Map<string, Promise<Buffer>>();
  #forwarder: Forwarder | undefined;

  constructor(options: HandlerOptions) {
    this.#o = options;
    this.#forwarder = options.forwarder;
  }

  /** Swaps the forwarder (undefined: no recursion), e.g. when SkyDNS's settings key changes. */
  setForwarder(forwarder: Forwarder | undefined): void {
    this.#forwarder = forwarder;
  }

  handle(raw: Buffer, client: string, transport: Transport): Buffer | undefined | Promise<Buffer | undefined> {
    if (transport === 'udp') {
      // Fast path: these exact bytes were answered from the zone before (see wirecache.ts).
      const known = this.#o.answerCache.wire.get(raw);
      if (known !== undefined) {
        this.#o.metrics.hit('answer');
        this.#o.metrics.countQuery(known.metric);
        return WireCache.answer(known, raw, this.#forwarder !== undefined && this.#o.acl.allows(client));
      }
    }
    if (raw.length < 12) {
      this.#o.metrics.dropped.inc({ reason: 'short' });
      return undefined;
    }
    if (((raw[2] ?? 0) & 0x80) !== 0) {
      this.#o.metrics.dropped.inc({ reason: 'response' });
      return undefined;
    }
    const parsed = parseQuery(raw);
    if (!parsed.ok) return this.#count('none', encodeHeaderOnly(raw, parsed.rcode));
    const query = parsed.query;
    const limit = transport === 'tcp' ? 65535 : query.edns === undefined ? 512 : Math.min(query.edns.udpSize, this.#o.ednsBuffer);
    const mayRecurse = this.#forwarder !== undefined && this.#o.acl.allows(client);
    if (query.class !== CLASS_IN) return this.#reply(raw, query, empty(Rcode.REFUSED), mayRecurse, limit);
    if (query.edns !== undefined && query.edns.version > 0) return this.#reply(raw, query, empty(Rcode.BADVERS), mayRecurse, limit);
    if (query.type === Type.AXFR || query.type === Type.IXFR) return this.#reply(raw, query, empty(Rcode.REFUSED), mayRecurse, limit);

    const key = cacheKey(query);
    const cached = this.#o.answerCache.get(key);
    if (cached !== undefined) {
      this.#o.metrics.hit('answer');
      return this.#zoneAnswer(raw, query, this.#fit(patchResponse(cached, raw, query, mayRecurse), query, limit), transport);
    }
    const resolution = this.#o.resolver.resolve(query.name, query.type);
    if (resolution.kind === 'answer') {
      if (!this.#o.zoneReady()) return this.#reply(raw, query, empty(Rcode.SERVFAIL), mayRecurse, limit);
      this.#o.metrics.cacheMisses.inc({ cache: 'answer' });
      const bytes = this.#encode(raw, query, resolution.response, mayRecurse);
      if (bytes === undefined) return this.#reply(raw, query, empty(Rcode.SERVFAIL), mayRecurse, limit);
      if (!this.#o.answerCache.set(key, bytes)) return this.#count(typeName(query.type), this.#fit(bytes, query, limit));
      return this.#zoneAnswer(raw, query, this.#fit(bytes, query, limit), transport);
    }
    if (!mayRecurse) return this.#reply(raw, query, empty(Rcode.REFUSED), false, limit);
    if (query.type === Type.ANY) {
      // RFC 8482: never fetch "everything" for someone; a synthesised HINFO is the minimal answer.
      const hinfo: Response = { ...empty(Rcode.NOERROR), answer: [{ name: query.name, ttl: 3789, type: 'HINFO', cpu: 'RFC8482', os: '' }] };
      return this.#reply(raw, query, hinfo, true, limit);
    }
    const hit = this.#o.forwardCache.get(key, raw, query, true);
    if (hit !== undefined) {
      this.#o.metrics.hit('forward');
      return this.#count(typeName(query.type), this.#fit(hit, query, limit));
    }
    this.#o.metrics.cacheMisses.inc({ cache: 'forward' });
    return this.#forward(key, raw, query, limit);
  }

  async #forward(key: string, raw: Buffer, query: Query, limit: number): Promise<Buffer | undefined> {
    let pending = this.#inflight.get(key);
    if (pending === undefined) {
      const forwarder = this.#forwarder as Forwarder;
      pending = forwarder.query(raw, query).then((response) => {
        this.#o.forwardCache.store(key, response);
        return response;
      });
      const settled = pending.finally(() => this.#inflight.delete(key));
      settled.catch(() => undefined);
      this.#inflight.set(key, pending);
    }
    try {
      const response = await pending;
      return this.#count(typeName(query.type), this.#fit(patchResponse(response, raw, query, true), query, limit));
    } catch (error) {
      if (!(error instanceof ForwardError)) throw error;
      return this.#reply(raw, query, empty(Rcode.SERVFAIL), true, limit);
    }
  }

  #reply(raw: Buffer, query: Query, response: Response, ra: boolean, limit: number): Buffer {
    const bytes = this.#encode(raw, query, response, ra, limit) ?? encodeResponse(raw, query, empty(Rcode.SERVFAIL), { recursionAvailable: ra, ednsBuffer: this.#o.ednsBuffer });
    return this.#count(typeName(query.type), bytes);
  }

  /** The encoded response, or undefined (logged, rate-limited) when it cannot be one DNS message. */
  #encode(raw: Buffer, query: Query, response: Response, ra: boolean, limit?: number): Buffer | undefined {
    let problem: string;
    try {
      const bytes = encodeResponse(raw, query, response, { recursionAvailable: ra, ednsBuffer: this.#o.ednsBuffer }, limit);
      if (bytes.length <= maxMessage) return bytes;
      problem = `the answer is ${bytes.length} bytes, more than a DNS message holds (65535)`;
    } catch (error) {
      problem = (error as Error).message;
    }
    this.#o.metrics.dropped.inc({ reason: 'encode' });
    this.#o.log?.log('warn', query.name, { event: 'dns_answer_unencodable', name: query.name, type: typeName(query.type), err: problem }, 'answer cannot be encoded; SERVFAIL sent: shrink the values at this name');
    return undefined;
  }

  #fit(bytes: Buffer, query: Query, limit: number): Buffer {
    return bytes.length <= limit ? bytes : truncate(bytes, query, this.#o.ednsBuffer);
  }

  /** A zone answer as sent, counted; over UDP also remembered by the query's bytes for the fast path. */
  #zoneAnswer(raw: Buffer, query: Query, bytes: Buffer, transport: Transport): Buffer {
    const metric = queryKey(typeName(query.type), rcodeName(bytes));
    if (transport === 'udp') this.#o.answerCache.wire.set(raw, bytes, metric);
    this.#o.metrics.countQuery(metric);
    return bytes;
  }

  #count(type: string, bytes: Buffer): Buffer {
    this.#o.metrics.query(type, rcodeName(bytes));
    return bytes;
  }
}
