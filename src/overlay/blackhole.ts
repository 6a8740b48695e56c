// flanneld's --ip-blackhole-route (main.go; pkg/ip/iface.go AddBlackholeV4Route/AddBlackholeV6Route):
// a blackhole route for this host's own subnet, so a packet to an address of it that no container
// holds is dropped here rather than sent out the default route. Where a bridge (cni0) holds the
// subnet its route is there first and the kernel refuses the blackhole (EEXIST); flanneld logs that
// and goes on, and so does weft: the overlay stays ready. Like flanneld, never removed.
import type { Logger } from '../log.ts';
import { cidrContains, formatCidr, parseCidr, parseIp } from '../net/index.ts';
import type { KernelBackend } from './backend.ts';
import type { Family } from './family.ts';
import type { OverlayMetrics } from './metrics.ts';

export interface BlackholeStatus {
  dst: string;
  /** 'installed' (added or found), or 'failed' with the kernel's (or the check's) error; retried each resync. */
  state: 'installed' | 'failed';
  error?: string;
}

/**
 * Pure: why `subnet` must not become a blackhole route, or undefined. Only this family's subnet as
 * the lease names it (no host bits), never a default route, and wholly inside the cluster network:
 * a route without a device drops everything it covers, so nothing else reaches the kernel.
 */
export function blackholeProblem(subnet: string, network: string, family: Family): string | undefined {
  const sub = parseCidr(subnet);
  if (sub === undefined || sub.family !== family || formatCidr(sub) !== subnet) return `own subnet ${JSON.stringify(subnet)} is not an IPv${family} subnet without host bits`;
  if (sub.net.prefixLen === 0) return `own subnet ${subnet} is a default route`;
  const net = parseCidr(network);
  const base = parseIp(subnet.slice(0, subnet.indexOf('/')));
  if (net === undefined || net.family !== family || sub.net.prefixLen < net.net.prefixLen || base === undefined || !cidrContains(net, base)) {
    return `own subnet ${subnet} is not inside the cluster network ${network}`;
  }
  return undefined;
}

export interface BlackholeKeeper {
  /** Adds the blackhole route for `subnet` unless the kernel has it; logs a failure once while it repeats. */
  ensure(backend: KernelBackend, subnet: string): Promise<void>;
  status(): BlackholeStatus | undefined;
}

export function createBlackholeKeeper(deps: { network: string; family: Family; log: Logger; metrics: OverlayMetrics }): BlackholeKeeper {
  const { log, metrics } = deps;
  let current: BlackholeStatus | undefined;
  let installedOnce: string | undefined;

  const fail = (dst: string, code: string, error: string): void => {
    metrics.opFailures.inc({ kind: 'blackhole-add' });
    const hint = /EEXIST|File exists/.test(error) ? `; another route holds ${dst} (a bridge such as cni0 holding the subnet?): that route wins and the blackhole is not needed there, or set overlay.ip_blackhole_route = false` : '; retrying on the next resync';
    if (current?.state !== 'failed' || current.dst !== dst || current.error !== error) {
      log.warn({ event: 'blackhole_route_failed', code, dst, err: error }, `no blackhole route for this host's subnet${hint}`);
    }
    current = { dst, state: 'failed', error };
  };

  return {
    async ensure(backend, subnet) {
      const problem = blackholeProblem(subnet, deps.network, deps.family);
      if (problem !== undefined) return fail(subnet, 'WEFT_E_OVERLAY_CONFIG', problem);
      try {
        const outcome = await backend.ensureBlackhole(subnet);
        if (outcome === 'added') {
          metrics.opsApplied.inc({ kind: 'blackhole-add' });
          // Added again for the same subnet: someone deleted it since.
          if (installedOnce === subnet) metrics.repairs.inc({ kind: 'blackhole-add' });
          log.info({ event: 'blackhole_route_added', dst: subnet });
        }
        installedOnce = subnet;
        current = { dst: subnet, state: 'installed' };
      } catch (error) {
        fail(subnet, 'WEFT_E_OVERLAY_NETLINK', (error as Error).message);
      }
    },
    status: () => (current === undefined ? undefined : { ...current }),
  };
}
