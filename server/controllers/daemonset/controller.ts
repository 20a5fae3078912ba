/**
 * The DaemonSet controller: keyed by `namespace/name`. It reads fresh state from the runtime's
 * cache (the DaemonSet, every Node with its pods, the pods it controls after adoption and
 * release — found through the owner and label indexes, claim.ts — its ControllerRevisions),
 * asks the planner (plan.ts), carries the plan out (executor.ts), writes the status through
 * /status (observedGeneration only when every step succeeded) and the fleet view as the
 * `flotilla.io/rollout-status` annotation, and comes back when the plan says a time-based
 * decision is due.
 *
 * Creates are never repeated: the store updates the cache before a write returns and one key
 * never reconciles twice at once, so the next reconcile sees every pod this one created.
 */
import { isDeepStrictEqual } from 'node:util';
import { labelSelectorFromSpec, matchesLabels } from '../../../shared/api/label-selector.js';
import type { DaemonSet, Pod } from '../../../shared/api/types/index.js';
import type { Clock } from '../../../shared/util/clock.js';
import type { Logger } from '../../../shared/util/logger.js';
import type { InternalClient } from '../../apiserver/internal-client.js';
import { EventRecorder, type EventSink, type InvolvedObject } from '../../events/recorder.js';
import type { StoreEvent } from '../../store/watch-hub.js';
import { keyOf, type CacheReader, type Controller, type ReconcileContext, type ReconcileResult } from '../runtime/index.js';
import { claimCandidates, claimPods, daemonSetOwnerRef } from './claim.js';
import { executePlan } from './executor.js';
import { nodeKeys } from './node-keys.js';
import type { BackoffEntry } from './manage.js';
import { controllerRef, daemonSetView, revisionView } from './observe.js';
import { planDaemonSet, ROLLOUT_STATUS_ANNOTATION, type DaemonSetPlan } from './plan.js';
import { ViewMemo } from './view-memo.js';
import { objectKey } from '../../store/keys.js';

export const DAEMONSET_CONTROLLER_COMPONENT = 'daemonset-controller';

export interface DaemonSetControllerDeps {
  client: InternalClient;
  clock: Clock;
  logger: Logger;
  events?: EventSink;
}

/** The DaemonSet a controlled object points at (its controlling ownerReference), as a key. */
function ownerKeys(e: StoreEvent): string[] {
  const keys = new Set<string>();
  for (const o of [e.object, e.prev]) {
    const ref = o ? controllerRef(o.metadata) : undefined;
    if (o && ref?.kind === 'DaemonSet') keys.add(objectKey(o.metadata.namespace, ref.name));
  }
  return [...keys];
}

/** A Pod change → its owner; an orphan that appeared or was relabelled → DaemonSets whose selector matches it. */
function podKeys(e: StoreEvent, cache: CacheReader): string[] {
  const keys = ownerKeys(e);
  const pod = e.object;
  const labelsChanged = e.type === 'ADDED' || !isDeepStrictEqual(e.prev?.metadata.labels, pod.metadata.labels);
  if (e.type !== 'DELETED' && labelsChanged && !controllerRef(pod.metadata)) {
    for (const ds of cache.list('DaemonSet', pod.metadata.namespace)) {
      if (matchesLabels(labelSelectorFromSpec(ds.spec.selector), pod.metadata.labels)) keys.push(keyOf(ds));
    }
  }
  return keys;
}

function involvedOf(ds: DaemonSet): InvolvedObject {
  const m = ds.metadata;
  return { apiVersion: 'apps/v1', kind: 'DaemonSet', name: m.name ?? '', ...(m.namespace ? { namespace: m.namespace } : {}), ...(m.uid ? { uid: m.uid } : {}) };
}

