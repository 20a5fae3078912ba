/**
 * Events a node causes (those it reports, and the hub's complaints about what it sent) pass a
 * token bucket per node before they reach the store, as Kubernetes' EventRateLimit admission
 * does per source: a device flooding events costs at most `burst` plus `perSecond` writes, and
 * its excess is dropped and counted, with one log line per node per interval rather than one
 * per event. Recorded events carry the node as their source host.
 */
import type { Clock } from '../../shared/util/clock.js';
import type { Logger } from '../../shared/util/logger.js';
import { TokenBuckets, type TokenBucketLimit } from '../../shared/util/token-bucket.js';
import type { EventSink, EventType, InvolvedObject } from './recorder.js';

export interface NodeEventRateLimit extends TokenBucketLimit {
  /** How often at most one node's dropped events are logged (as one line with the count). */
  summaryIntervalMs: number;
}

export const DEFAULT_NODE_EVENT_RATE_LIMIT: Readonly<NodeEventRateLimit> = { burst: 50, perSecond: 1, maxTracked: 100_000, summaryIntervalMs: 10_000 };

/** The component agent-reported events are attributed to (their `source.host` is the node). */
export const AGENT_EVENT_COMPONENT = 'flotilla-agent';

/** Where events caused by a node go: `node` is who pays for them. */
export interface NodeEventSink {
  /** False when the node is over its rate and the event was dropped. */
  record(node: string, involved: InvolvedObject, type: EventType, reason: string, message: string): boolean;
  /** How many of `n` events the node may record now (the rest are counted as dropped). */
  admit(node: string, n: number): number;
}

export class NodeEventLimiter implements NodeEventSink {
  private readonly buckets: TokenBuckets;
  /** Dropped since the node's summary line was scheduled. */
  private readonly dropped = new Map<string, number>();
  private readonly timers = new Set<() => void>();
  private readonly log: Logger;

  constructor(
    private readonly sink: EventSink,
    private readonly limit: NodeEventRateLimit,
    private readonly clock: Clock,
    logger: Logger,
  ) {
    this.buckets = new TokenBuckets(limit, () => clock.now().getTime());
    this.log = logger.child({ component: 'event-rate-limit' });
  }

  admit(node: string, n: number): number {
    const got = this.buckets.take(node, n);
    if (got < n) this.countDropped(node, n - got);
    return got;
  }

  record(node: string, involved: InvolvedObject, type: EventType, reason: string, message: string): boolean {
    if (this.admit(node, 1) === 0) return false;
    this.sink.record(involved, type, reason, message, { component: AGENT_EVENT_COMPONENT, host: node });
    return true;
  }

  /** Stops pending summary timers (hub shutdown). */
  close(): void {
    for (const cancel of this.timers) cancel();
    this.timers.clear();
  }

  private countDropped(node: string, n: number): void {
    const before = this.dropped.get(node);
    this.dropped.set(node, (before ?? 0) + n);
    if (before !== undefined) return; // a summary is already scheduled
    const cancel = this.clock.setTimer(() => {
      this.timers.delete(cancel);
      const count = this.dropped.get(node) ?? 0;
      this.dropped.delete(node);
      this.log.warn('node events dropped: over its rate limit', { node, dropped: count, intervalMs: this.limit.summaryIntervalMs, burst: this.limit.burst, perSecond: this.limit.perSecond });
    }, this.limit.summaryIntervalMs);
    this.timers.add(cancel);
  }
}
