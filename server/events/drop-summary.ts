/**
 * Counts what a flood made the hub drop, per key (a node), and logs it as one line per key per
 * interval with the count, never one line per dropped item: a flood must not become a log flood.
 */
import type { Clock } from '../../shared/util/clock.js';

export class DropSummary {
  /** Dropped since the key's summary line was scheduled. */
  private readonly dropped = new Map<string, number>();
  private readonly timers = new Set<() => void>();

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly report: (key: string, dropped: number) => void,
  ) {}

  count(key: string, n: number): void {
    const before = this.dropped.get(key);
    this.dropped.set(key, (before ?? 0) + n);
    if (before !== undefined) return; // a summary is already scheduled
    const cancel = this.clock.setTimer(() => {
      this.timers.delete(cancel);
      const total = this.dropped.get(key) ?? 0;
      this.dropped.delete(key);
      this.report(key, total);
    }, this.intervalMs);
    this.timers.add(cancel);
  }

  /** Stops pending summary timers (hub shutdown). */
  close(): void {
    for (const cancel of this.timers) cancel();
    this.timers.clear();
  }
}
