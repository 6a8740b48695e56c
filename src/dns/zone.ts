// The records under the SkyDNS prefix, indexed by DNS name. Fed by the prefix watch (snapshot, put,
// delete); answering never touches etcd. A name's labels reversed form its key:
// web.prod.weft.internal = <path>/internal/weft/prod/web; child keys hold several values. Pure.
import { NameIndex } from './name-index.ts';
import { isValidName } from './wire.ts';
import { parseService, type Service, type ZoneItem } from './service.ts';
import { answerTtl } from './ttl.ts';

export { maxTextBytes, parseService, type Service, type ZoneItem } from './service.ts';

/** The DNS name an etcd key stands for, or undefined when the key is not a valid name below `path`. */
export function keyToName(key: string, path: string): string | undefined {
  if (!key.startsWith(`${path}/`)) return undefined;
  const segments = key.slice(path.length + 1).toLowerCase().split('/');
  if (segments.some((s) => s === '')) return undefined;
  const name = segments.reverse().join('.');
  return isValidName(name) ? name : undefined;
}

/** The etcd key of a DNS name: `web.prod.weft.internal` → `/skydns/internal/weft/prod/web`. */
export function nameToKey(name: string, path: string): string {
  const labels = name.toLowerCase().replace(/\.$/, '').split('.').filter((l) => l !== '');
  return [path, ...labels.reverse()].join('/');
}

export class Zone {
  readonly path: string;
  readonly #byKey = new Map<string, Service>();
  /** Which keys are at and below each name (name-index.ts). */
  readonly #names = new NameIndex();
  /** Keys whose value could not be used, and why. */
  #invalid = new Map<string, string>();
  /** Lease ID → its clamped remaining TTL (seconds), from the last refresh (see ttl.ts). */
  #leaseTtls: ReadonlyMap<string, number> = new Map();
  #version = 0;
  #revision = 0;
  #onChange: (() => void) | undefined;

  constructor(path: string) {
    this.path = path.replace(/\/+$/, '');
  }

  /** Called after every change (the answer cache drops what it pre-encoded). */
  onChange(listener: () => void): void {
    this.#onChange = listener;
  }

  /** Bumped on every change; answers computed at one version stay valid until the next. */
  get version(): number {
    return this.#version;
  }

  /** The etcd revision of the last change (the SOA serial). */
  get revision(): number {
    return this.#revision;
  }

  get size(): number {
    return this.#byKey.size;
  }

  /** Keys whose value could not be used (bad JSON, bad host, key not a name). */
  get invalid(): readonly string[] {
    return [...this.#invalid.keys()];
  }

  /** Why each invalid key was skipped (at most `limit`), for `weft status`. */
  invalidReasons(limit: number): { key: string; error: string }[] {
    return [...this.#invalid].slice(0, limit).map(([key, error]) => ({ key, error }));
  }

  /**
   * The lease TTLs answers use. A change that alters some value's answer TTL re-encodes answers,
   * like a record change; one that alters none (a registered name's ttl 30 under a lease that
   * stays at or above 30) keeps the pre-encoded answers.
   */
  setLeaseTtls(ttls: ReadonlyMap<string, number>): void {
    const before = this.#leaseTtls;
    this.#leaseTtls = ttls;
    // -1 stands for the default TTL, which this zone does not know; equal either way.
    const affected = (s: Service): boolean => s.lease !== '0' && answerTtl(s.ttl, before.get(s.lease) ?? 0, -1) !== answerTtl(s.ttl, ttls.get(s.lease) ?? 0, -1);
    for (const s of this.#byKey.values()) {
      if (affected(s)) {
        this.#changed(0);
        return;
      }
    }
  }

  /** The lease's clamped remaining TTL, 0 when unknown or none. */
  leaseTtl(id: string): number {
    return this.#leaseTtls.get(id) ?? 0;
  }

  /** The lease IDs of the values held ('0', no lease, left out). */
  leases(): Set<string> {
    const out = new Set<string>();
    for (const s of this.#byKey.values()) if (s.lease !== '0') out.add(s.lease);
    return out;
  }

  replaceAll(items: readonly ZoneItem[], revision: number): void {
    this.#byKey.clear();
    this.#names.clear();
    this.#invalid = new Map();
    for (const item of items) this.#add(item);
    this.#changed(revision);
  }

  put(item: ZoneItem, revision: number): void {
    this.#remove(item.key);
    this.#add(item);
    this.#changed(revision);
  }

  delete(key: string, revision: number): void {
    this.#remove(key);
    this.#changed(revision);
  }

  #changed(revision: number): void {
    this.#version += 1;
    this.#revision = Math.max(this.#revision, revision);
    this.#onChange?.();
  }

  #add(item: ZoneItem): void {
    if (item.key === `${this.path}/config`) return; // SkyDNS's settings, not a record (skydns-config.ts)
    const name = keyToName(item.key, this.path);
    const service = name === undefined ? 'the key is not a DNS name' : parseService(item.key, name, item.value, item.lease);
    if (name === undefined || typeof service === 'string') {
      this.#invalid.set(item.key, service as string);
      return;
    }
    this.#byKey.set(item.key, service);
    this.#names.add(name, item.key);
  }

  #remove(key: string): void {
    this.#invalid.delete(key);
    const service = this.#byKey.get(key);
    if (service === undefined) return;
    this.#byKey.delete(key);
    this.#names.remove(service.name, key);
  }

  /** Values stored at exactly `name`. */
  exact(name: string): Service[] {
    return this.#collect(this.#names.exact(name));
  }

  /** Values strictly below `name`, in key order. */
  below(name: string): Service[] {
    return this.#collect(this.#names.below(name));
  }

  /** True when anything is stored at or below `name`. */
  has(name: string): boolean {
    return this.#names.has(name);
  }

  /** The `limit` values first in key order, without sorting the whole zone (the status page). */
  first(limit: number): Service[] {
    const out: Service[] = [];
    if (limit <= 0) return out;
    for (const service of this.#byKey.values()) {
      if (out.length === limit && byKey(service, out[limit - 1]!) >= 0) continue;
      let at = out.length;
      while (at > 0 && byKey(service, out[at - 1]!) < 0) at--;
      out.splice(at, 0, service);
      if (out.length > limit) out.pop();
    }
    return out;
  }

  all(): Service[] {
    return [...this.#byKey.values()].sort(byKey);
  }

  #collect(keys: Iterable<string>): Service[] {
    const out: Service[] = [];
    for (const key of keys) {
      const service = this.#byKey.get(key);
      if (service !== undefined) out.push(service);
    }
    return out.sort(byKey);
  }
}

function byKey(a: Service, b: Service): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
