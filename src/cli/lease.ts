// `weft lease ls`: every subnet lease in etcd, as a table or JSON.
import { decodeLease, expiriesOf, listSubnetKeys, subnetsPrefix, type Lease } from '../subnet/index.ts';
import { takeSwitch, type Command } from './command.ts';
import { spec } from './commands.ts';
import { withEtcd } from './network.ts';

function expiresIn(lease: Lease, now: number): string {
  if (lease.expires === undefined) return 'never';
  const seconds = Math.max(0, Math.round((lease.expires.getTime() - now) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatLeaseTable(leases: readonly Lease[], now = Date.now()): string {
  // The IPv6 columns only when some lease has an IPv6 side (flannel's EnableIPv6).
  const v6 = leases.some((l) => l.ipv6Subnet !== undefined);
  const head = ['SUBNET', 'PUBLIC IP', ...(v6 ? ['IPV6 SUBNET', 'PUBLIC IPV6'] : []), 'BACKEND', 'VTEP MAC', ...(v6 ? ['VTEP MAC V6'] : []), 'EXPIRES IN'];
  const rows = [head, ...leases.map((l) => [
    l.subnet || '-', l.publicIP || '-', ...(v6 ? [l.ipv6Subnet ?? '-', l.publicIPv6 ?? '-'] : []),
    l.backendType === 'vxlan' ? `vxlan/${l.vni}` : l.backendType || '-', l.vtepMAC || '-', ...(v6 ? [l.vtepMACv6 || '-'] : []), expiresIn(l, now),
  ])];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

export const leaseLs: Command = {
  ...spec('lease ls'),
  async run(args, io) {
    const json = takeSwitch(args, 'json');
    return withEtcd(json.rest, io, async (client, prefix) => {
      const { items } = await listSubnetKeys(client, prefix);
      const expiries = await expiriesOf(client, items);
      const leases: Lease[] = [];
      for (const item of items) {
        const decoded = decodeLease(prefix, item, expiries.get(item.lease));
        if (typeof decoded === 'string') io.err(`WEFT_E_LEASE_MALFORMED: ignored: ${decoded}`);
        else leases.push(decoded.lease);
      }
      if (json.on) {
        const now = Date.now();
        io.out(JSON.stringify(leases.map((l) => ({
          ...l,
          expires: l.expires?.toISOString() ?? null,
          expiresInSeconds: l.expires === undefined ? null : Math.max(0, Math.round((l.expires.getTime() - now) / 1000)),
        })), null, 2));
      } else if (leases.length === 0) io.out(`no leases under ${subnetsPrefix(prefix)}`);
      else io.out(formatLeaseTable(leases));
      return 0;
    });
  },
};
