import { Counter, Gauge, type Registry } from 'prom-client';

export interface EtcdMetrics {
  readonly watchEvents: Counter<'prefix' | 'type'>;
  readonly watchSnapshots: Counter<'prefix'>;
  readonly watchResnapshots: Counter<'prefix'>;
  readonly watchReconnects: Counter<'prefix'>;
  readonly watchDuplicates: Counter<'prefix'>;
  readonly watchHandlerErrors: Counter<'prefix'>;
  readonly hostLeaseGrants: Counter;
  readonly hostLeaseKeys: Gauge;
}

export function createEtcdMetrics(registry: Registry): EtcdMetrics {
  const registers = [registry];
  return {
    watchEvents: new Counter({ name: 'weft_etcd_watch_events_total', help: 'Watch events delivered to consumers.', labelNames: ['prefix', 'type'], registers }),
    watchSnapshots: new Counter({ name: 'weft_etcd_watch_snapshots_total', help: 'Snapshots delivered (first and after compaction).', labelNames: ['prefix'], registers }),
    watchResnapshots: new Counter({ name: 'weft_etcd_watch_resnapshots_total', help: 'Watches cancelled by etcd (compaction) and restarted from a snapshot.', labelNames: ['prefix'], registers }),
    watchReconnects: new Counter({ name: 'weft_etcd_watch_reconnects_total', help: 'Watch streams lost and resumed.', labelNames: ['prefix'], registers }),
    watchDuplicates: new Counter({ name: 'weft_etcd_watch_duplicates_dropped_total', help: 'Events at or below the delivered revision, dropped.', labelNames: ['prefix'], registers }),
    watchHandlerErrors: new Counter({ name: 'weft_etcd_watch_handler_errors_total', help: 'Consumer callbacks that threw.', labelNames: ['prefix'], registers }),
    hostLeaseGrants: new Counter({ name: 'weft_etcd_host_lease_grants_total', help: 'Host leases granted (1 at start, +1 per re-grant after loss).', registers }),
    hostLeaseKeys: new Gauge({ name: 'weft_etcd_host_lease_keys', help: 'Keys attached to the host lease.', registers }),
  };
}
