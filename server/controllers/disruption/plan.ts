/**
 * The disruption planner: a PodDisruptionBudget's status from the pods it covers and their
 * controllers, as Kubernetes' disruption controller computes it (trySync). Pure.
 *
 * expectedPods: for a budget with an integer minAvailable, the number of covered pods; for a
 * percentage or a maxUnavailable, the scale of the pods' controllers (a DaemonSet's
 * desiredNumberScheduled), plus each covered pod that has no controller. desiredHealthy:
 * minAvailable (scaled, rounded up), or expectedPods minus maxUnavailable (scaled, rounded up).
 * currentHealthy: covered pods that are Ready, not being deleted and not evicted in the last two
 * minutes (disruptedPods). disruptionsAllowed: currentHealthy − desiredHealthy, never below 0,
 * and 0 while no pod is expected.
 */
import { DISRUPTED_POD_TIMEOUT_MS, DISRUPTION_ALLOWED, isPodReady, setCondition, withDisruptionAllowed } from '../../../shared/api/disruption-budget.js';
import { parseIntOrPercent, scaledValue } from '../../../shared/api/int-or-percent.js';
import type { IntOrString, PdbCondition, Pod, PodDisruptionBudget, PodDisruptionBudgetStatus } from '../../../shared/api/types/index.js';
import { rfc3339 } from '../../../shared/util/clock.js';

/** The scale of a pod's controller by its uid, or undefined when the hub does not know it. */
export type ControllerScale = (owner: { kind: string; uid: string; name: string }) => number | undefined;

export interface PdbPlan {
  status: PodDisruptionBudgetStatus;
  /** Look again then: an eviction in disruptedPods times out. */
  recheckAfterMs?: number;
}

function scaled(v: IntOrString, total: number): number {
  return scaledValue(parseIntOrPercent('', v), total, true);
}

/** The summed scale of the covered pods' controllers; pods without one count once each. */
function expectedScale(pods: readonly Pod[], scaleOf: ControllerScale): number | string {
  const scales = new Map<string, number>();
  let unmanaged = 0;
  for (const pod of pods) {
    const ref = (pod.metadata.ownerReferences ?? []).find((r) => r.controller === true);
    if (!ref) {
      unmanaged++;
      continue;
    }
    if (scales.has(ref.uid)) continue;
    const scale = scaleOf(ref);
    if (scale === undefined) return `found no controllers for pod "${pod.metadata.name ?? ''}"`;
    scales.set(ref.uid, scale);
  }
  return [...scales.values()].reduce((a, b) => a + b, unmanaged);
}

/** The evictions still awaited: those of pods not yet being deleted, younger than the timeout. */
function awaitedEvictions(pods: readonly Pod[], recorded: Record<string, string> | undefined, now: Date): { map: Record<string, string>; recheckAt?: number } {
  const map: Record<string, string> = {};
  let recheckAt: number | undefined;
  if (!recorded) return { map };
  for (const pod of pods) {
    const name = pod.metadata.name ?? '';
    const at = recorded[name];
    if (pod.metadata.deletionTimestamp || at === undefined) continue;
    const expires = Date.parse(at) + DISRUPTED_POD_TIMEOUT_MS;
    if (expires <= now.getTime()) continue;
    map[name] = at;
    recheckAt = recheckAt === undefined ? expires : Math.min(recheckAt, expires);
  }
  return recheckAt === undefined ? { map } : { map, recheckAt };
}

export function planPdbStatus(pdb: PodDisruptionBudget, pods: readonly Pod[], scaleOf: ControllerScale, now: Date): PdbPlan {
  const { minAvailable, maxUnavailable } = pdb.spec;
  const generation = pdb.metadata.generation ?? 0;
  const stamp = rfc3339(now);
  let expectedPods = 0;
  let desiredHealthy = 0;
  if (maxUnavailable !== undefined || typeof minAvailable === 'string') {
    const scale = expectedScale(pods, scaleOf);
    if (typeof scale === 'string') return { status: syncFailed(pdb, scale, stamp) };
    expectedPods = scale;
    desiredHealthy = maxUnavailable !== undefined ? Math.max(0, scale - scaled(maxUnavailable, scale)) : scaled(minAvailable ?? 0, scale);
  } else if (minAvailable !== undefined) {
    expectedPods = pods.length;
    desiredHealthy = minAvailable;
  }
  const { map: disruptedPods, recheckAt } = awaitedEvictions(pods, pdb.status?.disruptedPods, now);
  const currentHealthy = pods.filter((p) => !p.metadata.deletionTimestamp && disruptedPods[p.metadata.name ?? ''] === undefined && isPodReady(p)).length;
  const allowed = currentHealthy - desiredHealthy;
  const status = withDisruptionAllowed(
    {
      ...(pdb.status?.conditions ? { conditions: pdb.status.conditions } : {}),
      observedGeneration: generation,
      ...(Object.keys(disruptedPods).length > 0 ? { disruptedPods } : {}),
      disruptionsAllowed: expectedPods <= 0 || allowed <= 0 ? 0 : allowed,
      currentHealthy,
      desiredHealthy,
      expectedPods,
    },
    stamp,
  );
  return recheckAt === undefined ? { status } : { status, recheckAfterMs: recheckAt - now.getTime() };
}

/** Kubernetes' failSafe: nothing may be disrupted while the status cannot be computed. */
function syncFailed(pdb: PodDisruptionBudget, message: string, now: string): PodDisruptionBudgetStatus {
  const observedGeneration = pdb.metadata.generation ?? 0;
  const condition: PdbCondition = { type: DISRUPTION_ALLOWED, status: 'False', reason: 'SyncFailed', message, lastTransitionTime: now, observedGeneration };
  return { ...pdb.status, observedGeneration, disruptionsAllowed: 0, conditions: setCondition(pdb.status?.conditions ?? [], condition) };
}
