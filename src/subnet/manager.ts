// This host's own subnet lease. Design: one acquisition loop that never gives up (etcd away,
// network config missing or invalid, subnets exhausted: log, count, back off, try again). Each
// attempt lists subnets/, chooses (choose.ts), grants an etcd lease and writes the key with a
// transaction that fails if someone got there first; a lost race just means choosing again
// (flannel exits after 10). The etcd lease is kept alive by the etcd3 client. The lease counts as
// lost when the client says so (etcd was away longer than it can vouch for), when the watch shows
// our key deleted or taken over, or when a periodic read does not find it on our lease; then the
// loop runs again and prefers the same subnet (still ours by PublicIP, or free again).
import { EventEmitter } from 'node:events';
import type { Etcd3 } from 'etcd3';
import { WeftError, isWeftError } from '../errors.ts';
import type { KeyValue } from '../etcd/index.ts';
import { silentLogger, type Logger } from '../log.ts';
import { chooseSubnet, type HeldSubnet } from './choose.ts';
import { sameNet4, sameNet6, type Net4, type Net6 } from '../net/index.ts';
import { checkHostFamilies, describeSubnets, ownAttrs, ownLeaseValue } from './families.ts';
import { decodeLease, encodeLeaseValue, leaseKey, parseLeaseKey, type Lease, type LeaseAttrs } from './lease-codec.ts';
import type { SubnetMetrics } from './metrics.ts';
import { parseNetworkConfig, type NetworkConfig } from './network-config.ts';
import { etcdRegistry, networkConfigMissing, type LeaseRegistry, type RegistryLease as EtcdLease } from './registry.ts';

export interface OwnLease {
  readonly key: string;
  /** flannel's empty 0.0.0.0/0 when the network is IPv6-only. */
  readonly subnet: Net4;
  /** With EnableIPv6. */
  readonly subnet6: Net6 | undefined;
  readonly lease: Lease;
  /** etcd lease ID (decimal string). */
  readonly etcdLease: string;
  /** Revision of our write; watch events at or below it are history. */
  readonly revision: number;
  readonly network: NetworkConfig;
}

/** etcd through `client`, or any `registry` (unit tests: memory-registry.ts). */
export type SubnetManagerOptions = SubnetManagerSettings & ({ readonly client: Etcd3; readonly registry?: undefined } | { readonly registry: LeaseRegistry });

export interface SubnetManagerSettings {
  readonly prefix: string;
  readonly publicIP: string;
  /** etcd lease TTL in ms (whole seconds in etcd, at least 2). */
  readonly ttlMs: number;
  readonly vtepMAC: string;
  /** This host's IPv6 underlay address, needed when the network enables IPv6. */
  readonly publicIPv6?: string | undefined;
  /** The IPv6 VXLAN device's MAC; default: `vtepMAC`. */
  readonly vtepMACv6?: string | undefined;
  /** The subnet a previous run held (read from subnet.env), asked at each acquisition. */
  readonly previousSubnet?: () => Net4 | undefined;
  readonly previousSubnet6?: () => Net6 | undefined;
  readonly logger?: Logger;
  readonly metrics?: SubnetMetrics;
  readonly random?: () => number;
  /** Awaited after every acquisition (write subnet.env, tell consumers). */
  readonly onAcquired?: (own: OwnLease) => void | Promise<void>;
  readonly onLost?: (own: OwnLease, cause: LossCause) => void;
  /** How often our key is read back to catch a loss the watch missed; default TTL/3 within 1–60 s. */
  readonly verifyIntervalMs?: number;
}

export type LossCause = 'lease_lost' | 'key_deleted' | 'key_taken' | 'verify';

const retryDelays = [100, 250, 500, 1000, 2000];

/** etcd's lease ID for "no lease": a key written with it has no TTL. */
const NO_LEASE = '0';

/**
 * What a reservation (a key without an etcd lease, flannel's fixed subnet for a host) is held on:
 * nothing to keep alive, nothing to lose, and revoking it must not delete the key.
 */
class ReservationLease extends EventEmitter implements EtcdLease {
  async grant(): Promise<string> {
    return NO_LEASE;
  }
  async revoke(): Promise<void> {}
  release(): void {}
}

export class SubnetManager {
  readonly #o: SubnetManagerOptions;
  readonly #r: LeaseRegistry;
  readonly #log: Logger;
  readonly #ttlSeconds: number;
  readonly #stopping = new AbortController();
  #own: { readonly own: OwnLease; readonly etcdLease: EtcdLease } | undefined;
  #vtepMAC: string;
  #lastSubnet: Net4 | undefined;
  #lastSubnet6: Net6 | undefined;
  #retired: EtcdLease[] = [];
  #acquiring: Promise<void> | undefined;
  #verifyTimer: NodeJS.Timeout | undefined;
  #lastError: string | undefined;
  #again = false;

