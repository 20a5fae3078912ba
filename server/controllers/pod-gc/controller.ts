/**
 * The pod-gc controller: keyed by pod (`namespace/name`). It explains pods that cannot start
 * because they name no node or a node that does not exist, and finishes the deletion of pods
 * whose node is gone (see plan.ts). Woken by the pod's own changes and by its node appearing
 * or going away.
 */
import { ApiError } from '../../../shared/api/errors.js';
import type { Pod } from '../../../shared/api/types/index.js';
import type { Clock } from '../../../shared/util/clock.js';
import type { Logger } from '../../../shared/util/logger.js';
import type { InternalClient } from '../../apiserver/internal-client.js';
import { EventRecorder, type EventSink } from '../../events/recorder.js';
import type { StoreEvent } from '../../store/watch-hub.js';
import { keyOf, type CacheReader, type Controller, type ReconcileContext, type ReconcileResult } from '../runtime/index.js';
import { DEFAULT_POD_GC_CONFIG, planPodGc, type PodGcConfig, type PodGcStep } from './plan.js';

export const POD_GC_COMPONENT = 'pod-garbage-collector';

export interface PodGcDeps {
  client: InternalClient;
  clock: Clock;
  logger: Logger;
  config?: Partial<PodGcConfig>;
  /** Where Events go; by default a recorder reporting as `pod-garbage-collector`. */
  events?: EventSink;
}

/** A Node that appears or goes away concerns the pods bound to it. */
function nodeAppearedOrWent(e: StoreEvent, cache: CacheReader): string[] {
  if (e.type === 'MODIFIED') return [];
  return cache.podsOnNode(e.object.metadata.name ?? '').map(keyOf);
}

function podKey(e: StoreEvent): string[] {
  return e.type === 'DELETED' ? [] : [keyOf(e.object)];
}

function ignoreGone(e: unknown): void {
  // 404: already gone; 409: changed or replaced meanwhile — the next pass reads it fresh.
  if (e instanceof ApiError && (e.code === 404 || e.code === 409)) return;
  throw e;
}

export function podGcController(deps: PodGcDeps): Controller {
  const { client, clock } = deps;
  const events = deps.events ?? new EventRecorder(client, clock, deps.logger, POD_GC_COMPONENT);
  const config: PodGcConfig = { ...DEFAULT_POD_GC_CONFIG, ...deps.config };

  async function execute(pod: Pod, step: PodGcStep, log: Logger): Promise<void> {
    const namespace = pod.metadata.namespace;
    const name = pod.metadata.name ?? '';
    const uid = pod.metadata.uid;
    try {
      switch (step.kind) {
        case 'none':
        case 'wait':
          return;
        case 'forceDelete':
          await client.delete('Pod', namespace, name, { gracePeriodSeconds: 0, ...(uid ? { preconditionUid: uid } : {}) });
          log.info('deleted a pod whose node is gone', { why: step.why });
          return;
        case 'explain':
        case 'clear':
          await client.patch(
            'Pod',
            namespace,
            name,
            'strategic',
            { metadata: { resourceVersion: pod.metadata.resourceVersion }, status: { conditions: [step.condition] } },
            { status: true },
          );
      }
    } catch (e: unknown) {
      ignoreGone(e);
      return;
    }
    if (step.kind === 'explain') {
      log.info('pod cannot start', { reason: step.condition.reason, message: step.condition.message });
      const involved = { apiVersion: 'v1', kind: 'Pod', name, ...(namespace ? { namespace } : {}), ...(uid ? { uid } : {}) };
      events.record(involved, 'Warning', step.eventReason, step.condition.message ?? '');
    }
  }

  async function reconcile(key: string, { cache, log }: ReconcileContext): Promise<ReconcileResult | void> {
    const slash = key.indexOf('/');
    const pod = cache.get('Pod', key.slice(0, slash), key.slice(slash + 1));
    if (!pod) return;
    const nodeName = pod.spec.nodeName ?? '';
    const nodeExists = nodeName !== '' && cache.get('Node', undefined, nodeName) !== undefined;
    const step = planPodGc(pod, nodeExists, clock.now(), config);
    if (step.kind === 'wait') return { requeueAfterMs: step.afterMs };
    await execute(pod, step, log);
  }

  return {
    name: 'pod-gc',
    kind: 'Pod',
    watches: [
      { kind: 'Pod', map: podKey },
      { kind: 'Node', map: nodeAppearedOrWent },
    ],
    reconcile,
  };
}
