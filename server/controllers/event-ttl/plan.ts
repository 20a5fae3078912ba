/**
 * The event-ttl planner: when an Event expires. As Kubernetes keeps each Event for `--event-ttl`
 * after its last write (1 h by default), an Event is deleted once the latest time it was
 * observed (created, last seen, or last of its series) is `ttlMs` old. Pure.
 */
import type { Event } from '../../../shared/api/types/index.js';

export const DEFAULT_EVENT_TTL_MS = 60 * 60_000;

export type EventTtlStep = { kind: 'delete' } | { kind: 'wait'; afterMs: number };

/** The latest valid timestamp of the Event (NaN when it has none). */
export function lastObserved(ev: Event): number {
  const times = [ev.metadata.creationTimestamp, ev.lastTimestamp, ev.eventTime, ev.series?.lastObservedTime, ev.firstTimestamp]
    .map((t) => (typeof t === 'string' ? Date.parse(t) : NaN))
    .filter((t) => !Number.isNaN(t));
  return times.length === 0 ? NaN : Math.max(...times);
}

export function planEventTtl(ev: Event, now: Date, ttlMs: number): EventTtlStep {
  const last = lastObserved(ev);
  // An Event with no time at all cannot be aged: it goes at once rather than living forever.
  if (Number.isNaN(last)) return { kind: 'delete' };
  const left = last + ttlMs - now.getTime();
  return left <= 0 ? { kind: 'delete' } : { kind: 'wait', afterMs: left };
}
