import { Counter, Gauge, Registry } from 'prom-client';

export interface SubnetMetrics {
  readonly registry: Registry;
  readonly leases: Gauge;
  readonly leaseEvents: Counter<'type'>;
  readonly malformed: Counter;
  readonly acquisitions: Counter<'reason'>;
  readonly reacquisitions: Counter<'cause'>;
  readonly raceLost: Counter;
  readonly renewals: Counter;
  readonly ownLeaseHeld: Gauge;
  readonly networkConfigErrors: Counter;
  readonly acquireErrors: Counter;
}

export function createSubnetMetrics(registry = new Registry()): SubnetMetrics {
  const registers = [registry];
  return {
    registry,
    leases: new Gauge({ name: 'weft_subnet_leases', help: 'Valid subnet leases seen under <prefix>/subnets/ (this host included).', registers }),
    leaseEvents: new Counter({ name: 'weft_subnet_lease_events_total', help: 'Lease events emitted to consumers, by type (snapshot, added, changed, removed).', labelNames: ['type'], registers }),
    malformed: new Counter({ name: 'weft_subnet_malformed_keys_total', help: 'Keys or values under subnets/ that do not parse as leases; ignored.', registers }),
    acquisitions: new Counter({ name: 'weft_subnet_acquisitions_total', help: 'Own lease written, by how the subnet was chosen (reuse, previous, random).', labelNames: ['reason'], registers }),
    reacquisitions: new Counter({ name: 'weft_subnet_reacquisitions_total', help: 'Own lease lost and acquired again, by cause (lease_lost, key_deleted, key_taken, verify).', labelNames: ['cause'], registers }),
    raceLost: new Counter({ name: 'weft_subnet_lease_races_lost_total', help: 'Create-only writes that lost to another host; a new subnet is picked.', registers }),
    renewals: new Counter({ name: 'weft_subnet_lease_renewals_total', help: 'Keep-alives of the own etcd lease that etcd confirmed.', registers }),
    ownLeaseHeld: new Gauge({ name: 'weft_subnet_own_lease_held', help: '1 while this host holds its subnet lease, else 0.', registers }),
    networkConfigErrors: new Counter({ name: 'weft_subnet_network_config_errors_total', help: 'Reads of <prefix>/config that were missing or invalid.', registers }),
    acquireErrors: new Counter({ name: 'weft_subnet_acquire_errors_total', help: 'Acquisition attempts that failed (etcd unavailable, no free subnet); retried.', registers }),
  };
}
