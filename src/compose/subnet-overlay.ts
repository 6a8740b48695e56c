// Glue between the subnet and overlay areas, used only by daemon.ts (areas never import each
// other). The overlay needs what the subnet learns at run time — the cluster network, this host's
// lease, its underlay address — so it is created when the first own lease arrives, and every lease
// event hands it the current set. The VTEP MAC is the overlay's persisted one, given to the subnet
// before its first lease write (see vtepMACFor in daemon.ts).
import type { Registry } from 'prom-client';
import type { Area } from '../area.ts';
import type { Config } from '../config/index.ts';
import type { Logger } from '../log.ts';
import { createOverlayArea, type OverlayArea } from '../overlay/index.ts';
import { leaseBounds, networkCidrs, type SubnetArea } from '../subnet/index.ts';

export class SubnetOverlayLink implements Area {
  readonly name = 'overlay';
  readonly #subnet: SubnetArea;
  readonly #config: Config;
  readonly #log: Logger;
  readonly #logger: Logger;
  #overlay: OverlayArea | undefined;
  #creating: Promise<void> | undefined;
  #unsubscribe: (() => void)[] = [];
  #signal: AbortSignal | undefined;
  #problem: string | undefined;
  #pushQueued = false;

  constructor(subnet: SubnetArea, config: Config, logger: Logger) {
    this.#subnet = subnet;
    this.#config = config;
    this.#logger = logger;
    this.#log = logger.child({ area: 'overlay' });
  }

  get metrics(): Registry | undefined {
    return this.#overlay?.metrics;
  }

  async start(signal: AbortSignal): Promise<void> {
    this.#signal = signal;
    const unsubscribeLeases = this.#subnet.leases.subscribe(() => this.#push());
    const unsubscribeOwn = this.#subnet.onOwnLease(() => void this.#ensure());
    this.#unsubscribe = [unsubscribeLeases, () => void unsubscribeOwn()];
    void this.#ensure();
  }

  async stop(deadline: Date): Promise<void> {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    await this.#creating;
    await this.#overlay?.stop(deadline);
  }

  ready(): boolean {
    return this.#overlay?.ready() ?? false;
  }

  readonly notReadyReason = (): string | undefined => {
    if (this.#problem !== undefined) return this.#problem;
    if (this.#overlay === undefined) return 'waiting for this host\'s subnet lease';
    return this.#overlay.notReadyReason?.();
  };

  readonly status = (): unknown => this.#overlay?.status() ?? { waitingFor: 'subnet lease', problem: this.#problem ?? null };

  #ensure(): Promise<void> {
    this.#creating ??= this.#create().finally(() => (this.#creating = undefined));
    return this.#creating;
  }

  async #create(): Promise<void> {
    if (this.#overlay !== undefined) return this.#push();
    const own = this.#subnet.ownLease();
    const network = this.#subnet.network();
    const address = this.#subnet.publicAddress();
    if (own === undefined || network?.ipv4 === undefined || address === undefined) return;
    if (network.backend.type !== 'vxlan') {
      this.#problem = `the network config's Backend.Type is "${network.backend.type}"; weft's overlay implements only vxlan`;
      return;
    }
    try {
      const overlay = createOverlayArea({
        network: networkCidrs(network)[0] ?? '',
        // Peer leases of another length or outside SubnetMin..SubnetMax never become routes.
        ...leaseBounds(network),
        iface: address.iface ?? '',
        publicIP: address.publicIP,
        port: network.backend.port,
        device: this.#config.overlay.device,
        mtu: this.#config.overlay.mtu > 0 ? this.#config.overlay.mtu : network.backend.mtu,
        directRouting: network.backend.directRouting,
        resyncIntervalMs: this.#config.overlay.resync_interval,
        stateDir: this.#config.daemon.state_dir,
        ipMasq: this.#config.subnet.ip_masq,
        ipMasqCleanup: this.#config.overlay.ip_masq_cleanup,
        vtepMAC: own.vtepMAC,
        logger: this.#logger,
      });
      await overlay.start(this.#signal ?? new AbortController().signal);
      this.#overlay = overlay;
      this.#problem = undefined;
      this.#push();
    } catch (error) {
      this.#problem = (error as Error).message;
      this.#log.error({ event: 'overlay_start_failed', err: this.#problem }, 'overlay could not start; retrying on the next lease event');
    }
  }

  // Lease events come in bursts (one watch response can carry a hundred puts): hand the overlay
  // the set once per burst, not once per event.
  #push(): void {
    if (this.#pushQueued) return;
    this.#pushQueued = true;
    setImmediate(() => {
      this.#pushQueued = false;
      this.#pushNow();
    });
  }

  #pushNow(): void {
    const own = this.#subnet.ownLease();
    if (own === undefined || this.#overlay === undefined) return;
    this.#overlay.setLeases(own, this.#subnet.leases.current().filter((lease) => lease.subnet !== own.subnet));
  }
}
