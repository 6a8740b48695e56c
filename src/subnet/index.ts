// The subnet area: this host's flannel-compatible subnet lease (manager.ts), subnet.env, and the
// feed of every lease in the network for the overlay (peers.ts over the one prefix watch).
import { onceStop, type Area } from '../area.ts';
import type { Config } from '../config/index.ts';
import { isWeftError } from '../errors.ts';
import { PrefixWatch, type EtcdHandle } from '../etcd/index.ts';
import { silentLogger, type Logger } from '../log.ts';
import { checkVtepMAC, deriveVtepMAC, machineSeed, overlayMtu, readInterfaceMtu } from './host.ts';
import { resolvePublicAddress, type HostSystem, type PublicAddress } from './underlay.ts';
import { formatIp4, formatIp6, formatNet4, formatNet6 } from '../net/index.ts';
import { subnetsPrefix, type Lease } from './lease-codec.ts';
import { SubnetManager, type OwnLease } from './manager.ts';
import { createSubnetMetrics, type SubnetMetrics } from './metrics.ts';
import { describeNetworkConfig, type NetworkConfig } from './network-config.ts';
import { PeerSet, type LeaseEvent, type LeaseFeed } from './peers.ts';
import { expiriesOf, leaseSecondsLeft } from './registry.ts';
import { readPreviousSubnet, readPreviousSubnet6, writeSubnetEnv } from './subnet-env.ts';

export type { Lease } from './lease-codec.ts';
export type { LeaseEvent, LeaseFeed, LeaseListener } from './peers.ts';
export type { OwnLease } from './manager.ts';
export type { NetworkConfig } from './network-config.ts';
export { overlayMtu } from './host.ts';
export type { PublicAddress } from './underlay.ts';
// For the CLI (`weft lease ls`, `weft network init/show`).
export { configKey, decodeLease, subnetsPrefix } from './lease-codec.ts';
export { describeNetworkConfig, parseNetworkConfig, renderNetworkConfig, type NetworkInit } from './network-config.ts';
export { expiriesOf, listSubnetKeys, readNetworkConfigText, writeNetworkConfigText } from './registry.ts';

export { validateSubnet } from './validate.ts';

export interface SubnetAreaOptions {
  readonly config: Config;
  readonly etcd: EtcdHandle;
  readonly logger?: Logger;
  /** The VTEP MAC to publish; default: a stable MAC derived from the machine id (see README). */
  readonly vtepMAC?: string;
  /** Asked for the VTEP MAC once the public address is known (the overlay's persisted MAC). */
  readonly vtepMACFor?: (address: PublicAddress) => Promise<string>;
  /** Seed of the derived MAC; default /etc/machine-id. */
  readonly machineSeed?: string;
  readonly random?: () => number;
  readonly system?: HostSystem;
  /** How often the own key is read back; default TTL/3 within 1–60 s. */
  readonly verifyIntervalMs?: number;
}

export interface SubnetArea extends Area {
  /** Every valid lease (this host's own included) as snapshot/added/changed/removed events. */
  readonly leases: LeaseFeed;
  readonly metrics: SubnetMetrics['registry'];
  /** This host's lease while held. */
  ownLease(): Lease | undefined;
  /** Called with the own lease on every acquisition (and VTEP MAC change), with undefined on loss. */
  onOwnLease(listener: (lease: Lease | undefined) => void): () => void;
  /** This host's underlay address and interface, once start() resolved them. */
  publicAddress(): PublicAddress | undefined;
  /** The network config the own lease was acquired under. */
  network(): NetworkConfig | undefined;
  /** Publishes the overlay's real VTEP MAC; rewrites the lease while held. */
  setVtepMAC(mac: string): Promise<void>;
  /** Stops like stop(), but revokes the lease so the key goes at once (tests, `weft leave`). */
  stopAndRevoke(deadline: Date): Promise<void>;
}

/** Leases listed in status() (the rest are only counted). */
const statusHostLimit = 200;

