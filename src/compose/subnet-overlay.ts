// Glue between the subnet and overlay areas, used only by daemon.ts (areas never import each
// other): the subnet area's leases, network config and underlay address, as the plain OverlayView
// the overlay follows. Lease events come in bursts (one watch response can carry a hundred puts):
// the overlay gets the view once per burst, not once per event.
import type { OverlayFeed, OverlayView } from '../overlay/index.ts';
import { leaseBounds, leaseBounds6, networkCidrs, type SubnetArea } from '../subnet/index.ts';

/** The overlay's view of what the subnet area knows now; undefined until this host holds a lease. */
export function overlayView(subnet: SubnetArea): OverlayView | undefined {
  const own = subnet.ownLease();
  const network = subnet.network();
  const address = subnet.publicAddress();
  if (own === undefined || network === undefined || address === undefined) return undefined;
  const network6 = leaseBounds6(network);
  return {
    self: own,
    peers: subnet.leases.current().filter((lease) => lease.subnet !== own.subnet || lease.ipv6Subnet !== own.ipv6Subnet),
    network: {
      // '' on an IPv6-only network: the overlay then runs the IPv6 device only.
      cidr: network.ipv4 === undefined ? '' : (networkCidrs(network)[0] ?? ''),
      backendType: network.backend.type,
      port: network.backend.port,
      mtu: network.backend.mtu,
      directRouting: network.backend.directRouting,
      gbp: network.backend.gbp,
      learning: network.backend.learning,
      // Peer leases of another length or outside SubnetMin..SubnetMax never become routes.
      ...leaseBounds(network),
    },
    underlay: { iface: address.iface ?? '', publicIP: address.publicIP, ...(address.publicIPv6 === undefined ? {} : { publicIPv6: address.publicIPv6 }) },
    ...(network6 === undefined ? {} : { network6 }),
  };
}

export function subnetOverlayFeed(subnet: SubnetArea): OverlayFeed {
  return {
    subscribe(listener) {
      let queued = false;
      let active = true;
      const push = (): void => {
        if (queued) return;
        queued = true;
        setImmediate(() => {
          queued = false;
          if (active) listener(overlayView(subnet));
        });
      };
      const offLeases = subnet.leases.subscribe(push);
      const offOwn = subnet.onOwnLease(push);
      push();
      return () => {
        active = false;
        offLeases();
        offOwn();
      };
    },
  };
}
