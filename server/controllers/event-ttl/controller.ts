/**
 * The event-ttl controller: keyed by Event (`namespace/name`). Every Event is queued at start
 * and on each change; one past its TTL is deleted (with its uid and resourceVersion as
 * preconditions, so a repeat recorded meanwhile keeps it), one not yet is looked at again when
 * it would expire. Level-based: a restart or a missed timer only delays the sweep.
 */
import { ApiError } from '../../../shared/api/errors.js';
import type { Clock } from '../../../shared/util/clock.js';
import type { InternalClient } from '../../apiserver/internal-client.js';
import type { Controller, ReconcileContext, ReconcileResult } from '../runtime/index.js';
import { planEventTtl } from './plan.js';

export interface EventTtlDeps {
  client: InternalClient;
  clock: Clock;
  ttlMs: number;
}

export function eventTtlController(deps: EventTtlDeps): Controller {
  const { client, clock, ttlMs } = deps;

  async function reconcile(key: string, { cache, log }: ReconcileContext): Promise<ReconcileResult | void> {
    const slash = key.indexOf('/');
    const ev = cache.get('Event', key.slice(0, slash), key.slice(slash + 1));
    if (!ev) return;
    const step = planEventTtl(ev, clock.now(), ttlMs);
    if (step.kind === 'wait') return { requeueAfterMs: step.afterMs };
    try {
      await client.delete('Event', ev.metadata.namespace, ev.metadata.name ?? '', {
        ...(ev.metadata.uid ? { preconditionUid: ev.metadata.uid } : {}),
        ...(ev.metadata.resourceVersion ? { preconditionRv: ev.metadata.resourceVersion } : {}),
      });
      log.debug('expired event deleted', { reason: ev.reason });
    } catch (e: unknown) {
      // 404: gone already; 409: written meanwhile, and that write queues it again.
      if (e instanceof ApiError && (e.code === 404 || e.code === 409)) return;
      throw e;
    }
  }

  return { name: 'event-ttl', kind: 'Event', reconcile };
}