export function createSubnetArea(options: SubnetAreaOptions): SubnetArea {
  const settings = options.config.subnet;
  const prefix = settings.etcd_prefix;
  const log = (options.logger ?? silentLogger).child({ area: 'subnet' });
  const metrics = createSubnetMetrics();
  const ownListeners = new Set<(lease: Lease | undefined) => void>();
  const peers = new PeerSet(prefix, {
    malformed: (key, reason) => {
      metrics.malformed.inc();
      log.warn({ event: 'lease_malformed', code: 'WEFT_E_LEASE_MALFORMED', key, reason }, 'ignoring a key under subnets/ that is not a lease');
    },
    listenerFailed: (error) => log.error({ event: 'lease_listener_failed', err: (error as Error).message }),
  });
  peers.subscribe((event: LeaseEvent) => {
    metrics.leaseEvents.inc({ type: event.type });
    metrics.leases.set(peers.current().length);
  });
  let address: PublicAddress | undefined;
  let manager: SubnetManager | undefined;
  let watch: PrefixWatch | undefined;
  let envError: string | undefined;
  let stopped = false;
  let revokeOnStop = false;
  let vtepMAC = options.vtepMAC === undefined ? undefined : checkVtepMAC(options.vtepMAC);

  const tellOwn = (lease: Lease | undefined): void => {
    for (const listener of ownListeners) {
      try {
        listener(lease);
      } catch (error) {
        log.error({ event: 'own_lease_listener_failed', err: (error as Error).message });
      }
    }
  };

  const onAcquired = (own: OwnLease): void => {
    const { ipv4, ipv6 } = own.network;
    if (ipv4 !== undefined || ipv6 !== undefined) {
      const mtu = overlayMtu(options.config.overlay.mtu, own.network.backend.mtu, readInterfaceMtu(address?.iface));
      const v4 = ipv4 === undefined ? {} : { network: ipv4.network, subnet: own.subnet };
      const v6 = ipv6 === undefined || own.subnet6 === undefined ? {} : { ipv6Network: ipv6.network, ipv6Subnet: own.subnet6 };
      try {
        writeSubnetEnv(settings.subnet_file, { ...v4, ...v6, mtu, ipMasq: settings.ip_masq });
        envError = undefined;
        log.info({ event: 'subnet_file_written', path: settings.subnet_file, subnet: own.lease.subnet, ipv6Subnet: own.lease.ipv6Subnet, mtu });
      } catch (error) {
        envError = (error as Error).message;
        log.error({ event: 'subnet_file_failed', code: isWeftError(error) ? error.code : undefined, err: envError });
      }
    }
    tellOwn(own.lease);
  };

  const area: SubnetArea = {
    name: 'subnet',
    leases: peers,
    metrics: metrics.registry,

    async start() {
      address = await resolvePublicAddress(settings, options.system);
      for (const reason of address.skipped ?? []) log.info({ event: 'underlay_choice_skipped', reason }, 'an --iface/--iface-regex entry found no interface; trying the next');
      if (address.iface === undefined) {
        log.warn({ event: 'public_ip_not_local', code: 'WEFT_E_PUBLIC_IP', publicIP: address.publicIP }, 'no interface of this host has --public-ip; the overlay needs --iface (flanneld would exit here)');
      }
      if (vtepMAC === undefined && options.vtepMACFor !== undefined) vtepMAC = checkVtepMAC(await options.vtepMACFor(address));
      vtepMAC ??= deriveVtepMAC(options.machineSeed ?? machineSeed());
      const client = options.etcd.client;
      const etcdMetrics = options.etcd.metrics;
      const mgr = new SubnetManager({
        client, prefix, publicIP: address.publicIP, ttlMs: settings.lease_ttl, vtepMAC, logger: options.logger ?? silentLogger, metrics,
        // The IPv6 device has a MAC of its own (flannel's flannel-v6.<VNI>), stable with the IPv4 one.
        publicIPv6: address.publicIPv6, vtepMACv6: deriveVtepMAC(`${vtepMAC}/ipv6`),
        previousSubnet: () => readPreviousSubnet(settings.subnet_file),
        previousSubnet6: () => readPreviousSubnet6(settings.subnet_file),
        onAcquired, onLost: () => tellOwn(undefined),
        ...(options.random === undefined ? {} : { random: options.random }),
        ...(options.verifyIntervalMs === undefined ? {} : { verifyIntervalMs: options.verifyIntervalMs }),
      });
      manager = mgr;
      // Expiry of each etcd lease, looked up once: a bulk of puts under one lease (or a lease's
      // keys rewritten) must not cost one etcd round trip per event on the watch's delivery path.
      const expiries = new Map<string, Date | undefined>();
      const expiryOf = async (leaseId: string): Promise<Date | undefined> => {
        if (expiries.has(leaseId)) return expiries.get(leaseId);
        const seconds = await leaseSecondsLeft(client, leaseId).catch(() => undefined);
        const expires = seconds === undefined ? undefined : new Date(Date.now() + seconds * 1000);
        if (expiries.size > 10_000) expiries.clear();
        expiries.set(leaseId, expires);
        return expires;
      };
      watch = new PrefixWatch(client, { prefix: subnetsPrefix(prefix), logger: log, ...(etcdMetrics === undefined ? {} : { metrics: etcdMetrics }) }, {
        async snapshot(items, revision) {
          const expiries = await expiriesOf(client, items);
          peers.snapshot(items, (id) => expiries.get(id));
          mgr.observeSnapshot(items, revision);
        },
        async put(item) {
          peers.put(item, await expiryOf(item.lease));
          mgr.observePut(item);
        },
        delete(key, revision) {
          peers.delete(key);
          mgr.observeDelete(key, revision);
        },
      });
      log.info({ event: 'subnet_starting', publicIP: address.publicIP, publicIPv6: address.publicIPv6, iface: address.iface, prefix, vtepMAC, ttlMs: settings.lease_ttl });
      mgr.start();
      void watch.start();
    },

    stop: onceStop('subnet', async (deadline) => {
      stopped = true;
      await manager?.stop({ deadline, revoke: revokeOnStop });
      await watch?.stop();
    }),

    async stopAndRevoke(deadline) {
      revokeOnStop = true;
      await area.stop(deadline);
    },

    ready() {
      return area.notReadyReason?.() === undefined;
    },

    notReadyReason() {
      if (stopped) return 'stopped';
      if (manager === undefined) return 'not started';
      if (manager.own() === undefined) return `no subnet lease yet${manager.lastError() === undefined ? '' : `: ${manager.lastError()}`}`;
      if (envError !== undefined) return `subnet file not written: ${envError}`;
      if (watch?.ready() !== true || !peers.synced()) return 'lease watch not synced';
      // Ready means the feed already shows this host's own lease to the overlay.
      if (peers.get(manager.own()?.key ?? '')?.etcdLease !== manager.own()?.etcdLease) return 'own lease not yet seen by the watch';
      return undefined;
    },

    status() {
      const own = manager?.own();
      return {
        publicIP: address?.publicIP,
        publicIPv6: address?.publicIPv6 ?? null,
        iface: address?.iface ?? null,
        prefix,
        subnetFile: settings.subnet_file,
        lease: own === undefined ? null : { ...own.lease, etcdLease: own.etcdLease },
        network: own === undefined ? null : describeNetworkConfig(own.network),
        leases: peers.current().length,
        // Every host's lease for the status page, bounded: `leases` says how many there are.
        hosts: peers.current().slice(0, statusHostLimit).map((l) => ({ subnet: l.subnet, publicIP: l.publicIP, backendType: l.backendType, expires: l.expires?.toISOString() ?? null })),
        lastError: manager?.lastError() ?? null,
        watch: watch?.status(),
      };
    },

    ownLease: () => manager?.own()?.lease,
    publicAddress: () => address,
    network: () => manager?.own()?.network,

    onOwnLease(listener) {
      ownListeners.add(listener);
      return () => ownListeners.delete(listener);
    },

    async setVtepMAC(mac) {
      vtepMAC = checkVtepMAC(mac);
      await manager?.setVtepMAC(vtepMAC);
    },
  };
  return area;
}

