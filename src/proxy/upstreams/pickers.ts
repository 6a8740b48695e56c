// RouteConfig services -> pickers (pure: health arrives as live `{ up }` cells owned by health.ts).
// A loadBalancer picks among its servers by nginx's smooth WRR; a weighted service picks a child
// service by Traefik's deadline WRR, then asks that child. Nesting is bounded by maxWeightedDepth.
import type { RouteConfig, ServerSpec, ServiceSpec, Upstream, UpstreamPicker } from '../types.ts';
import { DeadlineScheduler, pickSmooth, smoothPeers, type SmoothPeer } from './wrr.ts';

/** An Upstream that also says how its own (leaf) service treats the Host header. */
export interface PickedUpstream extends Upstream {
  readonly passHostHeader: boolean;
}

export interface ServicePicker extends UpstreamPicker {
  pick(exclude?: ReadonlySet<string>): PickedUpstream | undefined;
  /** Some server is up and not in `exclude`. */
  available(exclude?: ReadonlySet<string>): boolean;
  /** The service reaches at least one server of weight > 0. */
  hasServers(): boolean;
}

export interface HealthCell {
  readonly up: boolean;
}

export type HealthLookup = (service: string, url: string) => HealthCell;

/** Traefik refuses recursive weighted services; we stop at this depth whatever the file says. */
export const maxWeightedDepth = 8;

/** `protocol//host:port` with the port always written, so `http://a` and `http://a:80` share a pool. */
export function originOf(url: string): string {
  const parsed = new URL(url);
  const port = parsed.port === '' ? (parsed.protocol === 'https:' ? '443' : '80') : parsed.port;
  return `${parsed.protocol}//${parsed.hostname}:${port}`;
}

/** A server URL this layer can use: http(s) with a host (the route parser should have said so already). */
export function usableServerUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
}

interface ServerEntry {
  readonly upstream: PickedUpstream;
  readonly health: HealthCell;
}

const noExclusions: ReadonlySet<string> = new Set();

class LoadBalancerPicker implements ServicePicker {
  readonly passHostHeader: boolean;
  readonly signature: string;
  readonly peers: SmoothPeer[];
  private readonly entries: ServerEntry[];

  constructor(name: string, servers: readonly ServerSpec[], passHostHeader: boolean, health: HealthLookup, previous?: LoadBalancerPicker) {
    this.passHostHeader = passHostHeader;
    this.entries = servers.map((server) => ({
      upstream: { service: name, url: server.url, origin: originOf(server.url), passHostHeader },
      health: health(name, server.url),
    }));
    this.signature = JSON.stringify(servers.map((server) => [server.url, server.weight]));
    // A reload that leaves the server list alone keeps the schedule exactly where it was.
    this.peers = previous?.signature === this.signature ? previous.peers : smoothPeers(servers.map((server) => server.weight));
  }

  pick(exclude: ReadonlySet<string> = noExclusions): PickedUpstream | undefined {
    const index = pickSmooth(this.peers, (i) => this.usable(i, exclude));
    return index === -1 ? undefined : this.entries[index]!.upstream;
  }

  available(exclude: ReadonlySet<string> = noExclusions): boolean {
    return this.entries.some((_, i) => this.usable(i, exclude));
  }

  hasServers(): boolean {
    return this.peers.some((peer) => peer.weight > 0);
  }

  allDown(): boolean {
    return this.hasServers() && !this.available();
  }

  /** The peer state of a server, for nginx's failure penalty. */
  peerOf(url: string): SmoothPeer | undefined {
    const index = this.entries.findIndex((entry) => entry.upstream.url === url);
    return index === -1 ? undefined : this.peers[index];
  }

  private usable(index: number, exclude: ReadonlySet<string>): boolean {
    const entry = this.entries[index]!;
    return this.peers[index]!.weight > 0 && entry.health.up && !exclude.has(entry.upstream.url);
  }
}

class WeightedPicker implements ServicePicker {
  readonly passHostHeader: boolean;
  private readonly children: readonly ServicePicker[];
  private readonly scheduler: DeadlineScheduler;

  constructor(children: readonly ServicePicker[], weights: readonly number[]) {
    this.children = children;
    this.scheduler = new DeadlineScheduler(weights.map((weight, i) => (children[i]!.hasServers() ? weight : 0)));
    // Only a hint: each picked upstream carries its own leaf service's setting.
    this.passHostHeader = children.every((child) => child.passHostHeader);
  }

  pick(exclude: ReadonlySet<string> = noExclusions): PickedUpstream | undefined {
    const index = this.scheduler.pick((i) => this.children[i]!.available(exclude));
    return index === -1 ? undefined : this.children[index]!.pick(exclude);
  }

  available(exclude: ReadonlySet<string> = noExclusions): boolean {
    return this.children.some((child) => child.available(exclude));
  }

  hasServers(): boolean {
    return this.scheduler.size > 0;
  }

  allDown(): boolean {
    return this.hasServers() && !this.available();
  }
}

const emptyPicker: ServicePicker = {
  passHostHeader: true,
  pick: () => undefined,
  available: () => false,
  hasServers: () => false,
  allDown: () => false,
};

export interface BuiltPickers {
  readonly pickers: ReadonlyMap<string, ServicePicker>;
  /** Weighted children that name a missing service or nest too deep (left out of rotation). */
  readonly problems: readonly string[];
}

/** Builds a picker per service; `previous` carries balancing state over for unchanged server lists. */
export function buildPickers(config: RouteConfig, health: HealthLookup, previous?: ReadonlyMap<string, ServicePicker>): BuiltPickers {
  const pickers = new Map<string, ServicePicker>();
  const problems: string[] = [];
  const building = new Set<string>();
  const build = (name: string, spec: ServiceSpec, depth: number): ServicePicker => {
    const built = pickers.get(name);
    if (built !== undefined) return built;
    if (spec.kind === 'loadBalancer') {
      const before = previous?.get(name);
      const servers = spec.servers.filter((server) => usableServerUrl(server.url));
      if (servers.length < spec.servers.length) problems.push(`service "${name}" has a server URL that is not http(s)://host[:port]; that server gets no traffic`);
      const picker = new LoadBalancerPicker(name, servers, spec.passHostHeader, health, before instanceof LoadBalancerPicker ? before : undefined);
      pickers.set(name, picker);
      return picker;
    }
    if (building.has(name) || depth >= maxWeightedDepth) {
      problems.push(`weighted service "${name}" is part of a loop or nests deeper than ${maxWeightedDepth} levels; that share gets no traffic`);
      return emptyPicker;
    }
    building.add(name);
    const children = spec.services.map((child) => {
      const childSpec = config.services[child.name];
      if (childSpec !== undefined) return build(child.name, childSpec, depth + 1);
      problems.push(`weighted service "${name}" names missing service "${child.name}"; that share gets no traffic`);
      return emptyPicker;
    });
    building.delete(name);
    const picker = new WeightedPicker(children, spec.services.map((child) => child.weight));
    pickers.set(name, picker);
    return picker;
  };
  for (const [name, spec] of Object.entries(config.services)) build(name, spec, 0);
  return { pickers, problems };
}

/** The smooth-WRR state of `url` in service `service`, if that service is a loadBalancer. */
export function smoothPeerOf(pickers: ReadonlyMap<string, ServicePicker>, service: string, url: string): SmoothPeer | undefined {
  const picker = pickers.get(service);
  return picker instanceof LoadBalancerPicker ? picker.peerOf(url) : undefined;
}
