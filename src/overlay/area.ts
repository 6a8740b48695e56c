// The overlay area: what the daemon starts and stops. It follows an OverlayFeed (plain data: this
// host's lease, the peers, the network's backend settings, the underlay address; the daemon builds
// it from the subnet area in compose/) and creates the reconciler once the first own lease is
// there, because only then are the cluster network, VNI and underlay address known.
import { onceStop, type Area } from '../area.ts';
import { problem, type Config, type Problem } from '../config/index.ts';
import { silentLogger, type Logger } from '../log.ts';
import { interfaceNameProblem } from '../net/index.ts';
import type { KernelBackend } from './backend.ts';
import type { Lease } from './lease.ts';
import type { Runner } from './iptables.ts';
import { createOverlayReconciler, type OverlayReconciler, type OverlayStatus } from './reconciler.ts';
import { familyView, ipv6DeviceName, type Family } from './family.ts';

/** Everything the overlay needs to know of the cluster, as plain data. */
export interface OverlayView {
  readonly self: Lease;
  readonly peers: readonly Lease[];
  /** From the network config: `Network`, `Backend.Type`, `Backend.Port`, `Backend.MTU`, `Backend.DirectRouting`, `Backend.GBP`, `Backend.Learning`. */
  readonly network: {
    readonly cidr: string;
    readonly backendType: string;
    readonly port: number;
    /** flannel's Backend.MTU: the underlay MTU (the device gets 50 less); 0: the underlay interface's. */
    readonly mtu: number;
    readonly directRouting: boolean;
    /** VXLAN Group Based Policy extension on the device (IFLA_VXLAN_GBP); peers must agree. */
    readonly gbp?: boolean;
    /** Source-address learning on the device (flannel's Backend.Learning). */
    readonly learning?: boolean;
    /** flannel `SubnetLen`/`SubnetMin`/`SubnetMax`: peer leases outside them are refused. */
    readonly subnetLen?: number;
    readonly subnetMin?: string;
    readonly subnetMax?: string;
  };
  readonly underlay: { readonly iface: string; readonly publicIP: string; readonly publicIPv6?: string };
  /** flannel's EnableIPv6: `IPv6Network` and the IPv6 subnet bounds; the IPv6 device follows each lease's IPv6 side. */
  readonly network6?: { readonly cidr: string; readonly subnetLen?: number; readonly subnetMin?: string; readonly subnetMax?: string };
}

export interface OverlayFeed {
  /** Calls `listener` with each new view (bursts coalesced by the feed); undefined while there is no own lease. */
  subscribe(listener: (view: OverlayView | undefined) => void): () => void;
}

export interface OverlayArea extends Area {
  status(): OverlayStatus | { waitingFor: string; problem: string | null };
  /** Resolves after the reconciler finished a pass begun after this call (tests). */
  settled(): Promise<void>;
}

export interface OverlayDeps {
  readonly config: Config;
  readonly logger?: Logger;
  readonly leases: OverlayFeed;
  /** Kernel backend (tests); default netlink in the current namespace. */
  readonly backend?: () => KernelBackend;
  readonly iptables?: Runner;
}

export function validateOverlay(config: Config): Problem[] {
  const problems: Problem[] = [];
  if (config.overlay.enabled && !config.subnet.enabled) {
    problems.push(problem('overlay.enabled', 'the overlay is built from the subnet leases: set subnet.enabled = true, or overlay.enabled = false'));
  }
  const device = config.overlay.device;
  const bad = device === '' ? undefined : interfaceNameProblem(device);
  if (bad !== undefined) problems.push(problem('overlay.device', bad));
  if (config.overlay.mtu !== 0 && config.overlay.mtu < 576) problems.push(problem('overlay.mtu', `${config.overlay.mtu} is below 576, the smallest IPv4 MTU a host must accept; 0 means Backend.MTU (else the underlay's) minus 50`));
  return problems;
}

/** One VXLAN device's reconciler (IPv4, or flannel's IPv6 one), created once its view is there. */
interface Slot {
  reconciler: OverlayReconciler | undefined;
  creating: Promise<void> | undefined;
  latest: OverlayView | undefined;
  problemText: string | undefined;
}