/** The cluster network(s) of a config as CIDR strings ("10.5.0.0/16"), for areas that filter by it. */
export function networkCidrs(network: NetworkConfig | undefined): string[] {
  const cidrs: string[] = [];
  if (network?.ipv4 !== undefined) cidrs.push(formatNet4(network.ipv4.network));
  if (network?.ipv6 !== undefined) cidrs.push(formatNet6(network.ipv6.network));
  return cidrs;
}

/** With EnableIPv6: `IPv6Network` and the shape every IPv6 subnet of this network has (the overlay's IPv6 device). */
export function leaseBounds6(network: NetworkConfig | undefined): { cidr: string; subnetLen: number; subnetMin: string; subnetMax: string } | undefined {
  const v6 = network?.ipv6;
  return v6 === undefined ? undefined : { cidr: formatNet6(v6.network), subnetLen: v6.subnetLen, subnetMin: formatIp6(v6.subnetMin), subnetMax: formatIp6(v6.subnetMax) };
}

/** The shape every IPv4 lease of this network has (for consumers that must refuse others, the overlay). */
export function leaseBounds(network: NetworkConfig | undefined): { subnetLen: number; subnetMin: string; subnetMax: string } | undefined {
  const v4 = network?.ipv4;
  return v4 === undefined ? undefined : { subnetLen: v4.subnetLen, subnetMin: formatIp4(v4.subnetMin), subnetMax: formatIp4(v4.subnetMax) };
}
