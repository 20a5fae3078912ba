/**
 * The disruption controller: keyed by PodDisruptionBudget (`namespace/name`). It computes the
 * budget's status from the pods it covers (plan.ts) and writes it when it changed. Woken by the
 * budget's own changes, by changes to pods it covers (before or after the change) and by
 * DaemonSets of its namespace (their desiredNumberScheduled is the expected scale).
 */
import { budgetCovers } from '../../../shared/api/disruption-budget.js';
import type { PodDisruptionBudget } from '../../../shared/api/types/index.js';
import type { Clock } from '../../../shared/util/clock.js';
import type { InternalClient } from '../../apiserver/internal-client.js';
import type { StoreEvent } from '../../store/watch-hub.js';
import { isKind, keyOf, type CacheReader, type Controller, type ReconcileContext, type ReconcileResult } from '../runtime/index.js';
import { planPdbStatus, type ControllerScale } from './plan.js';
import { jsonEqual } from '../../../shared/api/validation/equal.js';

export interface DisruptionDeps {
  client: InternalClient;
  clock: Clock;
}

/** A pod change concerns the budgets that cover it now or covered it before. */
function budgetsOfPod(e: StoreEvent, cache: CacheReader): string[] {
  const keys = new Set<string>();
  for (const o of [e.object, e.prev]) {
    if (!o || !isKind(o, 'Pod')) continue;
    for (const pdb of cache.list('PodDisruptionBudget', o.metadata.namespace)) if (budgetCovers(pdb, o)) keys.add(keyOf(pdb));
  }
  return [...keys];
}

/** A DaemonSet change (its desired scale) concerns every budget of its namespace. */
function budgetsOfNamespace(e: StoreEvent, cache: CacheReader): string[] {
  return cache.list('PodDisruptionBudget', e.object.metadata.namespace).map(keyOf);
}

function scales(cache: CacheReader, namespace: string | undefined): ControllerScale {
  return (owner) => {
    if (owner.kind !== 'DaemonSet') return undefined;
    const ds = cache.get('DaemonSet', namespace, owner.name);
    return ds?.metadata.uid === owner.uid ? (ds.status?.desiredNumberScheduled ?? 0) : undefined;
  };
}

export function disruptionController(deps: DisruptionDeps): Controller {
  const { client, clock } = deps;

  async function reconcile(key: string, { cache }: ReconcileContext): Promise<ReconcileResult | void> {
    const slash = key.indexOf('/');
    const namespace = key.slice(0, slash);
    const pdb = cache.get('PodDisruptionBudget', namespace, key.slice(slash + 1));
    if (!pdb) return;
    const pods = cache.list('Pod', namespace).filter((p) => budgetCovers(pdb, p));
    const plan = planPdbStatus(pdb, pods, scales(cache, namespace), clock.now());
    if (!jsonEqual(plan.status, pdb.status)) {
      const next: PodDisruptionBudget = { ...pdb, status: plan.status };
      // Carries the resourceVersion read: an eviction that decremented meanwhile wins, and this runs again.
      await client.updateStatus('PodDisruptionBudget', next);
    }
    if (plan.recheckAfterMs !== undefined) return { requeueAfterMs: plan.recheckAfterMs };
  }

  return {
    name: 'disruption',
    kind: 'PodDisruptionBudget',
    watches: [
      { kind: 'Pod', map: budgetsOfPod },
      { kind: 'DaemonSet', map: budgetsOfNamespace },
    ],
    reconcile,
  };
}
