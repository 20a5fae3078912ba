/**
 * Records core/v1 Events about objects. Repeats of the same (source, object, type, reason,
 * message) within the de-duplication window bump `count`, `series` and `lastTimestamp` on one
 * Event instead of creating new ones, as Kubernetes' event correlator does, so a device that
 * keeps sending the same complaint costs one object, not thousands. Events expire after the
 * hub's event TTL (server/controllers/event-ttl).
 */
import { randomBytes } from 'node:crypto';
import type { KubeObject } from '../../shared/api/meta.js';
import { rfc3339, type Clock } from '../../shared/util/clock.js';
import { errorMessage } from '../../shared/util/guards.js';
import type { Logger } from '../../shared/util/logger.js';
import type { InternalClient } from '../apiserver/internal-client.js';

export interface InvolvedObject {
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  apiVersion?: string;
}

export type EventType = 'Normal' | 'Warning';

export interface EventSource {
  component: string;
  host?: string;
}

export interface EventSink {
  /** `source` defaults to the recorder's own component. */
  record(involved: InvolvedObject, type: EventType, reason: string, message: string, source?: EventSource): void;
}

const MAX_TRACKED = 4096;
/** Kubernetes' event aggregation window: a repeat after this long starts a new Event. */
export const DEFAULT_DEDUP_WINDOW_MS = 10 * 60_000;

export class EventRecorder implements EventSink {
  /** correlation key → Event name, most recent last. */
  private readonly seen = new Map<string, { namespace: string; name: string }>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: InternalClient,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly component = 'flotilla-hub',
    private readonly dedupWindowMs = DEFAULT_DEDUP_WINDOW_MS,
  ) {}

  /** Fire-and-forget: events never block or fail the caller; writes are serialized. */
  record(involved: InvolvedObject, type: EventType, reason: string, message: string, source?: EventSource): void {
    const from = source ?? { component: this.component };
    this.chain = this.chain
      .then(() => this.write(involved, type, reason, message, from))
      .catch((e: unknown) => this.logger.warn('event not recorded', { reason, object: involved.name, error: errorMessage(e) }));
  }

  /** Resolves when every recorded event has been written (for tests and shutdown). */
  flush(): Promise<void> {
    return this.chain;
  }

  private async write(involved: InvolvedObject, type: EventType, reason: string, message: string, source: EventSource): Promise<void> {
    const namespace = involved.namespace ?? 'default';
    const key = JSON.stringify([source.component, source.host, involved.kind, namespace, involved.name, involved.uid, involved.apiVersion, type, reason, message]);
    const nowDate = this.clock.now();
    const now = rfc3339(nowDate);
    const known = this.seen.get(key);
    if (known) {
      const existing = await this.client.get('Event', known.namespace, known.name);
      const last = existing && typeof existing['lastTimestamp'] === 'string' ? Date.parse(existing['lastTimestamp']) : NaN;
      if (existing && nowDate.getTime() - last < this.dedupWindowMs) {
        const count = (typeof existing['count'] === 'number' ? existing['count'] : 1) + 1;
        await this.client.patch('Event', known.namespace, known.name, 'merge', { count, lastTimestamp: now, series: { count, lastObservedTime: now } });
        return;
      }
    }
    const name = `${involved.name}.${randomBytes(8).toString('hex')}`;
    const event: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: { ...involved, namespace: involved.namespace },
      type,
      reason,
      message,
      source,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: source.component,
      ...(source.host ? { reportingInstance: source.host } : {}),
    };
    await this.client.create('Event', event);
    this.seen.delete(key); // re-inserted last: the most recent
    this.seen.set(key, { namespace, name });
    if (this.seen.size > MAX_TRACKED) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}
