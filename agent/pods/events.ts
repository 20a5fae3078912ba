/**
 * Pod events on the `events` channel: buffered (bounded, oldest dropped first), identical
 * events aggregated into a count as Kubernetes' recorder does, and sent when the link takes
 * them, so events made while the hub is unreachable are not lost (up to the bound). Which
 * events exist is decided in event-policy.ts, the only user.
 */
import type { EventsMessage, EventType, NodeEvent } from '../../shared/protocol/messages.js';
import { EVENT_MESSAGE_MAX_LENGTH, EVENT_REASON_MAX_LENGTH } from '../../shared/protocol/messages.js';
import type { Clock } from '../../shared/util/clock.js';
import { rfc3339 } from '../../shared/util/clock.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';

export type SendEvents = (msg: EventsMessage) => Promise<boolean>;

export interface PodEventRef {
  uid: string;
  namespace: string;
  name: string;
}

export const MAX_BUFFERED_EVENTS = 500;
export const MAX_EVENTS_PER_MESSAGE = 50;

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

export class PodEventRecorder {
  private buffer: NodeEvent[] = [];
  private flushing: Promise<void> | undefined;
  private dropped = 0;

  constructor(
    private readonly send: SendEvents,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly maxBuffered = MAX_BUFFERED_EVENTS,
  ) {}

  record(pod: PodEventRef, type: EventType, reason: string, message: string): void {
    const now = rfc3339(this.clock.now());
    const ev: NodeEvent = {
      type,
      reason: truncate(reason, EVENT_REASON_MAX_LENGTH),
      message: truncate(message, EVENT_MESSAGE_MAX_LENGTH),
      involved: { kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid },
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
    };
    this.log.info('pod event', { pod: `${pod.namespace}/${pod.name}`, uid: pod.uid, type, reason, message: ev.message });
    const same = this.buffer.find(
      (e) => e.type === ev.type && e.reason === ev.reason && e.message === ev.message && e.involved.uid === pod.uid,
    );
    if (same) {
      same.count = (same.count ?? 1) + 1;
      same.lastTimestamp = now;
      return;
    }
    this.buffer.push(ev);
    if (this.buffer.length > this.maxBuffered) {
      this.buffer.shift();
      this.dropped += 1;
    }
  }

  /** Events recorded and not yet sent. */
  pending(): readonly NodeEvent[] {
    return this.buffer;
  }

  flush(): Promise<void> {
    this.flushing ??= this.flushNow().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async flushNow(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.slice(0, MAX_EVENTS_PER_MESSAGE);
      const sent = batch.map((e) => structuredClone(e));
      let ok = false;
      try {
        ok = await this.send({ v: 1, t: 'events', events: sent });
      } catch (e) {
        this.log.debug('pod events not sent', { error: errorMessage(e) });
      }
      if (!ok) return;
      // Repeats aggregated while the batch was in flight stay, counted from there on.
      batch.forEach((e, i) => {
        e.count = (e.count ?? 1) - (sent[i]?.count ?? 1);
      });
      this.buffer = this.buffer.filter((e) => !batch.includes(e) || (e.count ?? 0) > 0);
      if (this.dropped > 0) {
        this.log.warn('pod events dropped while the hub was unreachable', { dropped: this.dropped });
        this.dropped = 0;
      }
    }
  }
}
