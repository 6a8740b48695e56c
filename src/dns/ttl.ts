// The TTL of an answer from etcd, as CoreDNS's etcd plugin computes it (plugin/etcd/etcd.go, TTL):
// a key with a live lease contributes the lease's remaining TTL clamped to [min-lease-ttl,
// max-lease-ttl] (CoreDNS: 30 s and 24 h); the answer is the smaller of that and the value's `ttl`,
// whichever is set, else the default. Pure.

export interface LeaseBounds {
  /** Seconds; CoreDNS `min-lease-ttl` (default 30). */
  readonly min: number;
  /** Seconds; CoreDNS `max-lease-ttl` (default 86400). */
  readonly max: number;
}

/** The lease's contribution: 0 when the lease has no positive remaining TTL (expired, unknown). */
export function clampLeaseTtl(remaining: number | undefined, bounds: LeaseBounds): number {
  if (remaining === undefined || !(remaining > 0)) return 0;
  return Math.min(Math.max(remaining, bounds.min), bounds.max);
}

/** CoreDNS Etcd.TTL: the smaller of the two that are set (non-zero), else the default. */
export function answerTtl(valueTtl: number, leaseTtl: number, defaultTtl: number): number {
  if (leaseTtl === 0) return valueTtl === 0 ? defaultTtl : valueTtl;
  if (valueTtl === 0) return leaseTtl;
  return Math.min(leaseTtl, valueTtl);
}
