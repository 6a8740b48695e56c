export { createOverlayArea, validateOverlay, type OverlayArea, type OverlayDeps, type OverlayFeed, type OverlayView } from './area.ts';
export { createOverlayReconciler, type OverlayOptions, type OverlayReconciler, type OverlayStatus } from './reconciler.ts';
export type { Lease } from './lease.ts';
export type { KernelBackend } from './backend.ts';
export { desiredState } from './desired.ts';
export { diff } from './diff.ts';
export { createNetlinkBackend } from './netlink.ts';
export { adoptOrLoadVtepMac, loadOrCreateVtepMac } from './vtep-mac.ts';
