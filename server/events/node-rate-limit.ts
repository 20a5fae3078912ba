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
import { DropSummary } from './drop-summary.js';
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
  private readonly drops: DropSummary;

  constructor(
    private readonly sink: EventSink,
    private readonly limit: NodeEventRateLimit,
    private readonly clock: Clock,
    logger: Logger,
  ) {
    this.buckets = new TokenBuckets(limit, () => clock.now().getTime());
    const log = logger.child({ component: 'event-rate-limit' });
    this.drops = new DropSummary(clock, limit.summaryIntervalMs, (node, dropped) => {
      log.warn('node events dropped: over its rate limit', { node, dropped, intervalMs: limit.summaryIntervalMs, burst: limit.burst, perSecond: limit.perSecond });
    });
  }

  admit(node: string, n: number): number {
    const got = this.buckets.take(node, n);
    if (got < n) this.drops.count(node, n - got);
    return got;
  }

  record(node: string, involved: InvolvedObject, type: EventType, reason: string, message: string): boolean {
    if (this.admit(node, 1) === 0) return false;
    this.sink.record(involved, type, reason, message, { component: AGENT_EVENT_COMPONENT, host: node });
    return true;
  }

  /** Stops pending summary timers (hub shutdown). */
  close(): void {
    this.drops.close();
  }
}
