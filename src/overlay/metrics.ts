import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface OverlayMetrics {
  readonly registry: Registry;
  readonly reconciles: Counter<'trigger'>;
  readonly reconcileErrors: Counter;
  readonly reconcileSeconds: Histogram;
  readonly opsApplied: Counter<'kind'>;
  readonly opFailures: Counter<'kind'>;
  readonly repairs: Counter<'kind'>;
  readonly peers: Gauge;
  readonly lastReconcile: Gauge;
  readonly leasesRejected: Counter<'reason'>;
  readonly rejectedLeases: Gauge;
}

export function createOverlayMetrics(registry = new Registry()): OverlayMetrics {
  const registers = [registry];
  return {
    registry,
    reconciles: new Counter({ name: 'weft_overlay_reconciles_total', help: 'Reconcile passes, by trigger (leases, netlink, resync, start).', labelNames: ['trigger'], registers }),
    reconcileErrors: new Counter({ name: 'weft_overlay_reconcile_errors_total', help: 'Reconcile passes that could not read or fully apply the kernel state; retried.', registers }),
    reconcileSeconds: new Histogram({
      name: 'weft_overlay_reconcile_duration_seconds', help: 'Time of one reconcile pass (read, diff, apply).', registers,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
    opsApplied: new Counter({ name: 'weft_overlay_ops_applied_total', help: 'Kernel operations applied, by kind (route-set, neigh-del, link-add, ...).', labelNames: ['kind'], registers }),
    opFailures: new Counter({ name: 'weft_overlay_op_failures_total', help: 'Kernel operations the kernel refused, by kind; retried on the next pass.', labelNames: ['kind'], registers }),
    repairs: new Counter({
      name: 'weft_overlay_repairs_total', help: 'Operations that restored state someone else changed while the lease set was unchanged, by kind.', labelNames: ['kind'], registers,
    }),
    peers: new Gauge({ name: 'weft_overlay_peers', help: 'Peers programmed into the kernel (vxlan leases other than our own).', registers }),
    leasesRejected: new Counter({
      name: 'weft_overlay_leases_rejected_total', help: 'Peer leases refused as routes (counted once each while they stay refused), by reason (see README).', labelNames: ['reason'], registers,
    }),
    rejectedLeases: new Gauge({ name: 'weft_overlay_rejected_leases', help: 'Peer leases refused as routes right now.', registers }),
    lastReconcile: new Gauge({ name: 'weft_overlay_last_reconcile_timestamp_seconds', help: 'When the last reconcile pass finished without errors.', registers }),
  };
}
