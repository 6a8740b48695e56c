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
import { formatNet4, sameNet4, type Net4 } from '../net/index.ts';
import { decodeLease, encodeLeaseValue, leaseKey, parseLeaseKey, type Lease, type LeaseAttrs } from './lease-codec.ts';
import type { SubnetMetrics } from './metrics.ts';
import { parseNetworkConfig, type NetworkConfig } from './network-config.ts';
import { etcdRegistry, networkConfigMissing, type LeaseRegistry, type RegistryLease as EtcdLease } from './registry.ts';

export interface OwnLease {
  readonly key: string;
  readonly subnet: Net4;
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
  /** The subnet a previous run held (read from subnet.env), asked at each acquisition. */
  readonly previousSubnet?: () => Net4 | undefined;
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
  #retired: EtcdLease[] = [];
  #acquiring: Promise<void> | undefined;
  #verifyTimer: NodeJS.Timeout | undefined;
  #lastError: string | undefined;
  #warnedIpv6 = false;
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
      const own = { ...held.own, lease: { ...held.own.lease, vtepMAC: mac } };
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
    return { publicIP: this.#o.publicIP, backendType: 'vxlan', vni: network.backend.vni, vtepMAC: this.#vtepMAC };
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
        for (const item of items) {
          const decoded = decodeLease(this.#o.prefix, item);
          if (typeof decoded !== 'string') held.push({ subnet: decoded.subnet, publicIP: decoded.lease.publicIP, modRevision: decoded.modRevision, reservation: item.lease === NO_LEASE });
          else {
            const key = parseLeaseKey(this.#o.prefix, item.key);
            if (typeof key !== 'string') occupied.push(key.subnet);
          }
        }
        const ipv4 = network.ipv4 as NonNullable<NetworkConfig['ipv4']>;
        const previous = this.#lastSubnet ?? this.#o.previousSubnet?.();
        const choice = chooseSubnet({ network: ipv4, held, occupied, publicIP: this.#o.publicIP, previous, random: this.#o.random ?? Math.random });
        if (choice.kind !== 'reuse' && choice.stale !== undefined) await this.#dropStale(choice.stale);
        if (choice.kind === 'exhausted') {
          throw new WeftError('WEFT_E_SUBNETS_EXHAUSTED', `every /${ipv4.subnetLen} between SubnetMin and SubnetMax is leased (${held.length} leases); widen Network or remove dead leases`);
        }
        // A reservation stays one: rewritten without a lease, never moved onto our expiring one.
        const reservation = choice.kind === 'reuse' && choice.reservation;
        etcdLease = reservation ? new ReservationLease() : this.#r.lease(this.#ttlSeconds);
        const leaseId = await etcdLease.grant();
        const key = leaseKey(this.#o.prefix, choice.subnet);
        const value = encodeLeaseValue(this.#attrs(network));
        const revision = choice.kind === 'reuse'
          ? await this.#r.replaceOnLease(key, value, leaseId, choice.modRevision)
          : await this.#r.createOnLease(key, value, leaseId);
        if (revision === undefined) {
          this.#o.metrics?.raceLost.inc();
          this.#log.info({ event: 'lease_race_lost', subnet: formatNet4(choice.subnet), code: 'WEFT_E_LEASE_CONFLICT' }, 'another host took the subnet first; choosing again');
          void etcdLease.revoke().catch(() => undefined);
          // A little jitter so that a herd of hosts does not collide on the next choice too.
          await this.#sleep(Math.floor((this.#o.random ?? Math.random)() * 20));
          continue;
        }
        await this.#install(etcdLease, { key, subnet: choice.subnet, etcdLease: leaseId, revision, network }, choice.kind === 'reuse' ? (reservation ? 'reservation' : 'reuse') : choice.reason);
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
    if (network.ipv4 === undefined) {
      throw new WeftError('WEFT_E_NETWORK_CONFIG', `network config at ${where} disables IPv4 (EnableIPv4 false); weft leases IPv4 subnets only so far`);
    }
    if (network.backend.type !== 'vxlan') {
      throw new WeftError('WEFT_E_NETWORK_CONFIG', `network config at ${where} has Backend.Type ${JSON.stringify(network.backend.type)}; weft implements only "vxlan"`);
    }
    if (network.ipv6 !== undefined && !this.#warnedIpv6) {
      this.#warnedIpv6 = true;
      this.#log.warn({ event: 'ipv6_not_leased' }, 'EnableIPv6 is set; weft leases the IPv4 subnet only (IPv6 later)');
    }
    return network;
  }

  async #dropStale(stale: HeldSubnet): Promise<void> {
    const key = leaseKey(this.#o.prefix, stale.subnet);
    const deleted = await this.#r.deleteIfUnchanged(key, stale.modRevision);
    this.#log.info({ event: 'lease_stale_deleted', subnet: formatNet4(stale.subnet), deleted }, 'own lease no longer fits the network config; deleted');
  }

  async #install(etcdLease: EtcdLease, fields: Omit<OwnLease, 'lease'>, reason: string): Promise<void> {
    const { network, subnet } = fields;
    const attrs = this.#attrs(network);
    const reservation = fields.etcdLease === NO_LEASE;
    const expires = reservation ? {} : { expires: new Date(Date.now() + this.#ttlSeconds * 1000) };
    const own: OwnLease = { ...fields, lease: { subnet: formatNet4(subnet), ...attrs, ...expires } };
    if (this.#stopping.signal.aborted) {
      etcdLease.release();
      return;
    }
    etcdLease.on('lost', (error: Error) => {
      if (this.#own?.etcdLease === etcdLease) this.#lost('lease_lost', error.message);
    });
    etcdLease.on('keepaliveSucceeded', () => this.#o.metrics?.renewals.inc());
    const changed = this.#lastSubnet !== undefined && !sameNet4(this.#lastSubnet, subnet);
    this.#own = { own, etcdLease };
    this.#lastSubnet = subnet;
    this.#lastError = undefined;
    this.#o.metrics?.ownLeaseHeld.set(1);
    this.#o.metrics?.acquisitions.inc({ reason });
    this.#log.info({ event: 'lease_acquired', subnet: own.lease.subnet, publicIP: attrs.publicIP, reason, changed, leaseId: fields.etcdLease, ttlSeconds: reservation ? null : this.#ttlSeconds },
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
    this.#log.warn({ event: 'lease_lost', cause, subnet: held.own.lease.subnet, err: detail }, 'own subnet lease lost; acquiring again (same subnet if still free)');
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
