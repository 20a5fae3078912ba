/**
 * PodDisruptionBudget semantics the eviction subresource and the disruption controller share:
 * which budgets cover a pod, what counts as a healthy pod, and the DisruptionAllowed condition,
 * as Kubernetes' pkg/apis/policy helpers compute them.
 */
import { labelSelectorFromSpec, matchesLabels } from './label-selector.js';
import type { Pod, PodDisruptionBudget, PodDisruptionBudgetStatus, PdbCondition } from './types/index.js';

/** Evicted pods whose deletion has not been seen after this long count as healthy again (Kubernetes' DeletionTimeout). */
export const DISRUPTED_POD_TIMEOUT_MS = 2 * 60_000;
/** Evictions the controller has not confirmed yet, per budget, beyond which eviction is refused (Kubernetes' MaxDisruptedPodSize). */
export const MAX_DISRUPTED_PODS = 2000;

export const DISRUPTION_ALLOWED = 'DisruptionAllowed';

/** policy/v1: an absent selector matches no pod, an empty one every pod of the namespace. */
export function budgetCovers(pdb: PodDisruptionBudget, pod: Pod): boolean {
  if (pdb.metadata.namespace !== pod.metadata.namespace) return false;
  return matchesLabels(labelSelectorFromSpec(pdb.spec.selector), pod.metadata.labels);
}

/** Kubernetes' IsPodReady: the Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Sets or replaces a condition as apimachinery's SetStatusCondition does: the transition time moves only when the status changes. */
export function setCondition(conditions: readonly PdbCondition[], next: PdbCondition): PdbCondition[] {
  const old = conditions.find((c) => c.type === next.type);
  const merged = old && old.status === next.status ? { ...next, lastTransitionTime: old.lastTransitionTime } : next;
  return [...conditions.filter((c) => c.type !== next.type), merged];
}

/** The DisruptionAllowed condition for a status (pdbhelper.UpdateDisruptionAllowedCondition). */
export function withDisruptionAllowed(status: PodDisruptionBudgetStatus, now: string): PodDisruptionBudgetStatus {
  const allowed = (status.disruptionsAllowed ?? 0) > 0;
  const condition: PdbCondition = {
    type: DISRUPTION_ALLOWED,
    status: allowed ? 'True' : 'False',
    reason: allowed ? 'SufficientPods' : 'InsufficientPods',
    message: '',
    lastTransitionTime: now,
    ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
  };
  return { ...status, conditions: setCondition(status.conditions ?? [], condition) };
}
