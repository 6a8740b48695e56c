// The overlay's reconciler: leases in, VXLAN kernel state out. Design: every trigger (a new lease set, a
// netlink notification about our device or cluster routes, the resync timer) asks for one more
// reconcile pass; passes never overlap and coalesce while one runs. A pass reads the kernel,
// diffs it against desiredState(leases) and applies the difference, so it both follows the lease
// set and repairs whatever someone else changed. Stopping leaves the device and routes in place,
// so containers keep talking while the daemon restarts.
import type { Registry } from 'prom-client';
import { onceStop, type Area } from '../area.ts';
import { WeftError, isWeftError } from '../errors.ts';
import { silentLogger, type Logger } from '../log.ts';
import type { KernelBackend, ReadScope, UnderlayInfo } from './backend.ts';
import { desiredState, VXLAN, type DesiredOptions } from './desired.ts';
import { diff } from './diff.ts';
import { contains4, contains6, formatNet4, formatNet6, isUnicastMac, normalizeMac, parseCidr4, parseCidr6, parseIp4, parseIp6 } from '../net/index.ts';
import { desiredState6 } from './desired6.ts';
import type { Family } from './family.ts';
import { partitionPeers6 } from './peer-filter6.ts';
import { agrees, applyOps, type KernelOp, type KernelState } from './kernel-state.ts';
import type { Lease } from './lease.ts';
import { createRuleKeeper, runIptables, type Runner } from './iptables.ts';
import { createOverlayMetrics, type OverlayMetrics } from './metrics.ts';
import { createNetlinkBackend } from './netlink.ts';
import { partitionPeers, type PeerLimits } from './peer-filter.ts';
import { RejectionTracker, type RejectionSummary } from './rejections.ts';
import { loadOrCreateVtepMac } from './vtep-mac.ts';
import { defaultDeviceName, flannelDeviceName } from './adopt.ts';
import { createBlackholeKeeper, type BlackholeStatus } from './blackhole.ts';

/** The Linux VXLAN default port, used when the network config says 0 (as flannel does). */
const KERNEL_VXLAN_PORT = 8472;
/** VXLAN over IPv4 adds 50 bytes (outer Ethernet 14 + IP 20 + UDP 8 + VXLAN 8); flannel sizes the device so. */
const VXLAN_OVERHEAD = 50;
/** VXLAN over IPv6 (the IPv6 device of EnableIPv6): outer IPv6 header 40, so 70; the kernel's VXLAN6_HEADROOM. */
const VXLAN6_OVERHEAD = 70;

export interface OverlayOptions {
  /**
   * 6: the IPv6 device of flannel's EnableIPv6 (network, publicIP, subnet bounds and the leases are
   * the IPv6 ones, see family.ts); no iptables rules, no DirectRouting. Default 4.
   */
  family?: Family;
  /** The cluster network (flannel `Network`), e.g. "10.5.0.0/16": the only routes we ever touch. */
  network: string;
  /** Underlay interface the VXLAN device binds to. */
  iface: string;
  /** This host's IPv4 on the underlay: the VXLAN local address. */
  publicIP: string;
  /** UDP port from the network config (`Backend.Port`); 0 means the kernel default 8472. */
  port: number;
  /** Device name; '' means flanneld's `flannel.<VNI>` if it exists and fits, else `weft.<VNI>` (config `overlay.device`). */
  device: string;
  /** Device MTU as is (config `overlay.mtu`); 0: (underlayMtu, else the underlay interface's) − 50. */
  mtu: number;
  /** flannel `Backend.MTU`: the underlay MTU the device is sized for; 0 or absent: the interface's own. */
  underlayMtu?: number;
  /** flannel `Backend.GBP`: the VXLAN Group Based Policy extension (IFLA_VXLAN_GBP). */
  gbp?: boolean;
  /** flannel `Backend.Learning`: source-address learning on the device. */
  learning?: boolean;
  /** flannel `SubnetLen`, `SubnetMin`, `SubnetMax`: peer leases outside them are refused (default: own prefix length, whole network). */
  subnetLen?: number;
  subnetMin?: string;
  subnetMax?: string;
  /** flannel `Backend.DirectRouting`: peers on our underlay subnet get a plain route via their public IP. */
  directRouting: boolean;
  /** Config `overlay.resync_interval`. */
  resyncIntervalMs: number;
  /** Config `daemon.state_dir`: the VTEP MAC is persisted under `<state_dir>/overlay/`. */
  stateDir: string;
  /** Config `subnet.ip_masq`. */
  ipMasq: boolean;
  /** Config `overlay.ip_masq_cleanup`: remove the WEFT-* chains on clean shutdown (default false, as flannel). */
  ipMasqCleanup: boolean;
  /** Config `overlay.iptables_forward_rules`: accept forwarding to and from the cluster network (default true). */
  forwardRules?: boolean;
  /** Config `overlay.ip_masq_random_fully`: false leaves --random-fully off MASQUERADE (default true). */
  masqRandomFully?: boolean;
  /** Config `overlay.ip_blackhole_route` (flanneld --ip-blackhole-route): a blackhole route for the own subnet (blackhole.ts). */
  blackholeRoute?: boolean;
  /** Use this VTEP MAC instead of the persisted one. */
  vtepMAC?: string;
  /** Seed for the first derived VTEP MAC; default /etc/machine-id. */
  machineId?: string;
  logger?: Logger;
  /** Kernel backend; default: netlink in the current network namespace (created at start). */
  backend?: () => KernelBackend;
  /** iptables runner (tests). */
  iptables?: Runner;
  /** Delay that coalesces bursts of netlink notifications into one pass (default 50 ms). */
  notifyDebounceMs?: number;
}

