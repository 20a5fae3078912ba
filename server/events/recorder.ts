/**
 * Records core/v1 Events about objects. Repeats of the same (object, type, reason, message)
 * bump `count` and `lastTimestamp` on one Event instead of creating new ones, as Kubernetes'
 * event correlator does, so a device that keeps sending garbage costs one object, not thousands.
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

export interface EventSink {
  record(involved: InvolvedObject, type: EventType, reason: string, message: string): void;
}

const MAX_TRACKED = 4096;

export class EventRecorder implements EventSink {
  /** correlation key → Event name, most recent last. */
  private readonly seen = new Map<string, { namespace: string; name: string }>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: InternalClient,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly component = 'flotilla-hub',
  ) {}

  /** Fire-and-forget: events never block or fail the caller; writes are serialized. */
  record(involved: InvolvedObject, type: EventType, reason: string, message: string): void {
    this.chain = this.chain
      .then(() => this.write(involved, type, reason, message))
      .catch((e: unknown) => this.logger.warn('event not recorded', { reason, object: involved.name, error: errorMessage(e) }));
  }

  /** Resolves when every recorded event has been written (for tests and shutdown). */
  flush(): Promise<void> {
    return this.chain;
  }

  private async write(involved: InvolvedObject, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = involved.namespace ?? 'default';
    const key = JSON.stringify([involved.kind, namespace, involved.name, type, reason, message]);
    const now = rfc3339(this.clock.now());
    const known = this.seen.get(key);
    if (known) {
      const existing = await this.client.get('Event', known.namespace, known.name);
      if (existing) {
        const count = typeof existing['count'] === 'number' ? existing['count'] : 1;
        await this.client.patch('Event', known.namespace, known.name, 'merge', { count: count + 1, lastTimestamp: now });
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
      source: { component: this.component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: this.component,
    };
    await this.client.create('Event', event);
    this.seen.set(key, { namespace, name });
    if (this.seen.size > MAX_TRACKED) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}