export function daemonSetController(deps: DaemonSetControllerDeps): Controller {
  const { client, clock } = deps;
  const events = deps.events ?? new EventRecorder(client, clock, deps.logger, DAEMONSET_CONTROLLER_COMPONENT);
  /** Per DaemonSet key: failed-pod backoff by node (Kubernetes keeps it in memory too). */
  const backoffs = new Map<string, Map<string, BackoffEntry>>();
  const views = new ViewMemo();

  /** Adopts matching orphans and releases owned pods that no longer match; the pods it then controls. */
  async function claim(ds: DaemonSet, cache: CacheReader, log: Logger): Promise<Pod[]> {
    const claimed = claimPods(ds, claimCandidates(ds, cache));
    const ref = daemonSetOwnerRef({ name: ds.metadata.name ?? '', uid: ds.metadata.uid ?? '' });
    for (const pod of claimed.adopt) {
      const refs = [...(pod.metadata.ownerReferences ?? []), ref];
      await client.patch('Pod', pod.metadata.namespace, pod.metadata.name ?? '', 'merge', { metadata: { resourceVersion: pod.metadata.resourceVersion, ownerReferences: refs } });
      log.info('adopted pod', { pod: pod.metadata.name });
    }
    for (const pod of claimed.release) {
      const refs = (pod.metadata.ownerReferences ?? []).filter((r) => r.uid !== ref.uid);
      await client.patch('Pod', pod.metadata.namespace, pod.metadata.name ?? '', 'merge', { metadata: { resourceVersion: pod.metadata.resourceVersion, ownerReferences: refs.length > 0 ? refs : null } });
      log.info('released pod', { pod: pod.metadata.name });
    }
    return [...claimed.owned, ...claimed.adopt];
  }

  function plan(ds: DaemonSet, pods: Pod[], cache: CacheReader, key: string, log: Logger): DaemonSetPlan {
    const uid = ds.metadata.uid ?? '';
    const revisions = cache.ownedBy(uid, 'ControllerRevision').filter((r) => controllerRef(r.metadata)?.uid === uid);
    return planDaemonSet({
      ds: daemonSetView(ds),
      nodes: cache.list('Node').map((n) => views.node(n, cache.podsOnNode(n.metadata.name ?? ''))),
      pods: pods.map((p) => views.pod(p)),
      revisions: revisions.map((r) => revisionView(r, log)),
      backoff: backoffs.get(key) ?? new Map(),
      now: clock.now().getTime(),
    });
  }

  /** Status through /status when it changed; observedGeneration moves only after a clean run. */
  async function writeStatus(ds: DaemonSet, p: DaemonSetPlan, clean: boolean, collision: boolean): Promise<void> {
    const { observedGeneration, ...rest } = p.status;
    const status: Record<string, unknown> = { ...rest };
    const previous = ds.status?.observedGeneration;
    if (clean) status['observedGeneration'] = observedGeneration;
    else if (previous !== undefined) status['observedGeneration'] = previous;
    if (collision) status['collisionCount'] = (p.status.collisionCount ?? ds.status?.collisionCount ?? 0) + 1;
    if (isDeepStrictEqual(status, ds.status ?? {})) return;
    await client.updateStatus('DaemonSet', { ...ds, status });
  }

  async function publishFleet(ds: DaemonSet, p: DaemonSetPlan): Promise<void> {
    const text = JSON.stringify({ ...p.fleet, generation: p.status.observedGeneration });
    if (ds.metadata.annotations?.[ROLLOUT_STATUS_ANNOTATION] === text) return;
    await client.patch('DaemonSet', ds.metadata.namespace, ds.metadata.name ?? '', 'merge', { metadata: { annotations: { [ROLLOUT_STATUS_ANNOTATION]: text } } });
  }

  async function reconcile(key: string, { cache, log }: ReconcileContext): Promise<ReconcileResult | void> {
    const [namespace, name] = key.split('/');
    const ds = cache.get('DaemonSet', namespace, name ?? '');
    if (!ds) {
      backoffs.delete(key);
      return;
    }
    // Being deleted: the garbage collector owns what happens to its pods now.
    if (ds.metadata.deletionTimestamp) return;

    const pods = await claim(ds, cache, log);
    const p = plan(ds, pods, cache, key, log);
    backoffs.set(key, p.backoff);
    const involved = involvedOf(ds);
    for (const e of p.events) events.record(involved, e.type, e.reason, e.message);

    const podHashes = new Map(pods.map((pod) => [pod.metadata.name ?? '', pod.metadata.labels?.['controller-revision-hash']]));
    const templateLabels = ds.spec.template.metadata?.labels ?? {};
    const result = await executePlan(
      { client, events, log },
      { ds: daemonSetView(ds), involved, steps: p.steps, podHashes, templateLabels },
    );
    if (p.steps.length > 0) log.info('daemonset synced', { revision: p.hash, steps: p.steps.length, failed: result.errors.length });

    const current = (): DaemonSet => cache.get('DaemonSet', namespace, name ?? '') ?? ds;
    await writeStatus(current(), p, result.ok, result.collision === true);
    await publishFleet(current(), p);
    if (!result.ok) throw new Error(`daemonset ${key}: ${result.errors.join('; ')}`);
    return p.requeueAfterMs === undefined ? undefined : { requeueAfterMs: p.requeueAfterMs };
  }

  return {
    name: 'daemonset',
    kind: 'DaemonSet',
    workers: 2,
    watches: [
      { kind: 'Pod', map: podKeys },
      { kind: 'Node', map: nodeKeys },
      { kind: 'ControllerRevision', map: ownerKeys },
    ],
    reconcile,
  };
}
