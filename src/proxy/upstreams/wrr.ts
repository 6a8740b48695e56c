// The two balancing schedules, pure (no clock, no I/O):
//   servers of a loadBalancer: nginx's smooth weighted round robin (ngx_http_upstream_get_peer);
//   children of a weighted service: Traefik's earliest-deadline-first WRR (loadbalancer/wrr).
// Both take an eligibility predicate (health, retry exclusions) per pick.

/** One server's state in nginx's smooth WRR. */
export interface SmoothPeer {
  readonly weight: number;
  /** nginx current_weight. */
  current: number;
  /** nginx effective_weight: lowered by a failure, grows back by 1 per pick it takes part in. */
  effective: number;
}

export function smoothPeers(weights: readonly number[]): SmoothPeer[] {
  return weights.map((weight) => ({ weight, current: 0, effective: weight }));
}

/**
 * nginx's pick: every eligible peer gains its effective weight, the largest current weight wins
 * (the first on ties) and loses the total. Weight 0 never takes part. Returns -1 when none is eligible.
 */
export function pickSmooth(peers: readonly SmoothPeer[], eligible: (index: number) => boolean): number {
  let best = -1;
  let total = 0;
  for (let index = 0; index < peers.length; index++) {
    const peer = peers[index]!;
    if (!(peer.weight > 0 && Number.isFinite(peer.weight)) || !eligible(index)) continue;
    peer.current += peer.effective;
    total += peer.effective;
    if (peer.effective < peer.weight) peer.effective++;
    if (best === -1 || peer.current > peers[best]!.current) best = index;
  }
  if (best !== -1) peers[best]!.current -= total;
  return best;
}

/** nginx's free_peer on failure with max_fails=1: the effective weight drops by the whole weight. */
export function penalizeSmooth(peer: SmoothPeer): void {
  peer.effective = Math.max(0, peer.effective - peer.weight);
}

/** Pops of ineligible entries per pick before skipping ahead (Traefik has no bound). */
const maxSkipsPerEntry = 64;

interface DeadlineEntry {
  readonly index: number;
  readonly weight: number;
  deadline: number;
}

/**
 * Traefik's weighted round robin: each entry's deadline advances by 1/weight when it is popped; the
 * earliest deadline is picked. The heap moves exactly as Go's container/heap does, so ties break
 * the way Traefik's do. Entries with weight <= 0 are left out (Traefik ignores them).
 */
export class DeadlineScheduler {
  private readonly heap: DeadlineEntry[] = [];
  private currentDeadline = 0;

  constructor(weights: readonly number[]) {
    weights.forEach((weight, index) => {
      if (weight > 0 && Number.isFinite(weight)) this.push({ index, weight, deadline: this.currentDeadline + 1 / weight });
    });
  }

  get size(): number {
    return this.heap.length;
  }

  /**
   * Pops the earliest deadline until an eligible entry comes up (ineligible ones still advance, as in
   * Traefik). Returns -1 without touching the schedule when no entry is eligible.
   */
  pick(eligible: (index: number) => boolean): number {
    if (!this.heap.some((entry) => eligible(entry.index))) return -1;
    for (let round = 0; round < this.heap.length * maxSkipsPerEntry; round++) {
      const entry = this.pop();
      this.currentDeadline = entry.deadline;
      entry.deadline += 1 / entry.weight;
      this.push(entry);
      if (eligible(entry.index)) return entry.index;
    }
    return this.pickSkippingAhead(eligible);
  }

  /**
   * Bounds the cost when a heavy entry is ineligible (weights {1e6 down, 1 up} would take a
   * million pops per pick): take the earliest eligible entry, and move the others up to its deadline.
   */
  private pickSkippingAhead(eligible: (index: number) => boolean): number {
    const entry = this.heap.filter((candidate) => eligible(candidate.index)).reduce((a, b) => (b.deadline < a.deadline ? b : a));
    this.currentDeadline = entry.deadline;
    for (const other of this.heap) other.deadline = Math.max(other.deadline, this.currentDeadline);
    entry.deadline += 1 / entry.weight;
    const entries = this.heap.splice(0);
    for (const held of entries) this.push(held);
    return entry.index;
  }

  private push(entry: DeadlineEntry): void {
    this.heap.push(entry);
    this.up(this.heap.length - 1);
  }

  private pop(): DeadlineEntry {
    const last = this.heap.length - 1;
    this.swap(0, last);
    this.down(0, last);
    return this.heap.pop()!;
  }

  private less(i: number, j: number): boolean {
    return this.heap[i]!.deadline < this.heap[j]!.deadline;
  }

  private swap(i: number, j: number): void {
    const held = this.heap[i]!;
    this.heap[i] = this.heap[j]!;
    this.heap[j] = held;
  }

  private up(start: number): void {
    let child = start;
    while (child > 0) {
      const parent = Math.floor((child - 1) / 2);
      if (!this.less(child, parent)) break;
      this.swap(parent, child);
      child = parent;
    }
  }

  private down(start: number, size: number): void {
    let parent = start;
    for (;;) {
      const left = 2 * parent + 1;
      if (left >= size) break;
      let child = left;
      if (left + 1 < size && this.less(left + 1, left)) child = left + 1;
      if (!this.less(child, parent)) break;
      this.swap(parent, child);
      parent = child;
    }
  }
}
