// Remembers which peer leases are rejected, so each one is logged and counted once while it stays
// rejected (not on every pass), and the status can show them. Holds at most the current lease set.
import type { Rejected, RejectReason } from './peer-filter.ts';

/** Status shows this many rejected leases; the counts cover all of them. */
const EXAMPLES = 10;

export interface RejectionSummary {
  leases: number;
  byReason: Partial<Record<RejectReason, number>>;
  examples: { subnet: string; publicIP: string; reason: RejectReason }[];
}

const keyOf = (r: Rejected): string => `${r.lease.subnet} ${r.lease.publicIP} ${r.reason}`;

export class RejectionTracker {
  #current = new Map<string, Rejected>();

  /** Replaces the rejected set; returns the entries that are new since the last call. */
  update(rejected: readonly Rejected[]): Rejected[] {
    const next = new Map(rejected.map((r) => [keyOf(r), r]));
    const fresh = [...next].filter(([key]) => !this.#current.has(key)).map(([, r]) => r);
    this.#current = next;
    return fresh;
  }

  summary(): RejectionSummary {
    const byReason: Partial<Record<RejectReason, number>> = {};
    for (const r of this.#current.values()) byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
    const examples = [...this.#current.values()].slice(0, EXAMPLES).map((r) => ({ subnet: r.lease.subnet, publicIP: r.lease.publicIP, reason: r.reason }));
    return { leases: this.#current.size, byReason, examples };
  }
}
