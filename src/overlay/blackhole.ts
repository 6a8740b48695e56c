// flanneld's --ip-blackhole-route (main.go; pkg/ip/iface.go AddBlackholeV4Route/AddBlackholeV6Route):
// a blackhole route for this host's own subnet, so a packet to an address of it that no container
// holds is dropped here rather than sent out the default route (Canal: per-pod /32 routes, no
// bridge). Where a bridge (cni0) holds the subnet its route does that job: flanneld's add fails
// there with EEXIST every resync, and a bridge made after the blackhole sits behind it and loses
// all its traffic; weft adds none beside another route and deletes its own once one appears.
// A refusal is logged and retried; the overlay stays ready (flanneld logs and goes on). Never
// removed on stop, as flanneld.
import type { Logger } from '../log.ts';
import { cidrContains, formatCidr, parseCidr, parseIp } from '../net/index.ts';
import type { KernelBackend } from './backend.ts';
import type { Family } from './family.ts';
import type { OverlayMetrics } from './metrics.ts';

export interface BlackholeStatus {
  dst: string;
  /** 'installed' (added or found); 'held' by another route (`holder`), so none; 'failed' with the error, retried each resync. */
  state: 'installed' | 'held' | 'failed';
  holder?: string;
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
    const hint = /EEXIST|File exists/.test(error) ? `; a route to ${dst} appeared meanwhile (a bridge's?); looking again on the next resync` : '; retrying on the next resync';
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
        const result = await backend.ensureBlackhole(subnet);
        if (result.outcome === 'held' || result.outcome === 'removed') {
          if (result.outcome === 'removed') metrics.opsApplied.inc({ kind: 'blackhole-del' });
          if (result.outcome === 'removed' || current?.state !== 'held' || current.dst !== subnet || current.holder !== result.holder) {
            log.info({ event: result.outcome === 'removed' ? 'blackhole_route_removed' : 'blackhole_route_not_needed', dst: subnet, holder: result.holder },
              `${result.holder} holds this host's subnet: its route drops what no container answers, and a blackhole would shadow it`);
          }
          current = { dst: subnet, state: 'held', holder: result.holder };
          installedOnce = undefined;
          return;
        }
        if (result.outcome === 'added') {
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