export interface OverlayStatus {
  device: string | undefined;
  vtepMAC: string | undefined;
  subnet: string | undefined;
  peers: number;
  passes: number;
  lastPass: { at: string; trigger: string; ops: number; failures: number; ms: number } | undefined;
  lastError: string | undefined;
  /** Peer leases refused as routes (see peer-filter.ts). */
  rejected: RejectionSummary;
  /** The routes of the last pass (at most statusRouteLimit; `peers` counts them all) and whether the kernel took them. */
  routes: OverlayRouteStatus[];
  /** With `overlay.ip_blackhole_route`: the own subnet's blackhole route. */
  blackhole?: BlackholeStatus;
}

export interface OverlayRouteStatus {
  dst: string;
  gateway: string;
  dev: string;
  /** 'installed', or 'failed' with the kernel's error (retried by the next pass). */
  state: 'installed' | 'failed';
  error?: string;
}

const statusRouteLimit = 200;

export interface OverlayReconciler extends Area {
  readonly metrics: Registry;
  /** The lease set changed (own lease included separately); reconciles soon. */
  setLeases(self: Lease, peers: readonly Lease[]): void;
  /** Our VTEP MAC, available before `start` and before the device exists (the subnet area puts it in the lease). */
  vtepMAC(): Promise<string>;
  /** Resolves after a pass that started after this call has finished (tests, benchmarks). */
  settled(): Promise<void>;
  status(): OverlayStatus;
}

function checkOptions(o: OverlayOptions): void {
  if (o.family === 6) {
    if (parseCidr6(o.network) === undefined) throw new WeftError('WEFT_E_OVERLAY_CONFIG', `cluster network ${JSON.stringify(o.network)} is not an IPv6 CIDR`);
    if (parseIp6(o.publicIP) === undefined) throw new WeftError('WEFT_E_OVERLAY_CONFIG', `public IPv6 ${JSON.stringify(o.publicIP)} is not an IPv6 address; set --public-ipv6`);
  } else {
    if (parseCidr4(o.network) === undefined) throw new WeftError('WEFT_E_OVERLAY_CONFIG', `cluster network ${JSON.stringify(o.network)} is not an IPv4 CIDR`);
    if (parseIp4(o.publicIP) === undefined) throw new WeftError('WEFT_E_OVERLAY_CONFIG', `public IP ${JSON.stringify(o.publicIP)} is not an IPv4 address; set --public-ip`);
  }
  if (o.iface === '') throw new WeftError('WEFT_E_OVERLAY_CONFIG', 'no underlay interface for the VXLAN device; set --iface');
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new WeftError('WEFT_E_OVERLAY_CONFIG', `VXLAN port ${o.port} is not a UDP port`);
}

