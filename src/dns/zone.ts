// The records under the SkyDNS prefix, indexed by DNS name. Fed by the prefix watch (snapshot, put,
// delete); answering never touches etcd. A name's labels reversed form its key:
// web.prod.weft.internal = <path>/internal/weft/prod/web; child keys hold several values. Pure.
import { ipFamily } from '../net/index.ts';
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

function int(value: unknown, min: number, max: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : 0;
}

/** Longest `text` (UTF-8 bytes) a value may hold: a TXT answer has to fit a 64 KiB DNS message. */
export const maxTextBytes = 16_384;

/** Parses a SkyDNS JSON value; undefined when it is not a JSON object, its host is unusable or its text too long. */
export function parseService(key: string, name: string, value: string, lease = '0'): Service | undefined {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const v = json as Record<string, unknown>;
  const host = typeof v.host === 'string' ? v.host.replace(/\.$/, '').toLowerCase() : '';
  if (host !== '' && ipFamily(host) === 0 && !isValidName(host)) return undefined;
  if (typeof v.text === 'string' && Buffer.byteLength(v.text, 'utf8') > maxTextBytes) return undefined;
  return {
    host,
    port: typeof v.port === 'number' && v.port === -1 ? -1 : int(v.port, 0, 65535),
    priority: int(v.priority, 0, 65535),
    weight: int(v.weight, 0, 65535),
    text: typeof v.text === 'string' ? v.text : '',
    mail: v.mail === true,
    ttl: int(v.ttl, 0, 2 ** 31 - 1),
    targetstrip: int(v.targetstrip, 0, 127),
    group: typeof v.group === 'string' ? v.group : '',
    key,
    name,
    lease,
  };
}

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

function parents(name: string): string[] {
  const out: string[] = [];
  let rest = name;
  for (;;) {
    const dot = rest.indexOf('.');
    if (dot < 0) break;
    rest = rest.slice(dot + 1);
    out.push(rest);
  }
  out.push('');
  return out;
}

export class Zone {
  readonly path: string;
  readonly #byKey = new Map<string, Service>();
  /** name → the keys whose name is that name exactly. */
  readonly #exact = new Map<string, Set<string>>();
  /** name → the keys strictly below it (its subtree). */
  readonly #below = new Map<string, Set<string>>();
  #invalid = new Set<string>();
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
    return [...this.#invalid];
  }

  replaceAll(items: readonly ZoneItem[], revision: number): void {
    this.#byKey.clear();
    this.#exact.clear();
    this.#below.clear();
    this.#invalid = new Set();
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
    const name = keyToName(item.key, this.path);
    const service = name === undefined ? undefined : parseService(item.key, name, item.value, item.lease);
    if (name === undefined || service === undefined) {
      this.#invalid.add(item.key);
      return;
    }
    this.#byKey.set(item.key, service);
    index(this.#exact, name, item.key);
    for (const parent of parents(name)) index(this.#below, parent, item.key);
  }

  #remove(key: string): void {
    this.#invalid.delete(key);
    const service = this.#byKey.get(key);
    if (service === undefined) return;
    this.#byKey.delete(key);
    unindex(this.#exact, service.name, key);
    for (const parent of parents(service.name)) unindex(this.#below, parent, key);
  }

  /** Values stored at exactly `name`. */
  exact(name: string): Service[] {
    return this.#collect(this.#exact.get(name));
  }

  /** Values strictly below `name`, in key order. */
  below(name: string): Service[] {
    return this.#collect(this.#below.get(name));
  }

  /** True when anything is stored at or below `name`. */
  has(name: string): boolean {
    return this.#exact.has(name) || this.#below.has(name);
  }

  all(): Service[] {
    return [...this.#byKey.values()].sort(byKey);
  }

  #collect(keys: Set<string> | undefined): Service[] {
    if (keys === undefined) return [];
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

function index(map: Map<string, Set<string>>, name: string, key: string): void {
  let set = map.get(name);
  if (set === undefined) map.set(name, (set = new Set()));
  set.add(key);
}

function unindex(map: Map<string, Set<string>>, name: string, key: string): void {
  const set = map.get(name);
  if (set === undefined) return;
  set.delete(key);
  if (set.size === 0) map.delete(name);
}
