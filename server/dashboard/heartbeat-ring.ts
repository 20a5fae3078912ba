/**
 * Recent heartbeat arrivals per node, in memory only: a small ring per node for the node page's
 * timeline, and the set of nodes heard from since the last broadcast for the fleet page's
 * batched deltas. Bounded: `size` times per node, one entry per node ever heard from.
 */
export class HeartbeatRing {
  private readonly rings = new Map<string, { times: Float64Array; next: number; count: number }>();
  private dirty = new Set<string>();

  /** Messages closer together than `mergeMs` (a heartbeat and a status report) count as one arrival. */
  constructor(
    private readonly size = 64,
    private readonly mergeMs = 250,
  ) {}

  record(node: string, atMs: number): void {
    const last = this.last(node);
    if (last !== undefined && atMs - last < this.mergeMs) return;
    let r = this.rings.get(node);
    if (!r) {
      r = { times: new Float64Array(this.size), next: 0, count: 0 };
      this.rings.set(node, r);
    }
    r.times[r.next] = atMs;
    r.next = (r.next + 1) % this.size;
    r.count = Math.min(this.size, r.count + 1);
    this.dirty.add(node);
  }

  last(node: string): number | undefined {
    const r = this.rings.get(node);
    return r && r.count > 0 ? r.times[(r.next + this.size - 1) % this.size] : undefined;
  }

  /** Arrival times (epoch ms), oldest first. */
  timeline(node: string): number[] {
    const r = this.rings.get(node);
    if (!r) return [];
    const out: number[] = [];
    for (let i = r.count; i > 0; i--) out.push(r.times[(r.next + this.size - i) % this.size] ?? 0);
    return out;
  }

  /** Every node's last arrival. */
  lastAll(): Map<string, number> {
    const out = new Map<string, number>();
    for (const node of this.rings.keys()) {
      const t = this.last(node);
      if (t !== undefined) out.set(node, t);
    }
    return out;
  }

  /** The nodes heard from since the previous call, with their last arrival. */
  takeChanged(): Map<string, number> {
    const changed = this.dirty;
    this.dirty = new Set();
    const out = new Map<string, number>();
    for (const node of changed) {
      const t = this.last(node);
      if (t !== undefined) out.set(node, t);
    }
    return out;
  }
}