/** Is the own subnet inside the cluster network (of the reconciler's family)? */
function ownSubnetInside(subnet: string, network: string, family: Family): boolean {
  if (family === 6) {
    const sub = parseCidr6(subnet);
    const net = parseCidr6(network);
    return sub !== undefined && net !== undefined && contains6(net, sub.ip);
  }
  const sub = parseCidr4(subnet);
  const net = parseCidr4(network);
  return sub !== undefined && net !== undefined && contains4(net, sub.ip);
}

function checkSelf(self: Lease, network: string, family: Family): void {
  if (self.backendType !== VXLAN) throw new WeftError('WEFT_E_OVERLAY_CONFIG', `own lease has BackendType ${JSON.stringify(self.backendType)}; the overlay serves only "vxlan" (set Backend.Type in the network config)`);
  if (!ownSubnetInside(self.subnet, network, family)) throw new WeftError('WEFT_E_OVERLAY_CONFIG', `own subnet ${self.subnet} is not an IPv${family} subnet of ${network}`);
  if (!Number.isInteger(self.vni) || self.vni < 0 || self.vni > 0xffffff) throw new WeftError('WEFT_E_OVERLAY_CONFIG', `VNI ${self.vni} is outside 0..16777215`);
}

export function createOverlayReconciler(options: OverlayOptions): OverlayReconciler {
  checkOptions(options);
  const log = (options.logger ?? silentLogger).child({ area: 'overlay' });
  const metrics: OverlayMetrics = createOverlayMetrics();
  const debounceMs = options.notifyDebounceMs ?? 50;
  const family: Family = options.family ?? 4;
  // With EnableIPv6 the same chains through ip6tables for IPv6Network, as flannel.
  const rules = createRuleKeeper({
    network: family === 6 ? formatNet6(parseCidr6(options.network)!) : formatNet4(parseCidr4(options.network)!),
    ipMasq: options.ipMasq, forwardRules: options.forwardRules ?? true, randomFully: options.masqRandomFully ?? true,
    run: options.iptables ?? runIptables, log, ...(family === 6 ? { family } : {}),
  });
  const blackhole = options.blackholeRoute === true ? createBlackholeKeeper({ network: options.network, family, log, metrics }) : undefined;
  let blackholeFor: string | undefined;
  let backend: KernelBackend | undefined;
  let leases: { self: Lease; peers: readonly Lease[] } | undefined;
  let macPromise: Promise<string> | undefined;
  let started = false;
  let stopped = false;
  let isReady = false;
  let notReady = 'not started';
  let timer: NodeJS.Timeout | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let unwatch: (() => void) | undefined;
  let watchedKey = '';
  let pending: string | undefined;
  let running: Promise<void> | undefined;
  let waiters: (() => void)[] = [];
  let leasesVersion = 0;
  let appliedVersion = -1;
  let underlayCache: UnderlayInfo | undefined;
  let rulesFor: string | undefined;
  // What we believe the kernel holds, between reads; undefined means "read it".
  let model: KernelState | undefined;
  const rejections = new RejectionTracker();
  const status: OverlayStatus = { device: undefined, vtepMAC: undefined, subnet: undefined, peers: 0, passes: 0, lastPass: undefined, lastError: undefined, rejected: rejections.summary(), routes: [] };

  const vtepMAC = (): Promise<string> => {
    if (options.vtepMAC !== undefined) {
      const mac = normalizeMac(options.vtepMAC);
      if (mac === undefined || !isUnicastMac(mac)) return Promise.reject(new WeftError('WEFT_E_VTEP_MAC', `VTEP MAC ${JSON.stringify(options.vtepMAC)} is not a unicast MAC address`));
      return Promise.resolve(mac);
    }
    macPromise ??= loadOrCreateVtepMac({ stateDir: options.stateDir, publicIP: options.publicIP, ...(options.machineId === undefined ? {} : { machineId: options.machineId }) })
      .catch((error: unknown) => {
        macPromise = undefined;
        throw error;
      });
    return macPromise;
  };

  // With `overlay.device` unset, the IPv4 device's name is chosen once per VNI: flanneld's device
  // when it is there and fits (adopt.ts), else weft.<VNI>; after that the device is ours whatever
  // its name. The IPv6 device (EnableIPv6) is weft-v6.<VNI>.
  let named: { vni: number; device: string } | undefined;
  async function deviceName(self: Lease, kernel: KernelBackend, port: number): Promise<string> {
    if (options.device !== '') return options.device;
    if (family === 6) return `weft-v6.${self.vni}`;
    if (named?.vni === self.vni) return named.device;
    const flannel = flannelDeviceName(self.vni);
    const found = (await kernel.read({ device: flannel, underlay: options.iface, network: options.network, ownSubnet: self.subnet, directRouting: false })).device;
    const device = defaultDeviceName(found, { vni: self.vni, port, local: options.publicIP, underlay: options.iface });
    if (device === flannel) log.info({ event: 'device_adopted', device, mac: found?.mac }, "taking over flanneld's VXLAN device (its routes, neighbours and FDB entries stay)");
    named = { vni: self.vni, device };
    return device;
  }
  const partition = family === 6 ? partitionPeers6 : partitionPeers;

  function trigger(why: string): void {
    if (!started || stopped) return;
    pending ??= why;
    // Started on a microtask, so setLeases() + settled() in one tick share one pass. `running` is
    // cleared synchronously when the loop sees nothing pending, so no trigger is lost.
    running ??= Promise.resolve().then(loop);
  }

  async function loop(): Promise<void> {
    while (pending !== undefined && !stopped) {
      const why = pending;
      pending = undefined;
      const done = waiters;
      waiters = [];
      try {
        await pass(why);
      } catch (error) {
        metrics.reconcileErrors.inc();
        status.lastError = (error as Error).message;
        isReady = false;
        notReady = (error as Error).message;
        log.warn({ event: 'reconcile_failed', trigger: why, code: isWeftError(error) ? error.code : undefined, err: (error as Error).message });
      } finally {
        for (const resolve of done) resolve();
      }
    }
    running = undefined;
    for (const resolve of waiters.splice(0)) resolve();
  }

  function watchScope(scope: ReadScope): void {
    const key = JSON.stringify(scope);
    if (key === watchedKey || backend === undefined) return;
    unwatch?.();
    watchedKey = key;
    model = undefined;
    unwatch = backend.watch(scope, (observation) => {
      if (observation.kind === 'own-subnet') {
        // A bridge took or left our subnet, or our blackhole went: check it again (our own add is an echo).
        if (blackhole === undefined || (observation.present && observation.blackhole)) return;
        blackholeFor = undefined;
        return soon(observation.kind);
      }
      // Echoes of our own changes agree with the model and cost nothing.
      if (model !== undefined && agrees(model, observation)) return;
      if (model !== undefined) log.debug({ event: 'kernel_changed', observation });
      model = undefined;
      soon(observation.kind);
    });
  }

  function soon(kind: string): void {
    if (debounce !== undefined || stopped) return;
    debounce = setTimeout(() => {
      debounce = undefined;
      trigger(`netlink:${kind}`);
    }, debounceMs);
  }

  // Each refused lease is logged and counted once while it stays refused; a flood logs a sample.
  function noteRejections(rejected: Parameters<RejectionTracker['update']>[0]): void {
    const fresh = rejections.update(rejected);
    for (const r of fresh) metrics.leasesRejected.inc({ reason: r.reason });
    for (const r of fresh.slice(0, 10)) {
      log.warn({ event: 'lease_rejected', code: 'WEFT_E_OVERLAY_LEASE_REJECTED', subnet: r.lease.subnet, publicIP: r.lease.publicIP, reason: r.reason },
        'refusing to route a peer lease that does not fit the network config; delete the key or fix its writer');
    }
    if (fresh.length > 10) log.warn({ event: 'lease_rejected_more', code: 'WEFT_E_OVERLAY_LEASE_REJECTED', count: fresh.length - 10 });
    status.rejected = rejections.summary();
    metrics.rejectedLeases.set(status.rejected.leases);
  }

  async function pass(why: string): Promise<void> {
    if (leases === undefined || backend === undefined) return;
    const t0 = performance.now();
    const { self, peers } = leases;
    checkSelf(self, options.network, family);
    const port = options.port === 0 ? KERNEL_VXLAN_PORT : options.port;
    const device = await deviceName(self, backend, port);
    const directRouting = family === 4 && options.directRouting;
    const scope: ReadScope = {
      device, underlay: options.iface, network: options.network, ownSubnet: self.subnet, directRouting, learning: options.learning ?? false,
      ...(family === 6 ? { family } : {}),
    };
    watchScope(scope);
    const fresh = model === undefined || why === 'resync' || why === 'start';
    if (fresh || underlayCache === undefined) underlayCache = await backend.underlay(options.iface);
    const underlay = underlayCache;
    if (underlay === undefined) throw new WeftError('WEFT_E_OVERLAY_UNDERLAY', `underlay interface ${options.iface} does not exist; check --iface`);
    const base = (options.underlayMtu ?? 0) > 0 ? options.underlayMtu! : underlay.mtu;
    // Over IPv6 the outer header is 20 bytes longer and the kernel refuses more than underlay − 70.
    const mtu = family === 6 ? Math.min(options.mtu > 0 ? options.mtu : Infinity, base - VXLAN6_OVERHEAD) : options.mtu > 0 ? options.mtu : base - VXLAN_OVERHEAD;
    const publicIP = parseIp4(options.publicIP);
    const underlayNet = publicIP === undefined ? undefined : underlay.addresses.map((a) => parseCidr4(a)).find((n) => n !== undefined && contains4(n, publicIP));
    const limits: PeerLimits = {
      network: options.network, underlayNets: underlay.addresses,
      ...(options.subnetLen === undefined ? {} : { subnetLen: options.subnetLen }),
      ...(options.subnetMin === undefined ? {} : { subnetMin: options.subnetMin }),
      ...(options.subnetMax === undefined ? {} : { subnetMax: options.subnetMax }),
    };
    const desiredOpts: DesiredOptions = {
      device, port, mtu, underlay: options.iface,
      vtepMAC: await vtepMAC(), directRouting, limits,
      gbp: options.gbp ?? false, learning: options.learning ?? false,
      ...(underlayNet === undefined ? {} : { underlayNet: formatNet4(underlayNet) }),
    };
    const me = { ...self, publicIP: options.publicIP };
    noteRejections(partition(me, peers, limits).rejected);
    const desired = (family === 6 ? desiredState6 : desiredState)(me, peers, desiredOpts);
    // Lease changes diff against the model (the last read plus what we applied since); the
    // resync timer, start, and any notification that disagreed with the model read the kernel.
    const actual = fresh ? await backend.read(scope) : model!;
    const ops = diff(actual, desired);
    // Updated before applying, so the echoes of these ops already agree with it.
    model = applyOps(actual, ops);
    const result = ops.length === 0 ? { applied: {}, failures: [] } : await backend.apply(ops);
    if (result.failures.length > 0) model = undefined;
    const version = leasesVersion;
    // Ops while the lease set is the one already applied are repairs of someone else's change.
    const repair = version === appliedVersion;
    for (const [kind, n] of Object.entries(result.applied)) {
      metrics.opsApplied.inc({ kind }, n);
      if (repair) metrics.repairs.inc({ kind }, n);
    }
    for (const f of result.failures) metrics.opFailures.inc({ kind: f.op.kind });
    // The blackhole route on start, on resync, when our subnet moves or a route to it came or went (flanneld:
    // every --iptables-resync); before iptables, which may fail the pass; a refusal is logged, not fatal.
    if (blackhole !== undefined && (why === 'resync' || why === 'start' || blackholeFor !== self.subnet)) {
      await blackhole.ensure(backend, self.subnet);
      blackholeFor = self.subnet;
      const state = blackhole.status();
      if (state !== undefined) status.blackhole = state;
    }
    // iptables on start, on resync and when our subnet moves (the masq rules name it).
    if (why === 'resync' || why === 'start' || rulesFor !== self.subnet) {
      await rules.ensure(self.subnet);
      rulesFor = self.subnet;
    }
    const ms = performance.now() - t0;
    metrics.reconciles.inc({ trigger: why.split(':')[0] ?? why });
    metrics.reconcileSeconds.observe(ms / 1000);
    metrics.peers.set(desired.routes.length);
    status.passes++;
    Object.assign(status, { device, vtepMAC: desiredOpts.vtepMAC, subnet: self.subnet, peers: desired.routes.length });
    const failedRoutes = new Map(result.failures.flatMap((f) => (f.op.kind === 'route-set' ? [[f.op.route.dst, f.error.message] as const] : [])));
    status.routes = desired.routes.slice(0, statusRouteLimit).map((r) => {
      const error = failedRoutes.get(r.dst);
      return { dst: r.dst, gateway: r.gateway, dev: r.dev, ...(error === undefined ? { state: 'installed' as const } : { state: 'failed' as const, error }) };
    });
    status.lastPass = { at: new Date().toISOString(), trigger: why, ops: ops.length, failures: result.failures.length, ms: Math.round(ms * 10) / 10 };
    if (ops.length > 0) {
      log.info({ event: repair ? 'overlay_repaired' : 'overlay_reconciled', trigger: why, ops: summarize(ops), failures: result.failures.length, ms: status.lastPass.ms });
    }
    if (result.failures.length > 0) {
      for (const f of result.failures.slice(0, 5)) log.warn({ event: 'kernel_op_failed', code: 'WEFT_E_OVERLAY_NETLINK', op: f.op, err: f.error.message });
      // A device that exists under another name with our VNI and port (flanneld's, usually) makes link-add EEXIST.
      const twin = result.failures.some((f) => f.op.kind === 'link-add' && f.error.message.includes('EEXIST'));
      const hint = twin ? `; another VXLAN device receives VNI ${self.vni} on port ${port} (flanneld's ${flannelDeviceName(self.vni)}?): delete it, or leave overlay.device unset to take flanneld's over` : '';
      throw new WeftError('WEFT_E_OVERLAY_NETLINK', `${result.failures.length} of ${ops.length} kernel operations failed (first: ${result.failures[0]?.op.kind}: ${result.failures[0]?.error.message})${hint}; retrying`);
    }
    appliedVersion = version;
    metrics.lastReconcile.set(Date.now() / 1000);
    status.lastError = undefined;
    isReady = true;
    notReady = '';
  }

  const area: OverlayReconciler = {
    name: 'overlay',
    metrics: metrics.registry,

    async start() {
      if (started || stopped) return;
      status.vtepMAC = await vtepMAC();
      backend = (options.backend ?? createNetlinkBackend)();
      started = true;
      notReady = 'no lease yet';
      timer = setInterval(() => trigger('resync'), options.resyncIntervalMs);
      timer.unref();
      log.info({ event: 'overlay_started', iface: options.iface, publicIP: options.publicIP, vtepMAC: status.vtepMAC, resyncMs: options.resyncIntervalMs });
      trigger('start');
    },

    stop: onceStop('overlay', async (deadline: Date) => {
      stopped = true;
      isReady = false;
      notReady = 'stopped';
      clearInterval(timer);
      clearTimeout(debounce);
      unwatch?.();
      const left = Math.max(0, deadline.getTime() - Date.now());
      if (running !== undefined) await Promise.race([running, new Promise((r) => setTimeout(r, left).unref())]);
      backend?.close();
      for (const resolve of waiters.splice(0)) resolve();
      // Last, and bounded by the deadline (onceStop): iptables may hang on its xtables lock.
      if (rulesFor !== undefined && options.ipMasqCleanup) {
        try {
          await rules.remove();
        } catch (error) {
          log.warn({ event: 'ip_masq_cleanup_failed', code: 'WEFT_E_OVERLAY_MASQ', err: (error as Error).message });
        }
      }
      log.info({ event: 'overlay_stopped' });
    }),

    ready: () => isReady,
    notReadyReason: () => (isReady ? undefined : notReady),
    status: () => ({ ...status }),

    setLeases(self: Lease, peers: readonly Lease[]) {
      leases = { self, peers: [...peers] };
      leasesVersion++;
      trigger('leases');
    },

    vtepMAC,

    settled() {
      if (!started || stopped) return Promise.resolve();
      return new Promise<void>((resolve) => {
        waiters.push(resolve);
        // A pass already asked for and not yet begun will serve this waiter.
        if (pending === undefined) trigger('settle');
      });
    },
  };
  return area;
}

function summarize(ops: readonly KernelOp[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const op of ops) out[op.kind] = (out[op.kind] ?? 0) + 1;
  return out;
}
