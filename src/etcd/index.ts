export { createEtcdClient, etcdClientOptions, waitForEtcd, type EtcdSettings } from './client.ts';
export { PrefixWatch, toKeyValue, type KeyValue, type PrefixWatcher, type PrefixWatchOptions, type PrefixWatchStatus, type WatchHandler } from './watch.ts';
export { HostLease, type HostLeaseOptions } from './host-lease.ts';
export { createEtcdMetrics, type EtcdMetrics } from './metrics.ts';
export { createEtcdArea, etcdHandle, validateEtcd, type EtcdArea, type EtcdHandle } from './area.ts';
// In-memory etcd for unit tests of etcd consumers (the subnet manager's race logic).
export { MemoryKeyspace, MemoryPrefixWatch, type Compare, type KeyspaceEvent } from './memory-keyspace.ts';
export { LeaseTtls, leaseTtlQuery, type LeaseTtlOptions, type LeaseTtlQuery, type LeaseTtlStatus } from './lease-ttl.ts';