  constructor(options: SubnetManagerOptions) {
    this.#o = options;
    this.#r = options.registry ?? etcdRegistry(options.client);
    this.#log = (options.logger ?? silentLogger).child({ area: 'subnet' });
    this.#ttlSeconds = Math.max(2, Math.ceil(options.ttlMs / 1000));
    this.#vtepMAC = options.vtepMAC;
  }

  /** Begins acquiring in the background. */
  start(): void {
    this.#acquire();
    const interval = this.#o.verifyIntervalMs ?? Math.min(60_000, Math.max(1000, (this.#ttlSeconds * 1000) / 3));
    this.#verifyTimer = setInterval(() => void this.#verify(), interval);
    this.#verifyTimer.unref();
  }

  own(): OwnLease | undefined {
    return this.#own?.own;
  }

  lastError(): string | undefined {
    return this.#lastError;
  }

  /** Resolves with the own lease once held (polling; for tests and CLIs). */
  async waitForLease(timeoutMs: number): Promise<OwnLease> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const own = this.own();
      if (own !== undefined) return own;
      if (Date.now() > deadline) throw new Error(`no subnet lease within ${timeoutMs} ms (last error: ${this.#lastError ?? 'none'})`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Publishes a new VTEP MAC (from the overlay) in the lease, now and in every later acquisition. */
  async setVtepMAC(mac: string): Promise<void> {
    this.#vtepMAC = mac;
    const held = this.#own;
    if (held === undefined) return;
    const value = encodeLeaseValue(this.#attrs(held.own.network));
    if (await this.#r.rewriteOnLease(held.own.key, value, held.own.etcdLease)) {
      const { subnet, subnet6, network } = held.own;
      const own = { ...held.own, lease: ownLeaseValue(this.#attrs(network), subnet, subnet6, held.own.lease.expires) };
      this.#own = { own, etcdLease: held.etcdLease };
      await this.#o.onAcquired?.(own);
    }
  }

  /** Watch events under subnets/ (from the area's prefix watch), to notice our key going away. */
  observePut(item: KeyValue): void {
    const own = this.#own?.own;
    if (own === undefined || item.key !== own.key || item.modRevision <= own.revision) return;
    if (item.lease !== own.etcdLease) this.#lost('key_taken');
  }

  observeDelete(key: string, revision: number): void {
    const own = this.#own?.own;
    if (own !== undefined && key === own.key && revision > own.revision) this.#lost('key_deleted');
  }

  observeSnapshot(items: readonly KeyValue[], revision: number): void {
    const own = this.#own?.own;
    if (own === undefined || revision <= own.revision) return;
    const mine = items.find((i) => i.key === own.key);
    if (mine === undefined) this.#lost('key_deleted');
    else if (mine.lease !== own.etcdLease) this.#lost('key_taken');
  }

  /** Stops renewing. With `revoke` the key goes at once; without (the default, like flannel) it lives out its TTL. */
  async stop(options: { revoke?: boolean; deadline?: Date } = {}): Promise<void> {
    this.#stopping.abort();
    clearInterval(this.#verifyTimer);
    const until = (options.deadline?.getTime() ?? Date.now() + 5000) - Date.now();
    const bounded = <T>(p: Promise<T>): Promise<unknown> => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, Math.max(0, until)).unref())]);
    if (this.#acquiring !== undefined) await bounded(this.#acquiring);
    const held = this.#own;
    this.#own = undefined;
    this.#o.metrics?.ownLeaseHeld.set(0);
    for (const lease of [...this.#retired, ...(held === undefined ? [] : [held.etcdLease])]) {
      lease.removeAllListeners();
      if (options.revoke === true) await bounded(lease.revoke());
      else lease.release();
    }
    this.#retired = [];
  }

  #attrs(network: NetworkConfig): LeaseAttrs {
    return ownAttrs(network, { publicIP: this.#o.publicIP, publicIPv6: this.#o.publicIPv6, vtepMAC: this.#vtepMAC, vtepMACv6: this.#o.vtepMACv6 });
  }

  #acquire(): void {
    if (this.#stopping.signal.aborted) return;
    if (this.#acquiring !== undefined) {
      this.#again = true; // lost while the loop was finishing: run it once more afterwards
      return;
    }
    this.#again = false;
    this.#acquiring = this.#acquireLoop().finally(() => {
      this.#acquiring = undefined;
      if (this.#again && this.#own === undefined) this.#acquire();
    });
  }

  async #acquireLoop(): Promise<void> {
    for (let failures = 0; !this.#stopping.signal.aborted;) {
      let etcdLease: EtcdLease | undefined;
      try {
        const network = await this.#loadNetwork();
        const { items } = await this.#r.listSubnetKeys(this.#o.prefix);
        const held: HeldSubnet[] = [];
        const occupied: Net4[] = [];
        const occupied6: Net6[] = [];
        for (const item of items) {
          const decoded = decodeLease(this.#o.prefix, item);
          if (typeof decoded !== 'string') {
            const { subnet, subnet6, modRevision, lease } = decoded;
            held.push({ subnet, subnet6, publicIP: lease.publicIP, publicIPv6: lease.publicIPv6, modRevision, reservation: item.lease === NO_LEASE });
          } else {
            const key = parseLeaseKey(this.#o.prefix, item.key);
            if (typeof key !== 'string' && (key.subnet.prefixLen > 0 || key.ipv6Subnet === undefined)) occupied.push(key.subnet);
            if (typeof key !== 'string' && key.ipv6Subnet !== undefined) occupied6.push(key.ipv6Subnet);
          }
        }
        const choice = chooseSubnet({
          network: network.ipv4, network6: network.ipv6, held, occupied, occupied6, publicIP: this.#o.publicIP, publicIPv6: this.#o.publicIPv6,
          previous: this.#lastSubnet ?? this.#o.previousSubnet?.(), previous6: this.#lastSubnet6 ?? this.#o.previousSubnet6?.(), random: this.#o.random ?? Math.random,
        });
        if (choice.kind !== 'reuse' && choice.stale !== undefined) await this.#dropStale(choice.stale);
        if (choice.kind === 'exhausted') {
          const lens = [network.ipv4 === undefined ? [] : [`/${network.ipv4.subnetLen} between SubnetMin and SubnetMax`], network.ipv6 === undefined ? [] : [`/${network.ipv6.subnetLen} between IPv6SubnetMin and IPv6SubnetMax`]].flat();
          throw new WeftError('WEFT_E_SUBNETS_EXHAUSTED', `every ${lens.join(' or every ')} is leased (${held.length} leases); widen the network or remove dead leases`);
        }
        // A reservation stays one: rewritten without a lease, never moved onto our expiring one.
        const reservation = choice.kind === 'reuse' && choice.reservation;
        etcdLease = reservation ? new ReservationLease() : this.#r.lease(this.#ttlSeconds);
        const leaseId = await etcdLease.grant();
        const key = leaseKey(this.#o.prefix, choice.subnet, choice.subnet6);
        const value = encodeLeaseValue(this.#attrs(network));
        const revision = choice.kind === 'reuse'
          ? await this.#r.replaceOnLease(key, value, leaseId, choice.modRevision)
          : await this.#r.createOnLease(key, value, leaseId);
        if (revision === undefined) {
          this.#o.metrics?.raceLost.inc();
          this.#log.info({ event: 'lease_race_lost', subnet: describeSubnets(choice.subnet, choice.subnet6), code: 'WEFT_E_LEASE_CONFLICT' }, 'another host took the subnet first; choosing again');
          void etcdLease.revoke().catch(() => undefined);
          // A little jitter so that a herd of hosts does not collide on the next choice too.
          await this.#sleep(Math.floor((this.#o.random ?? Math.random)() * 20));
          continue;
        }
        await this.#install(etcdLease, { key, subnet: choice.subnet, subnet6: choice.subnet6, etcdLease: leaseId, revision, network }, choice.kind === 'reuse' ? (reservation ? 'reservation' : 'reuse') : choice.reason);
        return;
      } catch (error) {
        if (etcdLease !== undefined) {
          etcdLease.removeAllListeners();
          void etcdLease.revoke().catch(() => undefined);
        }
        if (this.#stopping.signal.aborted) return;
        const delay = retryDelays[Math.min(failures, retryDelays.length - 1)] ?? 2000;
        failures += 1;
        this.#lastError = (error as Error).message;
        const code = isWeftError(error) ? error.code : undefined;
        if (code === 'WEFT_E_NETWORK_CONFIG') this.#o.metrics?.networkConfigErrors.inc();
        else this.#o.metrics?.acquireErrors.inc();
        this.#log.warn({ event: 'lease_acquire_failed', code, err: this.#lastError, retryInMs: delay }, 'cannot acquire a subnet lease yet; retrying');
        await this.#sleep(delay);
      }
    }
  }

  async #loadNetwork(): Promise<NetworkConfig> {
    const text = await this.#r.readNetworkConfigText(this.#o.prefix);
    if (text === undefined) throw networkConfigMissing(this.#o.prefix);
    const where = `${this.#o.prefix.replace(/\/$/, '')}/config`;
    const network = parseNetworkConfig(text, where);
    if (network.ipv4 === undefined && network.ipv6 === undefined) {
      throw new WeftError('WEFT_E_NETWORK_CONFIG', `network config at ${where} enables neither IPv4 nor IPv6; set "EnableIPv4": true or "EnableIPv6": true with an IPv6Network`);
    }
    if (network.backend.type !== 'vxlan') {
      throw new WeftError('WEFT_E_NETWORK_CONFIG', `network config at ${where} has Backend.Type ${JSON.stringify(network.backend.type)}; weft implements only "vxlan"`);
    }
    checkHostFamilies(network, { publicIP: this.#o.publicIP, publicIPv6: this.#o.publicIPv6, vtepMAC: this.#vtepMAC }, where);
    return network;
  }

  async #dropStale(stale: HeldSubnet): Promise<void> {
    const key = leaseKey(this.#o.prefix, stale.subnet, stale.subnet6);
    const deleted = await this.#r.deleteIfUnchanged(key, stale.modRevision);
    this.#log.info({ event: 'lease_stale_deleted', subnet: describeSubnets(stale.subnet, stale.subnet6), deleted }, 'own lease no longer fits the network config; deleted');
  }

  async #install(etcdLease: EtcdLease, fields: Omit<OwnLease, 'lease'>, reason: string): Promise<void> {
    const { network, subnet, subnet6 } = fields;
    const attrs = this.#attrs(network);
    const reservation = fields.etcdLease === NO_LEASE;
    const own: OwnLease = { ...fields, lease: ownLeaseValue(attrs, subnet, subnet6, reservation ? undefined : new Date(Date.now() + this.#ttlSeconds * 1000)) };
    if (this.#stopping.signal.aborted) {
      etcdLease.release();
      return;
    }
    etcdLease.on('lost', (error: Error) => {
      if (this.#own?.etcdLease === etcdLease) this.#lost('lease_lost', error.message);
    });
    etcdLease.on('keepaliveSucceeded', () => this.#o.metrics?.renewals.inc());
    const last6 = this.#lastSubnet6;
    const changed = (this.#lastSubnet !== undefined && !sameNet4(this.#lastSubnet, subnet))
      || (last6 !== undefined && (subnet6 === undefined || !sameNet6(last6, subnet6)));
    this.#own = { own, etcdLease };
    this.#lastSubnet = subnet;
    this.#lastSubnet6 = subnet6;
    this.#lastError = undefined;
    this.#o.metrics?.ownLeaseHeld.set(1);
    this.#o.metrics?.acquisitions.inc({ reason });
    this.#log.info({ event: 'lease_acquired', subnet: describeSubnets(subnet, subnet6), publicIP: attrs.publicIP, publicIPv6: attrs.publicIPv6, reason, changed, leaseId: fields.etcdLease, ttlSeconds: reservation ? null : this.#ttlSeconds },
      reservation ? "subnet reservation taken (the key has no TTL and stays a reservation)" : 'subnet lease acquired');
    for (const old of this.#retired.splice(0)) void old.revoke().catch(() => undefined);
    await this.#o.onAcquired?.(own);
  }

  #lost(cause: LossCause, detail?: string): void {
    const held = this.#own;
    if (held === undefined || this.#stopping.signal.aborted) return;
    this.#own = undefined;
    held.etcdLease.removeAllListeners();
    held.etcdLease.release();
    this.#retired.push(held.etcdLease);
    this.#o.metrics?.ownLeaseHeld.set(0);
    this.#o.metrics?.reacquisitions.inc({ cause });
    this.#log.warn({ event: 'lease_lost', cause, subnet: describeSubnets(held.own.subnet, held.own.subnet6), err: detail }, 'own subnet lease lost; acquiring again (same subnet if still free)');
    this.#o.onLost?.(held.own, cause);
    this.#acquire();
  }

  async #verify(): Promise<void> {
    const held = this.#own;
    if (held === undefined || this.#acquiring !== undefined) return;
    try {
      const kv = await this.#r.getKey(held.own.key);
      if (this.#own !== held) return;
      if (kv === undefined) this.#lost('verify', 'key not found');
      else if (kv.lease !== held.own.etcdLease && kv.modRevision > held.own.revision) this.#lost('verify', `key is on etcd lease ${kv.lease}`);
    } catch (error) {
      this.#log.debug({ event: 'lease_verify_failed', err: (error as Error).message });
    }
  }

  #sleep(ms: number): Promise<void> {
    const signal = this.#stopping.signal;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
