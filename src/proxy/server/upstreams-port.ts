// What the server layer needs from the upstream layer (src/proxy/upstreams/ implements it): written
// here so both layers can be built at once; the upstream layer's object satisfies it structurally.
import type { Dispatcher } from 'undici';
import type { Upstream, UpstreamPicker } from '../types.ts';

export interface Upstreams {
  /** The balancer of a service (weighted services resolved inside); undefined for an unknown name. */
  picker(service: string): UpstreamPicker | undefined;
  /** The connection pool of an origin (`http://host:port`), kept across reloads while the origin stays. */
  dispatcher(origin: string): Dispatcher;
  /** Passive health: the server refused, reset or timed out before answering. */
  reportFailure(u: Upstream, error: Error): void;
  /** The server answered (any status): passive health counts it as alive. */
  reportSuccess(u: Upstream): void;
}
