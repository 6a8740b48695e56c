// The query pipeline on a hand-fed zone: case-insensitive answer caching that still echoes the
// client's spelling, answers too large to encode, and how often that is logged.
import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { defaults } from '../config/index.ts';
import type { Logger } from '../log.ts';
import { createDnsMetrics } from './metrics.ts';
import { effectiveDns } from './skydns-config.ts';
import { createPipeline } from './pipeline.ts';
import { Zone } from './zone.ts';

const rcodeOf = (packet: Buffer): string => (dnsPacket.decode(packet) as { rcode?: string }).rcode ?? 'NOERROR';

function query(name: string, type: dnsPacket.RecordType = 'A', id = 1): Buffer {
  return dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] });
}

/** A logger that counts its calls (the handler logs through warn/error). */
function countingLogger(): Logger & { lines: unknown[] } {
  const lines: unknown[] = [];
  const logger = { lines, warn: (...args: unknown[]) => lines.push(args), error: (...args: unknown[]) => lines.push(args), info: () => undefined, debug: () => undefined, child: () => logger };
  return logger as unknown as Logger & { lines: unknown[] };
}

function setup(items: { key: string; value: string }[], logger?: Logger) {
  const zone = new Zone('/skydns');
  zone.replaceAll(items, 1);
  const metrics = createDnsMetrics();
  const dns = { ...defaults().dns, forward: false };
  const pipeline = createPipeline({ dns, settings: effectiveDns(dns, undefined, []), allow: [] }, zone, metrics, () => true, logger);
  const ask = (raw: Buffer): Buffer => {
    const out = pipeline.handler.handle(raw, '127.0.0.1', 'tcp');
    if (out === undefined || out instanceof Promise) throw new Error('expected a synchronous answer');
    return out;
  };
  return { ask, metrics };
}

async function counter(metrics: ReturnType<typeof createDnsMetrics>, name: string, cache: string): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values.find((v) => v.labels.cache === cache)?.value) ?? 0;
}

describe('answer cache and the spelling of names', () => {
  const items = Array.from({ length: 50 }, (_, i) => ({ key: `/skydns/internal/weft/big/x${i}`, value: JSON.stringify({ host: `10.9.0.${i + 1}` }) }));

  it('case variants of one name share one cache entry; each answer echoes its own spelling', async () => {
    const { ask, metrics } = setup(items);
    ask(query('big.weft.internal'));
    const spellings = ['BIG.weft.internal', 'bIg.WeFt.InTeRnAl', 'Big.Weft.Internal'];
    for (const spelling of spellings) {
      const answer = dnsPacket.decode(ask(query(spelling, 'A', 77)));
      expect(answer.id).toBe(77);
      expect(answer.questions?.[0]?.name).toBe(spelling);
      expect(answer.answers).toHaveLength(50);
      expect(answer.answers?.every((a) => a.name.toLowerCase() === 'big.weft.internal')).toBe(true);
    }
    expect(await counter(metrics, 'weft_dns_cache_misses_total', 'answer')).toBe(1);
    expect(await counter(metrics, 'weft_dns_cache_hits_total', 'answer')).toBe(spellings.length);
  });

  it('an SOA in authority keeps its own name whatever the spelling of the cached question', () => {
    const { ask } = setup(items);
    ask(query('NOPE.WEFT.INTERNAL'));
    const raw = ask(query('nope.weft.internal'));
    const answer = dnsPacket.decode(raw);
    expect(rcodeOf(raw)).toBe('NXDOMAIN');
    expect(answer.authorities?.[0]?.name).toBe('weft.internal');
  });
});

describe('answers that cannot be encoded', () => {
  it('a name whose values together exceed 64 KiB gets SERVFAIL, logged once, not once per query', () => {
    const text = 'x'.repeat(10_000);
    const many = Array.from({ length: 8 }, (_, i) => ({ key: `/skydns/internal/weft/txt/t${i}`, value: JSON.stringify({ text: `${i}${text}` }) }));
    const logger = countingLogger();
    const { ask } = setup(many, logger);
    for (let i = 0; i < 100; i++) expect(rcodeOf(ask(query('txt.weft.internal', 'TXT')))).toBe('SERVFAIL');
    expect(logger.lines.length).toBe(1);
  });
});
