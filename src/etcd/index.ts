export { createEtcdClient, etcdClientOptions, waitForEtcd, type EtcdSettings } from './client.ts';
export { PrefixWatch, toKeyValue, type KeyValue, type PrefixWatchOptions, type PrefixWatchStatus, type WatchHandler } from './watch.ts';
export { HostLease, type HostLeaseOptions } from './host-lease.ts';
export { createEtcdMetrics, type EtcdMetrics } from './metrics.ts';
export { createEtcdArea, etcdHandle, validateEtcd, type EtcdArea, type EtcdHandle } from './area.ts';
