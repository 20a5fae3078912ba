/**
 * Heartbeat leases, in memory: the hub records when each node was last heard from and writes
 * the store only when a node's liveness changes (the node-lifecycle controller does that).
 */
import type { Clock } from '../../shared/util/clock.js';

export type LeaseListener = (node: string) => void;

export class LeaseTracker {
  private readonly last = new Map<string, number>();
  private readonly listeners = new Set<LeaseListener>();
  private readonly renewals = new Set<(node: string, atMs: number) => void>();

  constructor(private readonly clock: Clock) {}

  /** Records a heartbeat (or any message) from `node`; tells listeners when it was not live. */
  renew(node: string, graceMs: number): void {
    const now = this.clock.now().getTime();
    const prev = this.last.get(node);
    this.last.set(node, now);
    for (const l of this.renewals) l(node, now);
    if (prev === undefined || now - prev > graceMs) for (const l of this.listeners) l(node);
  }

  /** Every node heard from, with its last heartbeat (the API's Lease view). */
  *heartbeats(): IterableIterator<[string, Date]> {
    for (const [node, t] of this.last) yield [node, new Date(t)];
  }

  lastHeartbeat(node: string): Date | undefined {
    const t = this.last.get(node);
    return t === undefined ? undefined : new Date(t);
  }

  /** Called on every renewal (the dashboard's heartbeat ring, Lease watches). */
  onRenew(l: (node: string, atMs: number) => void): () => void {
    this.renewals.add(l);
    return () => this.renewals.delete(l);
  }

  /** Called when a node comes back after silence (or is heard from for the first time). */
  onRenewedAfterSilence(l: LeaseListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