export function createOverlayArea(deps: OverlayDeps): OverlayArea {
  const { config } = deps;
  const log = (deps.logger ?? silentLogger).child({ area: 'overlay' });
  const slots: Record<Family, Slot> = {
    4: { reconciler: undefined, creating: undefined, latest: undefined, problemText: undefined },
    6: { reconciler: undefined, creating: undefined, latest: undefined, problemText: undefined },
  };
  let families: Family[] = [];
  let unsubscribe: (() => void) | undefined;
  let stopped = false;

  const create = async (slot: Slot, view: OverlayView, family: Family): Promise<void> => {
    if (view.network.backendType !== 'vxlan') {
      slot.problemText = `the network config's Backend.Type is "${view.network.backendType}"; weft's overlay implements only vxlan`;
      return;
    }
    try {
      const created = createOverlayReconciler({
        ...(family === 6 ? { family } : {}),
        network: view.network.cidr,
        iface: view.underlay.iface,
        publicIP: view.underlay.publicIP,
        port: view.network.port,
        device: family === 6 ? ipv6DeviceName(config.overlay.device, view.self.vni) : config.overlay.device,
        mtu: config.overlay.mtu,
        underlayMtu: view.network.mtu,
        directRouting: view.network.directRouting,
        gbp: view.network.gbp ?? false,
        learning: view.network.learning ?? false,
        ...(view.network.subnetLen === undefined ? {} : { subnetLen: view.network.subnetLen }),
        ...(view.network.subnetMin === undefined ? {} : { subnetMin: view.network.subnetMin }),
        ...(view.network.subnetMax === undefined ? {} : { subnetMax: view.network.subnetMax }),
        resyncIntervalMs: config.overlay.resync_interval,
        stateDir: config.daemon.state_dir,
        ipMasq: config.subnet.ip_masq,
        ipMasqCleanup: config.overlay.ip_masq_cleanup,
        forwardRules: config.overlay.iptables_forward_rules,
        masqRandomFully: config.overlay.ip_masq_random_fully,
        blackholeRoute: config.overlay.ip_blackhole_route,
        vtepMAC: view.self.vtepMAC,
        logger: deps.logger ?? silentLogger,
        ...(deps.backend === undefined ? {} : { backend: deps.backend }),
        ...(deps.iptables === undefined ? {} : { iptables: deps.iptables }),
      });
      await created.start(new AbortController().signal);
      slot.reconciler = created;
      slot.problemText = undefined;
    } catch (error) {
      slot.problemText = (error as Error).message;
      log.error({ event: 'overlay_start_failed', family, err: slot.problemText }, 'overlay could not start; retrying on the next lease event');
    }
  };

  const followFamily = (slot: Slot, view: OverlayView | undefined, family: Family): void => {
    slot.latest = view;
    if (view === undefined || stopped) return;
    if (slot.reconciler === undefined) {
      slot.creating ??= create(slot, view, family).finally(() => {
        slot.creating = undefined;
        // Leases that arrived while the reconciler was being created.
        if (slot.reconciler !== undefined && slot.latest !== undefined && !stopped) slot.reconciler.setLeases(slot.latest.self, slot.latest.peers);
      });
      return;
    }
    slot.reconciler.setLeases(view.self, view.peers);
  };

  const follow = (view: OverlayView | undefined): void => {
    // The families this host runs follow the network config (EnableIPv4, EnableIPv6) of its lease.
    if (view !== undefined) families = ([4, 6] as const).filter((f) => familyView(view, f) !== undefined);
    for (const family of [4, 6] as const) followFamily(slots[family], view === undefined ? undefined : familyView(view, family), family);
  };

  const active = (): Slot[] => families.map((f) => slots[f]);
  const primary = (): Slot => slots[families[0] ?? 4];

  return {
    name: 'overlay',
    // The first family's (IPv4's on a dual-stack host): one registry, one set of metric names.
    get metrics() {
      return primary().reconciler?.metrics;
    },
    async start() {
      if (stopped || unsubscribe !== undefined) return;
      unsubscribe = deps.leases.subscribe(follow);
    },
    stop: onceStop('overlay', async (deadline) => {
      stopped = true;
      unsubscribe?.();
      for (const slot of [slots[4], slots[6]]) {
        await slot.creating;
        await slot.reconciler?.stop(deadline);
      }
    }),
    ready: () => !stopped && families.length > 0 && active().every((slot) => slot.reconciler?.ready() ?? false),
    notReadyReason: () => {
      if (stopped) return 'stopped';
      if (families.length === 0) return "waiting for this host's subnet lease";
      for (const slot of active()) {
        if (slot.problemText !== undefined) return slot.problemText;
        if (slot.reconciler === undefined) return "waiting for this host's subnet lease";
        const reason = slot.reconciler.notReadyReason?.();
        if (reason !== undefined) return reason;
      }
      return undefined;
    },
    status: () => {
      const first = primary();
      const main = first.reconciler?.status() ?? { waitingFor: 'subnet lease', problem: first.problemText ?? null };
      const v6 = families.includes(6) && families[0] !== 6 ? slots[6] : undefined;
      return v6 === undefined ? main : { ...main, ipv6: v6.reconciler?.status() ?? { waitingFor: 'subnet lease', problem: v6.problemText ?? null } };
    },
    settled: async () => {
      await Promise.all(active().map((slot) => slot.reconciler?.settled() ?? Promise.resolve()));
    },
  };
}
