// Question + zone → response, with the answer semantics of CoreDNS's etcd plugin (plugin/etcd and
// plugin/backend_lookup.go): a name answers with the values at and below it, `host` an IP is an
// address and a name is an alias (CNAME, or the SRV/MX target), groups, `*`/`any` wildcards in the
// question, NXDOMAIN vs NODATA with the SOA in authority. Pure: no sockets, no etcd.
import { ipFamily } from '../net/index.ts';
import type { ResourceRecord, Response } from './message.ts';
import { Rcode, Type } from './wire.ts';
import { answerTtl } from './ttl.ts';
import type { Service, Zone } from './zone.ts';

export interface ResolverOptions {
  /** Zones we are authoritative for: lower-case, no trailing dot. */
  readonly zones: readonly string[];
  /** TTL of values that set none (CoreDNS: 300). */
  readonly defaultTtl: number;
  /** SOA minimum and TTL, so also the negative-caching TTL (CoreDNS: 30). */
  readonly minTtl: number;
  /** SOA mailbox (SkyDNS `hostmaster`); default hostmaster.<zone>. */
  readonly hostmaster?: string | undefined;
  /** SRV/MX priority of values without one (CoreDNS: 10; SkyDNS `priority`). */
  readonly defaultPriority?: number;
}

export type Resolution = { readonly kind: 'answer'; readonly zone: string; readonly response: Response } | { readonly kind: 'forward' };

const maxChain = 8;
const reverseZones = ['in-addr.arpa', 'ip6.arpa'];

/** Normalises a configured zone: lower-case, no trailing dot ('.' is the root, ''). */
export function normalizeZone(zone: string): string {
  return zone.trim().toLowerCase().replace(/\.+$/, '');
}

function isUnder(name: string, zone: string): boolean {
  return zone === '' || name === zone || name.endsWith(`.${zone}`);
}

/** The zone a name belongs to: the longest configured zone containing it, else a reverse zone we hold records for. */
export function zoneOf(name: string, zone: Zone, zones: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const z of zones) if (isUnder(name, z) && (best === undefined || z.length > best.length)) best = z;
  if (best !== undefined) return best;
  for (const z of reverseZones) if (isUnder(name, z) && zone.has(name)) return z;
  return undefined;
}

type HostKind = 'A' | 'AAAA' | 'CNAME' | 'TXT';

function hostKind(s: Service): HostKind {
  const family = ipFamily(s.host);
  if (family === 4) return 'A';
  if (family === 6) return 'AAAA';
  return s.text === '' ? 'CNAME' : 'TXT';
}

/** CoreDNS msg.Group: the shortest key with a group sets it; disagreement on that level means no grouping. */
export function group(services: readonly Service[]): Service[] {
  if (services.length === 0) return [];
  const depth = (s: Service): number => s.key.split('/').length - 1;
  let chosen = services[0]?.group ?? '';
  let slashes = depth(services[0] as Service);
  for (const s of services) {
    const d = depth(s);
    if (d < slashes) {
      if (s.group === '') break;
      slashes = d;
      chosen = s.group;
    }
  }
  if (chosen === '') return [...services];
  const out: Service[] = [];
  for (const s of services) {
    if (s.group === '') out.push(s);
    else if (depth(s) === slashes && s.group !== chosen) return [...services];
    else if (s.group === chosen) out.push(s);
  }
  return out;
}

/** SRV weights as CoreDNS computes them: a share of 100 within each priority (weight 0 counts as 100). */
export function srvWeights(services: readonly Pick<Service, 'priority' | 'weight'>[]): number[] {
  const totals = new Map<number, number>();
  for (const s of services) totals.set(s.priority, (totals.get(s.priority) ?? 0) + (s.weight === 0 ? 100 : s.weight));
  return services.map((s) => Math.max(1, Math.floor((100 / (totals.get(s.priority) ?? 100)) * (s.weight === 0 ? 100 : s.weight))));
}

function stripLabels(name: string, count: number): string {
  if (count <= 0) return name;
  const labels = name.split('.');
  return count >= labels.length ? name : labels.slice(count).join('.');
}

export class Resolver {
  readonly #zone: Zone;
  #options: ResolverOptions;

  constructor(zone: Zone, options: ResolverOptions) {
    this.#zone = zone;
    this.#options = { ...options, zones: options.zones.map(normalizeZone) };
  }

  /** New settings (SkyDNS's settings key changed); the caller drops pre-encoded answers. */
  setOptions(options: ResolverOptions): void {
    this.#options = { ...options, zones: options.zones.map(normalizeZone) };
  }

  get zones(): readonly string[] {
    return this.#options.zones;
  }

  resolve(name: string, type: number): Resolution {
    const apex = zoneOf(name, this.#zone, this.#options.zones);
    if (apex === undefined) return { kind: 'forward' };
    return { kind: 'answer', zone: apex, response: this.#answer(name, type, apex) };
  }

  /** CoreDNS Etcd.TTL: the value's ttl and its key's lease TTL (already clamped by the zone's feed). */
  #ttl(s: Service): number {
    return answerTtl(s.ttl, s.lease === '0' ? 0 : this.#zone.leaseTtl(s.lease), this.#options.defaultTtl);
  }

  /** Values answering for `name` (undefined: the name does not exist). At the apex: apex.dns.<zone>. */
  #services(name: string, apex: string): Service[] | undefined {
    if (name === apex) return group(this.#lookup(apex === '' ? 'apex.dns' : `apex.dns.${apex}`) ?? []);
    const found = this.#lookup(name);
    return found === undefined ? undefined : group(found);
  }

  #lookup(name: string): Service[] | undefined {
    const labels = name.split('.');
    const wildcard = labels.findLastIndex((l) => l === '*' || l === 'any');
    if (wildcard < 0) {
      const below = this.#zone.below(name);
      if (below.length > 0) return below;
      const exact = this.#zone.exact(name);
      return exact.length > 0 ? exact : undefined;
    }
    const base = labels.slice(wildcard + 1).join('.');
    const reversed = [...labels].reverse();
    const matches = this.#zone.below(base).filter((s) => {
      const keyLabels = s.name.split('.').reverse();
      if (keyLabels.length < reversed.length) return false;
      return reversed.every((l, i) => l === '*' || l === 'any' || keyLabels[i] === l);
    });
    return matches.length > 0 ? matches : undefined;
  }

  #exists(name: string, apex: string): boolean {
    return name === apex || this.#lookup(name) !== undefined;
  }

  #soa(apex: string): ResourceRecord {
    const { minTtl } = this.#options;
    const join = (label: string): string => (apex === '' ? label : `${label}.${apex}`);
    const serial = this.#zone.revision % 2 ** 32 || 1;
    return { name: apex, ttl: minTtl, type: 'SOA', mname: join('ns.dns'), rname: this.#options.hostmaster ?? join('hostmaster'), serial, refresh: 7200, retry: 1800, expire: 86400, minimum: minTtl };
  }

  #answer(name: string, type: number, apex: string): Response {
    let answer: ResourceRecord[] = [];
    let additional: ResourceRecord[] = [];
    switch (type) {
      case Type.A:
      case Type.AAAA:
      case Type.TXT:
        answer = this.#chain(name, type === Type.A ? 'A' : type === Type.AAAA ? 'AAAA' : 'TXT', apex, []);
        break;
      case Type.SRV:
      case Type.MX:
        ({ answer, additional } = this.#targets(name, type === Type.SRV ? 'SRV' : 'MX', apex));
        break;
      case Type.CNAME: {
        const first = this.#zone.exact(name).find((s) => hostKind(s) === 'CNAME' && s.host !== '');
        if (first !== undefined) answer = [{ name, ttl: this.#ttl(first), type: 'CNAME', target: first.host }];
        break;
      }
      case Type.PTR: {
        // The value at the reverse name, and one per child key (a name registered at that address);
        // a child that is an address label (digits, nibbles) belongs to a longer reverse name.
        const seen = new Set<string>();
        const isPtrChild = (s: Service): boolean => /^[^.]*[^0-9a-f.][^.]*$/.test(s.name.slice(0, -name.length - 1));
        for (const s of [...this.#zone.exact(name), ...this.#zone.below(name).filter(isPtrChild)]) {
          if (hostKind(s) !== 'CNAME' || s.host === '' || seen.has(s.host)) continue;
          seen.add(s.host);
          answer.push({ name, ttl: this.#ttl(s), type: 'PTR', target: s.host });
        }
        break;
      }
      case Type.SOA:
        if (name === apex) answer = [this.#soa(apex)];
        break;
      case Type.NS:
        if (name === apex) ({ answer, additional } = this.#nameServers(apex));
        break;
      case Type.ANY:
        // RFC 8482: a minimal, synthesised HINFO instead of everything we hold.
        if (this.#exists(name, apex)) answer = [{ name, ttl: this.#options.defaultTtl, type: 'HINFO', cpu: 'RFC8482', os: '' }];
        break;
    }
    if (answer.length > 0) return { rcode: Rcode.NOERROR, authoritative: true, answer, authority: [], additional };
    const rcode = this.#exists(name, apex) ? Rcode.NOERROR : Rcode.NXDOMAIN;
    return { rcode, authoritative: true, answer: [], authority: [this.#soa(apex)], additional: [] };
  }

  /** A, AAAA or TXT for `name`, following in-zone aliases (CoreDNS plugin.A / AAAA / TXT). */
  #chain(name: string, want: 'A' | 'AAAA' | 'TXT', apex: string, previous: readonly ResourceRecord[]): ResourceRecord[] {
    const out: ResourceRecord[] = [];
    const seen = new Set<string>();
    for (const s of this.#services(name, apex) ?? []) {
      if (s.host === '' && !(want === 'TXT' && s.text !== '')) continue;
      const kind = hostKind(s);
      if (kind === want) {
        const value = want === 'TXT' ? s.text : s.host;
        if (seen.has(value)) continue;
        seen.add(value);
        if (want === 'TXT') out.push({ name, ttl: this.#ttl(s), type: 'TXT', text: split255(s.text) });
        else out.push({ name, ttl: this.#ttl(s), type: want, address: s.host });
        continue;
      }
      if (kind !== 'CNAME' || s.host === name || previous.length > maxChain - 1) continue;
      const cname: ResourceRecord = { name, ttl: this.#ttl(s), type: 'CNAME', target: s.host };
      if (previous.some((r) => r.type === 'CNAME' && r.name === name && r.target === s.host)) continue;
      const targetApex = zoneOf(s.host, this.#zone, this.#options.zones);
      if (targetApex === undefined) {
        out.push(cname); // outside our zones: the client (or the server shell) follows it
        continue;
      }
      const next = this.#chain(s.host, want, targetApex, [...previous, cname]);
      if (next.length > 0) out.push(cname, ...next);
    }
    return out;
  }

  #targets(name: string, want: 'SRV' | 'MX', apex: string): { answer: ResourceRecord[]; additional: ResourceRecord[] } {
    const services = (this.#services(name, apex) ?? [])
      .filter((s) => s.host !== '' && (want === 'SRV' || s.mail))
      .map((s) => (s.priority === 0 ? { ...s, priority: this.#options.defaultPriority ?? 10 } : s));
    const weights = srvWeights(services);
    const answer: ResourceRecord[] = [];
    const additional: ResourceRecord[] = [];
    const seen = new Set<string>();
    services.forEach((s, i) => {
      if (s.port === -1 && want === 'SRV') return;
      const kind = hostKind(s);
      if (kind === 'TXT') return;
      const target = stripLabels(kind === 'CNAME' ? s.host : s.name, s.targetstrip);
      const ttl = this.#ttl(s);
      const key = `${target}|${want === 'SRV' ? s.port : s.priority}`;
      if (kind === 'CNAME' || !seen.has(key)) {
        seen.add(key);
        answer.push(
          want === 'SRV'
            ? { name, ttl, type: 'SRV', priority: s.priority, weight: weights[i] ?? 1, port: s.port, target }
            : { name, ttl, type: 'MX', preference: s.priority, exchange: target },
        );
      }
      if (kind === 'A' || kind === 'AAAA') {
        if (!seen.has(`${target}|${s.host}`)) additional.push({ name: target, ttl, type: kind, address: s.host });
        seen.add(`${target}|${s.host}`);
      } else if (!seen.has(`lookup|${target}`)) {
        seen.add(`lookup|${target}`);
        const targetApex = zoneOf(target, this.#zone, this.#options.zones);
        if (targetApex !== undefined) additional.push(...this.#chain(target, 'A', targetApex, []), ...this.#chain(target, 'AAAA', targetApex, []));
      }
    });
    return { answer, additional };
  }

  #nameServers(apex: string): { answer: ResourceRecord[]; additional: ResourceRecord[] } {
    const nsName = apex === '' ? 'ns.dns' : `ns.dns.${apex}`;
    const answer: ResourceRecord[] = [];
    const additional: ResourceRecord[] = [];
    for (const s of group(this.#lookup(nsName) ?? [])) {
      const kind = hostKind(s);
      if (kind !== 'A' && kind !== 'AAAA') continue;
      const target = stripLabels(s.name, s.targetstrip);
      if (!answer.some((r) => r.type === 'NS' && r.target === target)) answer.push({ name: apex, ttl: this.#ttl(s), type: 'NS', target });
      additional.push({ name: target, ttl: this.#ttl(s), type: kind, address: s.host });
    }
    // No ns.dns values: still name the server the SOA names, so NS at the apex is never empty.
    if (answer.length === 0) answer.push({ name: apex, ttl: this.#options.defaultTtl, type: 'NS', target: nsName });
    return { answer, additional };
  }
}

/** TXT character-strings of at most 255 bytes, as latin1 strings holding the UTF-8 bytes. */
function split255(text: string): string[] {
  const bytes = Buffer.from(text, 'utf8');
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += 255) out.push(bytes.subarray(i, i + 255).toString('latin1'));
  return out;
}
